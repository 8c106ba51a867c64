/*
 * The content script: reads the page's visible text node by node, grouped by block, has
 * the service worker check it, and marks each finding's pieces with the CSS Custom
 * Highlight API, which leaves the page's DOM untouched. Where that API is missing (or the
 * user prefers it) boxes are drawn over the text in a layer of our own instead.
 *
 * Page and API text is only ever set as text (textContent, never markup).
 */
"use strict";

(() => {
  if (globalThis.__stemcheck) return; // injected again (registered script, then "check once")
  globalThis.__stemcheck = true;

  const SEVERITIES = ["critical", "high", "medium", "low"];
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "TEXTAREA", "INPUT", "SELECT", "OPTION",
    "SVG", "MATH", "IFRAME", "OBJECT", "CANVAS", "NAV", "STEMCHECK-UI"]);
  const MAX_SEGMENTS = 2000; // per request (the API takes up to 5,000)
  const MAX_CHARS = 400000; // per request, well under the API's body limit
  const DEBOUNCE_MS = 400;
  // Re-checks after changes: a burst, then one every few seconds; changes made meanwhile
  // wait and go together, so a page that never stops changing costs little and loses nothing.
  const RECHECK_BURST = 10;
  const RECHECK_EVERY_MS = 6000;
  const ATTRS = ["hidden", "open", "style", "class", "aria-hidden", "aria-expanded"];

  const state = {
    enabled: true,
    checking: 0,
    error: null,
    throttled: false,
    policy: null,
  };
  let overlay = false;

  // --- reading the page -------------------------------------------------------------------

  const nodeIds = new WeakMap(); // Text -> segment id
  const nodesById = new Map(); // segment id -> Text
  const blockIds = new WeakMap(); // Element -> block id
  const blocks = new Map(); // block id -> {el, nodes, sent, findings}
  let nextNode = 0;
  let nextBlock = 0;

  function idOfNode(node) {
    let id = nodeIds.get(node);
    if (!id) {
      id = `n${nextNode++}`;
      nodeIds.set(node, id);
      nodesById.set(id, node);
    }
    return id;
  }

  function idOfBlock(el) {
    let id = blockIds.get(el);
    if (!id) {
      id = `b${nextBlock++}`;
      blockIds.set(el, id);
    }
    return id;
  }

  function skipped(el) {
    for (let e = el; e; e = e.parentElement) {
      if (SKIP.has(e.tagName.toUpperCase())) return true;
      if (e.getAttribute("aria-hidden") === "true" || e.isContentEditable) return true;
    }
    return false;
  }

  function visible(el) {
    if (typeof el.checkVisibility === "function") return el.checkVisibility({ visibilityProperty: true, checkVisibilityCSS: true });
    const style = getComputedStyle(el);
    return style.visibility !== "hidden" && el.getClientRects().length > 0;
  }

  // The nearest ancestor that is not laid out inline: the text of one block is checked
  // as one text, so a claim split across <b>, <a> or <span> is still one sentence.
  function blockOf(el, displays) {
    for (let e = el; e; e = e.parentElement) {
      let display = displays.get(e);
      if (display === undefined) {
        display = getComputedStyle(e).display;
        displays.set(e, display);
      }
      if (!(display.startsWith("inline") || display === "contents" || display === "ruby")) return e;
    }
    return document.body;
  }

  /** The blocks that have text under `roots`, each with its visible text nodes in order. */
  function collect(roots) {
    const displays = new Map();
    const found = new Map(); // block element -> Text[]
    for (const root of roots) {
      if (!root.isConnected) continue;
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      const verdicts = new Map(); // parent element -> checkable?
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent) continue;
        let ok = verdicts.get(parent);
        if (ok === undefined) {
          ok = !skipped(parent) && visible(parent);
          verdicts.set(parent, ok);
        }
        if (!ok) continue;
        const block = blockOf(parent, displays);
        if (!found.has(block)) found.set(block, []);
        found.get(block).push(node);
      }
    }
    // A block that reaches beyond the roots (a root was inline) is read whole.
    const result = [];
    for (const [el, nodes] of found) {
      const inside = roots.some((r) => r === el || r.contains(el));
      result.push({ el, nodes: inside ? nodes : ownNodes(el, displays) });
    }
    return result.filter((b) => b.nodes.some((n) => n.data.trim()));
  }

  function ownNodes(blockEl, displays) {
    const walker = document.createTreeWalker(blockEl, NodeFilter.SHOW_TEXT);
    const nodes = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent && !skipped(parent) && visible(parent) && blockOf(parent, displays) === blockEl) nodes.push(node);
    }
    return nodes;
  }

  // --- checking ---------------------------------------------------------------------------

  function send(message) {
    return new Promise((resolve) => {
      chrome.runtime.sendMessage(message, (reply) => {
        if (chrome.runtime.lastError) resolve({ ok: false, error: `stemcheck: ${chrome.runtime.lastError.message}` });
        else resolve(reply || { ok: false, error: "stemcheck: no answer from the extension" });
      });
    });
  }

  /** Check the blocks whose text changed since they were last sent; the rest stay as they are. */
  function changedBlocks(found) {
    const changed = [];
    for (const { el, nodes } of found) {
      const id = idOfBlock(el);
      const text = nodes.map((n) => n.data).join("");
      const known = blocks.get(id);
      if (known && known.sent === text && sameNodes(known.nodes, nodes)) continue;
      changed.push({ id, el, nodes, text });
    }
    return changed;
  }

  async function sendBlocks(changed) {
    for (const batch of batches(changed)) {
      state.checking++;
      const segments = batch.flatMap((b) => b.nodes.map((n) => ({ id: idOfNode(n), block: b.id, text: n.data })));
      const reply = await send({ type: "check", segments });
      state.checking--;
      if (!reply.ok) {
        state.error = reply.error;
        continue;
      }
      state.error = null;
      const byBlock = new Map(batch.map((b) => [b.id, []]));
      for (const f of reply.data.findings) byBlock.get(f.block)?.push(f);
      for (const b of batch) {
        forgetBlock(b.id);
        blocks.set(b.id, { el: b.el, nodes: b.nodes, sent: b.text, findings: byBlock.get(b.id).map(located).filter(Boolean) });
      }
    }
  }

  function sameNodes(a, b) {
    return a.length === b.length && a.every((n, i) => n === b[i]);
  }

  function* batches(changed) {
    let batch = [];
    let segments = 0;
    let chars = 0;
    for (const b of changed) {
      if (batch.length && (segments + b.nodes.length > MAX_SEGMENTS || chars + b.text.length > MAX_CHARS)) {
        yield batch;
        batch = [];
        segments = chars = 0;
      }
      batch.push(b);
      segments += b.nodes.length;
      chars += b.text.length;
    }
    if (batch.length) yield batch;
  }

  function forgetBlock(id) {
    const old = blocks.get(id);
    if (!old) return;
    for (const n of old.nodes) {
      const nid = nodeIds.get(n);
      if (nid && !n.isConnected) {
        nodesById.delete(nid);
        nodeIds.delete(n);
      }
    }
    blocks.delete(id);
  }

  // A finding with a live Range for each of its pieces (offsets are UTF-16 units, as the DOM's).
  function located(f) {
    const ranges = [];
    for (const p of f.pieces) {
      const node = nodesById.get(p.segment_id);
      if (!node || p.end_utf16 > node.length) return null;
      const r = new Range();
      r.setStart(node, p.start_utf16);
      r.setEnd(node, p.end_utf16);
      ranges.push(r);
    }
    return ranges.length ? { ...f, ranges } : null;
  }

  let current = []; // every finding on the page, in reading order, as last rendered

  function allFindings() {
    const out = [];
    for (const [, b] of blocks) out.push(...b.findings);
    // Reading order: by the position of the first range in the page.
    out.sort((a, b) => a.ranges[0].compareBoundaryPoints(Range.START_TO_START, b.ranges[0]));
    return out;
  }

  // The page's verdict over every block checked so far, by the API's own policy
  // (/v1/info verdict_policy), since re-checks send only the blocks that changed.
  function verdict(findings) {
    const policy = state.policy;
    const warnings = findings.filter((f) => f.warning);
    if (!warnings.length) return "clean";
    if (!policy) return null;
    const strength = (f) => f.confidence * policy.severity_weight[f.severity];
    const perSentence = new Map();
    for (const f of warnings) {
      const key = `${f.block}\u0000${f.sentence_start}`;
      perSentence.set(key, Math.max(perSentence.get(key) || 0, strength(f)));
    }
    const score = Math.round([...perSentence.values()].reduce((a, b) => a + b, 0) * 1000) / 1000;
    if (score >= policy.serious_total || Math.max(...warnings.map(strength)) >= policy.serious_single) return "seriously misleading";
    return score >= policy.misleading_total ? "misleading" : "caution";
  }

  // --- marking ----------------------------------------------------------------------------

  const supportsHighlights = typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight === "function";

  function render() {
    const findings = state.enabled ? allFindings() : [];
    current = findings;
    if (supportsHighlights && !overlay) {
      for (const sev of SEVERITIES) {
        const ranges = findings.filter((f) => f.severity === sev).flatMap((f) => f.ranges);
        if (ranges.length) CSS.highlights.set(`stemcheck-${sev}`, new Highlight(...ranges));
        else CSS.highlights.delete(`stemcheck-${sev}`);
      }
      ui.clearBoxes();
    } else {
      ui.drawBoxes(findings);
    }
    send({ type: "badge", warnings: findings.filter((f) => f.warning).length });
  }

  function clearMarks() {
    if (supportsHighlights) for (const sev of SEVERITIES) CSS.highlights.delete(`stemcheck-${sev}`);
    ui.clearBoxes();
    ui.hide();
    current = [];
    send({ type: "badge", warnings: 0 });
  }

  // Our own layer, outside <body>: a shadow root holds the popover and, for the
  // fallback, the boxes. Created only when first needed.
  const ui = (() => {
    let host = null;
    let root = null;
    let pop = null;
    let boxes = null;
    let shown = null;

    function ensure() {
      if (host) return;
      host = document.createElement("stemcheck-ui");
      host.style.cssText = "all: initial; position: absolute; left: 0; top: 0; width: 0; height: 0; z-index: 2147483647;";
      root = host.attachShadow({ mode: "open" });
      const style = document.createElement("style");
      style.textContent = POPOVER_CSS;
      boxes = document.createElement("div");
      boxes.className = "boxes";
      pop = document.createElement("div");
      pop.className = "pop";
      pop.setAttribute("role", "dialog");
      pop.setAttribute("aria-live", "polite");
      pop.hidden = true;
      pop.addEventListener("mouseleave", () => hideSoon());
      pop.addEventListener("mouseenter", () => clearTimeout(hideTimer));
      root.append(style, boxes, pop);
      document.documentElement.append(host);
    }

    let hideTimer = 0;
    function hideSoon() {
      clearTimeout(hideTimer);
      hideTimer = setTimeout(hide, 600);
    }

    function hide() {
      clearTimeout(hideTimer);
      if (pop) pop.hidden = true;
      shown = null;
    }

    function el(tag, cls, text) {
      const e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text !== undefined) e.textContent = text;
      return e;
    }

    function show(f, rect) {
      ensure();
      clearTimeout(hideTimer);
      if (shown !== f) {
        shown = f;
        pop.replaceChildren();
        pop.className = `pop sev-${f.severity}`;
        pop.setAttribute("aria-label", `stemcheck: ${f.message}`);
        pop.append(el("p", "head", `${f.severity}: ${f.message}`));
        pop.append(el("p", "claim", `Claimed: \u201c${f.text}\u201d`));
        pop.append(el("p", "caution", `Goes against caution ${f.caution}: ${f.caution_title}.`));
        pop.append(el("p", "why", f.explanation));
        const honest = el("p", "honest");
        honest.append(el("strong", null, "An honest version: "), document.createTextNode(f.suggestion));
        pop.append(honest);
        const links = (f.sources || []).filter((s) => /^https?:\/\//i.test(s.url));
        if (links.length) {
          const list = el("ul", "sources");
          for (const s of links) {
            const a = el("a", null, s.title || s.url);
            a.href = s.url;
            a.target = "_blank";
            a.rel = "noopener noreferrer";
            const li = el("li");
            li.append(a);
            list.append(li);
          }
          pop.append(el("p", "src", "Sources:"), list);
        }
      }
      pop.hidden = false;
      // Below the claim when it fits, else above; in page coordinates (the host sits at 0,0).
      const width = Math.min(380, document.documentElement.clientWidth - 16);
      pop.style.width = `${width}px`;
      const left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8));
      pop.style.left = `${left + window.scrollX}px`;
      const below = rect.bottom + 6;
      const height = pop.offsetHeight;
      const top = below + height > window.innerHeight && rect.top - height - 6 > 0 ? rect.top - height - 6 : below;
      pop.style.top = `${top + window.scrollY}px`;
    }

    function drawBoxes(findings) {
      ensure();
      boxes.replaceChildren();
      for (const f of findings) {
        for (const r of f.ranges) {
          for (const rect of r.getClientRects()) {
            const b = el("div", `box sev-${f.severity}`);
            b.dataset.finding = String(findings.indexOf(f));
            b.style.left = `${rect.left + window.scrollX}px`;
            b.style.top = `${rect.top + window.scrollY}px`;
            b.style.width = `${rect.width}px`;
            b.style.height = `${rect.height}px`;
            boxes.append(b);
          }
        }
      }
    }

    function clearBoxes() {
      if (boxes) boxes.replaceChildren();
    }

    return { show, hide, hideSoon, drawBoxes, clearBoxes, get shown() { return shown; }, owns: (e) => host && e === host };
  })();

  const POPOVER_CSS = `
    .pop { position: absolute; box-sizing: border-box; padding: 10px 12px; border-radius: 6px;
      background: #fff; color: #1a1a1a; border: 1px solid #555; border-left: 6px solid #555;
      box-shadow: 0 4px 16px rgba(0,0,0,.25); font: 14px/1.4 system-ui, sans-serif; text-align: left; }
    .pop[hidden] { display: none; }
    .pop p { margin: 0 0 6px; }
    .pop .head { font-weight: 700; }
    .pop .claim { font-style: italic; }
    .pop ul { margin: 0; padding-left: 18px; }
    .pop a { color: #0b4f9c; }
    .sev-critical { border-left-color: #a4161a; } .sev-high { border-left-color: #c2410c; }
    .sev-medium { border-left-color: #8a6d00; } .sev-low { border-left-color: #3b5b92; }
    .box { position: absolute; pointer-events: none; border-bottom: 2px solid; background: rgba(255, 214, 0, .28); }
    .box.sev-critical { border-color: #a4161a; background: rgba(164, 22, 26, .16); }
    .box.sev-high { border-color: #c2410c; background: rgba(194, 65, 12, .14); }
    .box.sev-medium { border-color: #8a6d00; } .box.sev-low { border-color: #3b5b92; background: rgba(59, 91, 146, .12); }
  `;

  // --- the popover, by pointer and by keyboard ----------------------------------------------

  function findingAt(x, y) {
    for (const f of current) {
      for (const r of f.ranges) {
        for (const rect of r.getClientRects()) {
          if (x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom) return { f, rect };
        }
      }
    }
    return null;
  }

  let pointerFrame = 0;
  document.addEventListener("mousemove", (e) => {
    if (!state.enabled || pointerFrame) return;
    pointerFrame = requestAnimationFrame(() => {
      pointerFrame = 0;
      if (e.composedPath().some((n) => ui.owns(n))) return; // over the popover itself
      const hit = findingAt(e.clientX, e.clientY);
      if (hit) ui.show(hit.f, hit.rect);
      else if (ui.shown) ui.hideSoon();
    });
  }, { passive: true });

  // A focused element (a link, a button) holding a claim shows it too.
  document.addEventListener("focusin", (e) => {
    if (!state.enabled || !(e.target instanceof Element)) return;
    const f = current.find((x) => x.ranges.some((r) => e.target.contains(r.startContainer)));
    if (f) ui.show(f, f.ranges[0].getBoundingClientRect());
  });

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && ui.shown) ui.hide();
  });

  let stepIndex = -1;
  function reveal(index) {
    const f = current[index];
    if (!f) return false;
    stepIndex = index;
    const target = f.ranges[0].startContainer.parentElement;
    target?.scrollIntoView({ block: "center", behavior: "instant" });
    ui.show(f, f.ranges[0].getBoundingClientRect());
    return true;
  }

  // --- changes after loading ---------------------------------------------------------------

  let pending = new Set();
  let timer = 0;
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      pending.add(r.target.nodeType === Node.TEXT_NODE ? r.target.parentElement : r.target);
    }
    if (pending.size && !timer) timer = setTimeout(recheck, DEBOUNCE_MS);
  });

  let tokens = RECHECK_BURST;
  let refilled = performance.now();
  function waitForToken() {
    const now = performance.now();
    const gained = Math.floor((now - refilled) / RECHECK_EVERY_MS);
    if (gained) {
      tokens = Math.min(RECHECK_BURST, tokens + gained);
      refilled += gained * RECHECK_EVERY_MS;
    }
    if (tokens >= 1) {
      tokens--;
      return 0;
    }
    return RECHECK_EVERY_MS - (now - refilled);
  }

  async function recheck() {
    timer = 0;
    if (!state.enabled || !pending.size) return;
    const roots = [...pending].filter((e) => e && e.isConnected);
    pending = new Set();
    // Forget blocks that left the page.
    for (const [id, b] of blocks) if (!b.el.isConnected) forgetBlock(id);
    // Roots inside one another: keep the outer ones.
    const outer = roots.filter((r) => !roots.some((o) => o !== r && o.contains(r)));
    const displays = new Map();
    const touched = new Set(outer.map((r) => blockOf(r, displays)));
    const found = collect([...touched]);
    // Blocks that are now empty or hidden lose their marks.
    const live = new Set(found.map((b) => b.el));
    for (const [id, b] of blocks) if ([...touched].some((t) => t.contains(b.el)) && !live.has(b.el)) forgetBlock(id);
    // Only a change of text costs a re-check (a style or class that changes nothing does not).
    const changed = changedBlocks(found);
    if (changed.length) {
      const wait = waitForToken();
      state.throttled = wait > 0;
      if (wait > 0) {
        // Again when a re-check is allowed; what changes meanwhile goes with these.
        for (const b of changed) pending.add(b.el);
        if (!timer) timer = setTimeout(recheck, wait);
      } else {
        await sendBlocks(changed);
      }
    }
    render();
  }

  function observe() {
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRS });
  }

  window.addEventListener("resize", () => { if (overlay || !supportsHighlights) render(); }, { passive: true });

  // --- the popup asks -----------------------------------------------------------------------

  function snapshot() {
    const findings = current;
    const counts = {};
    for (const f of findings) if (f.warning) counts[f.category] = (counts[f.category] || 0) + 1;
    return {
      enabled: state.enabled,
      checking: state.checking > 0,
      error: state.error,
      throttled: state.throttled,
      verdict: verdict(findings),
      counts,
      findings: findings.map((f, i) => ({ index: i, category: f.category, severity: f.severity, message: f.message,
        text: f.text, caution: f.caution })),
      blocks: blocks.size,
    };
  }

  chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (sender.id !== chrome.runtime.id) return false;
    switch (message?.type) {
      case "state":
        sendResponse(snapshot());
        return false;
      case "reveal":
        sendResponse({ ok: reveal(message.index) });
        return false;
      case "step": {
        const n = current.length;
        if (n) reveal(((stepIndex + (message.forward ? 1 : -1)) % n + n) % n);
        return false;
      }
      case "disable":
        state.enabled = false;
        observer.disconnect();
        clearMarks();
        sendResponse(snapshot());
        return false;
      case "enable":
        if (!state.enabled) {
          state.enabled = true;
          start();
        }
        sendResponse(snapshot());
        return false;
      default:
        return false;
    }
  });

  async function start() {
    const settings = await chrome.storage.local.get({ overlay: false });
    overlay = Boolean(settings.overlay);
    const reply = await send({ type: "info" });
    if (reply.ok) {
      state.policy = reply.data.verdictPolicy;
    } else {
      state.error = reply.error;
    }
    observe();
    await sendBlocks(changedBlocks(collect([document.body])));
    render();
  }

  start();
})();
