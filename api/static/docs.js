// Starts Swagger UI on this server's OpenAPI description (no inline script, no CDN).
"use strict";
/* global SwaggerUIBundle */
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    validatorUrl: null,
  });
});
