/*
 * The service worker: the only part that talks to the stemcheck API (a content script's
 * own requests would be held to the page's CORS rules), and the keeper of where the
 * content script runs (registered for the sites the user allowed, nowhere else).
 */
"use strict";
/* global stemcheckShared */

if (typeof stemcheckShared === "undefined") importScripts("shared.js"); // Firefox lists it in the manifest

const SCRIPT_ID = "stemcheck";
const REQUEST_TIMEOUT_MS = 60000;
const { getSettings, hostPattern, apiOrigin } = stemcheckShared;

// --- where the content script runs ---------------------------------------------------------

async function syncRegistration() {
  const settings = await getSettings();
  const registered = await chrome.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (registered.length) await chrome.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
  const matches = settings.allSites ? ["http://*/*", "https://*/*"] : settings.sites.map(hostPattern);
  if (!matches.length) return;
  await chrome.scripting.registerContentScripts([{
    id: SCRIPT_ID,
    js: ["content.js"],
    css: ["content.css"],
    matches,
    excludeMatches: settings.paused.map(hostPattern),
    runAt: "document_idle",
    persistAcrossSessions: true,
  }]);
}

// Settings change from the popup or the options page; one sync at a time, in order.
let syncing = Promise.resolve();
function resync() {
  syncing = syncing.then(syncRegistration).catch((err) => console.warn("stemcheck: registration failed", err));
  return syncing;
}

chrome.runtime.onInstalled.addListener(resync);
chrome.runtime.onStartup.addListener(resync);
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && ("allSites" in changes || "sites" in changes || "paused" in changes)) resync();
});

// --- the API -----------------------------------------------------------------------------

class ApiError extends Error {}

async function api(path, body) {
  const settings = await getSettings();
  const origin = apiOrigin(settings.apiBase);
  if (!origin) throw new ApiError(`The API address "${settings.apiBase}" is not an http(s) address; fix it in the options.`);
  const url = new URL(settings.apiBase.replace(/\/+$/, "") + path);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError(controller.signal.aborted
      ? `The stemcheck API at ${origin} took longer than ${REQUEST_TIMEOUT_MS / 1000} s to answer.`
      : `The stemcheck API at ${origin} did not answer (${err.message}). Is it running?`);
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    throw new ApiError(`The API at ${origin} answered ${response.status} with something that is not JSON.`);
  }
  if (!response.ok) {
    const detail = typeof data?.detail === "string" ? data.detail : (data?.error?.message || JSON.stringify(data).slice(0, 200));
    throw new ApiError(`The API at ${origin} refused the request (${response.status}): ${detail}`);
  }
  return data;
}

// /v1/info and /v1/rules change only with the server: kept per API address.
const catalogue = new Map();
async function info() {
  const { apiBase } = await getSettings();
  if (!catalogue.has(apiBase)) {
    const pending = Promise.all([api("/v1/info"), api("/v1/rules")]).then(([i, r]) => ({
      verdictPolicy: i.verdict_policy,
      categories: r.categories,
      rulePack: i.rule_pack,
      checkerVersion: i.checker_version,
    }));
    catalogue.set(apiBase, pending);
    pending.catch(() => catalogue.delete(apiBase));
  }
  return catalogue.get(apiBase);
}

async function check(segments) {
  const { minSeverity } = await getSettings();
  return api("/v1/check/batch", { segments, min_severity: minSeverity });
}

// --- messages ----------------------------------------------------------------------------

function answer(promise, sendResponse) {
  promise.then(
    (data) => sendResponse({ ok: true, data }),
    (err) => sendResponse({ ok: false, error: err instanceof ApiError ? err.message : `stemcheck: ${err}` }),
  );
  return true; // the answer comes later
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id) return false;
  switch (message?.type) {
    case "check":
      return answer(check(message.segments), sendResponse);
    case "info":
      return answer(info(), sendResponse);
    case "badge":
      if (sender.tab) {
        const n = message.warnings;
        chrome.action.setBadgeText({ tabId: sender.tab.id, text: n ? String(Math.min(n, 999)) : "" });
        chrome.action.setBadgeBackgroundColor({ tabId: sender.tab.id, color: n ? "#a4161a" : "#2b6a30" });
      }
      return false;
    case "resync":
      return answer(resync(), sendResponse);
    default:
      return false;
  }
});

// Keyboard: step through the findings of the page in front.
chrome.commands.onCommand.addListener(async (command) => {
  const [tab] = await chrome.tabs.query({ active: true, lastFocusedWindow: true });
  if (tab?.id !== undefined) chrome.tabs.sendMessage(tab.id, { type: "step", forward: command === "next-finding" }).catch(() => {});
});
