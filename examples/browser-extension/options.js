/* The options page: the API address, the lowest severity shown, where to check. */
"use strict";
/* global stemcheckShared */

const { getSettings, apiOrigin, SEVERITIES } = stemcheckShared;
const $ = (id) => document.getElementById(id);

async function load() {
  const s = await getSettings();
  $("api").value = s.apiBase;
  $("severity").value = s.minSeverity;
  document.querySelector(`input[name=where][value=${s.allSites ? "all" : "list"}]`).checked = true;
  $("overlay").checked = s.overlay;
  $("sites-line").textContent = s.sites.length ? `Switched on: ${s.sites.join(", ")}.` : "No site switched on yet.";
}

function say(text) {
  $("saved").textContent = text;
}

$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const apiBase = $("api").value.trim().replace(/\/+$/, "");
  const origin = apiOrigin(apiBase);
  if (!origin) {
    say("The API address must be an http:// or https:// address with no user name, query or fragment.");
    return;
  }
  const allSites = document.querySelector("input[name=where]:checked").value === "all";
  // Permissions are asked for at once, in the click: the API's address (unless it is on
  // this machine, which the extension may always reach) and, for every site, all sites.
  const origins = [];
  if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin)) origins.push(`${origin}/*`);
  if (allSites) origins.push("*://*/*");
  if (origins.length && !(await chrome.permissions.request({ origins }))) {
    say("Not saved: the browser did not grant the permission asked for.");
    return;
  }
  const minSeverity = SEVERITIES.includes($("severity").value) ? $("severity").value : "low";
  await chrome.storage.local.set({ apiBase, minSeverity, allSites, overlay: $("overlay").checked });
  say("Saved. Pages opened from now on use these options.");
});

load();
