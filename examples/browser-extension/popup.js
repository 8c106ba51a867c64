/*
 * The toolbar popup: the page's verdict, its claims by kind, the questions to ask, the
 * list of findings (each scrolls the page to it), and the switch for this site.
 * Opened as a page with ?tab=ID it shows that tab (a detached view, and the tests).
 */
"use strict";
/* global stemcheckShared */

const { getSettings, hostOf, isAllowed } = stemcheckShared;
const $ = (id) => document.getElementById(id);
const POLL_MS = 500;

let tab = null;
let categories = new Map();

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function say(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

async function targetTab() {
  const param = new URLSearchParams(location.search).get("tab");
  if (param !== null) return chrome.tabs.get(Number(param));
  const [active] = await chrome.tabs.query({ active: true, currentWindow: true });
  return active;
}

function ask(message) {
  return chrome.tabs.sendMessage(tab.id, message).catch(() => null); // null: no content script there
}

async function loadCategories() {
  const reply = await chrome.runtime.sendMessage({ type: "info" });
  if (reply?.ok) categories = new Map(reply.data.categories.map((c) => [c.name, c]));
}

function show(snap) {
  if (!snap) {
    $("result").hidden = true;
    $("check-once").hidden = false;
    say("This page is not checked.");
    return;
  }
  $("check-once").hidden = true;
  if (!snap.enabled) {
    $("result").hidden = true;
    say("Checking is off on this site.");
    return;
  }
  if (snap.error) say(snap.error, true);
  else if (snap.checking) say("Checking\u2026");
  else say(snap.throttled ? "The page keeps changing: stemcheck re-checks it every few seconds." : "");
  $("result").hidden = snap.checking && !snap.findings.length;
  const warnings = snap.findings.length;
  $("verdict").textContent = warnings
    ? `Verdict: ${snap.verdict || "unknown"} \u2014 ${warnings} ${warnings === 1 ? "claim" : "claims"} to question.`
    : snap.checking ? "" : "Verdict: clean \u2014 no problem claims found.";
  const counts = Object.entries(snap.counts).sort((a, b) => b[1] - a[1]);
  $("counts").replaceChildren(...counts.map(([name, n]) => el("li", `${categories.get(name)?.plain || name}: ${n}`)));
  $("findings").replaceChildren(...snap.findings.map((f) => {
    const b = el("button");
    b.type = "button";
    b.dataset.index = String(f.index);
    b.append(el("span", f.severity, `sev sev-${f.severity}`), document.createTextNode(` \u201c${f.text}\u201d \u2014 ${f.message}`));
    b.addEventListener("click", () => ask({ type: "reveal", index: f.index }));
    const li = el("li");
    li.append(b);
    return li;
  }));
  const questions = [...new Set(counts.flatMap(([name]) => categories.get(name)?.questions || []))];
  $("questions").replaceChildren(...questions.map((q) => el("li", q)));
  $("questions").previousElementSibling.hidden = !questions.length;
}

let lastShown = "";
async function refresh() {
  const snap = await ask({ type: "state" });
  const key = JSON.stringify(snap);
  if (key !== lastShown) {
    lastShown = key;
    show(snap);
  }
}

async function inject() {
  await chrome.scripting.insertCSS({ target: { tabId: tab.id }, files: ["content.css"] });
  await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: ["content.js"] });
}

async function onSwitch(event) {
  const on = event.target.checked;
  const host = hostOf(tab.url);
  const settings = await getSettings();
  if (on && !settings.allSites) {
    // Asked for in the click itself (browsers grant permissions only on a user's action),
    // for this page's scheme and host.
    const granted = await chrome.permissions.request({ origins: [`${new URL(tab.url).protocol}//${host}/*`] });
    if (!granted) {
      event.target.checked = false;
      say("Without permission for this site, stemcheck cannot check it.", true);
      return;
    }
  }
  const sites = new Set(settings.sites);
  const paused = new Set(settings.paused);
  if (on) {
    paused.delete(host);
    if (!settings.allSites) sites.add(host);
  } else if (settings.allSites) {
    paused.add(host);
  } else {
    sites.delete(host);
  }
  await chrome.storage.local.set({ sites: [...sites], paused: [...paused] });
  if (on) {
    if (!(await ask({ type: "enable" }))) await inject();
  } else {
    await ask({ type: "disable" });
  }
  refresh();
}

async function main() {
  tab = await targetTab();
  const host = tab && hostOf(tab.url || "");
  if (!host) {
    say("stemcheck checks web pages (http and https) only.");
    $("site-switch").disabled = true;
    return;
  }
  $("site-label").textContent = `Check ${host}`;
  const settings = await getSettings();
  $("site-switch").checked = isAllowed(settings, tab.url);
  $("site-switch").addEventListener("change", onSwitch);
  $("check-once").addEventListener("click", () => inject().then(refresh, (err) => say(`Cannot check this page: ${err.message}`, true)));
  await loadCategories();
  await refresh();
  setInterval(refresh, POLL_MS);
}

main().catch((err) => say(`stemcheck: ${err.message}`, true));
