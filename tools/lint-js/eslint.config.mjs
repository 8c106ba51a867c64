// ESLint for stemcheck's browser JavaScript. Lives beside its own package.json so the
// Python project needs no Node set-up; run from the repository's root (make lint-js).
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    files: ["examples/browser-extension/**/*.js", "api/static/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "script",
      globals: { ...globals.browser, ...globals.webextensions, ...globals.serviceworker },
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      "no-var": "off", // shared.js declares its one global with var, on purpose
      eqeqeq: ["error", "always"],
      "no-implicit-globals": "off",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-restricted-properties": ["error",
        { property: "innerHTML", message: "Set text with textContent; never page or API text as markup." },
        { property: "outerHTML", message: "Set text with textContent; never page or API text as markup." },
        { property: "insertAdjacentHTML", message: "Set text with textContent; never page or API text as markup." }],
    },
  },
];
