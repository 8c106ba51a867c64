/*
 * Settings and small helpers shared by the service worker, the popup and the options
 * page (a classic script: service workers load it with importScripts, pages with a
 * script tag). The content script does not use it: it asks the service worker.
 */
"use strict";
/* exported stemcheckShared */

var stemcheckShared = (() => {
  const DEFAULTS = Object.freeze({
    apiBase: "http://127.0.0.1:8000",
    minSeverity: "low",
    allSites: false, // check every site, or only those in `sites`
    sites: [], // host names the user allowed
    paused: [], // host names the user switched off (with allSites)
    overlay: false, // draw boxes over the page instead of using the CSS Custom Highlight API
  });
  const SEVERITIES = ["low", "medium", "high", "critical"];

  async function getSettings() {
    const stored = await chrome.storage.local.get(Object.keys(DEFAULTS));
    return { ...DEFAULTS, ...stored };
  }

  function hostOf(url) {
    try {
      const u = new URL(url);
      return u.protocol === "http:" || u.protocol === "https:" ? u.hostname : null;
    } catch {
      return null;
    }
  }

  // Match patterns have no port: a host pattern covers every port of that host.
  function hostPattern(host) {
    return `*://${host}/*`;
  }

  function isAllowed(settings, url) {
    const host = hostOf(url);
    if (!host) return false;
    if (settings.paused.includes(host)) return false;
    return settings.allSites || settings.sites.includes(host);
  }

  /** The API address as an origin ("http://host:port"), or null when it is not http(s). */
  function apiOrigin(apiBase) {
    try {
      const u = new URL(apiBase);
      if (u.protocol !== "http:" && u.protocol !== "https:") return null;
      if (u.username || u.password || u.search || u.hash) return null;
      return u.origin;
    } catch {
      return null;
    }
  }

  return { DEFAULTS, SEVERITIES, getSettings, hostOf, hostPattern, isAllowed, apiOrigin };
})();
