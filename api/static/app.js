// stemcheck web page: sends the pasted or uploaded text to POST /v1/check and shows, for a
// patient or advocate, what the clinic claims that it should not, and what to ask it.
//
// Safety: every string from the user or the server goes into the page as text
// (textContent, createTextNode, attributes), never as markup. Speed: the text with its
// highlights is built in one pass over the sorted finding boundaries, into one fragment;
// a finding's full explanation is built only when it is opened.
"use strict";

(function () {
  const EXAMPLES = {
    text:
      "A New Life Without MS\n\n" +
      "Our stem cell therapy cures multiple sclerosis. Our regenerative treatment is FDA-approved.\n" +
      "The procedure has no side effects, because it uses natural cells.\n" +
      "Most patients can stop their MS medication within weeks.\n" +
      "Places are limited, so book your consultation today!",
    html:
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>Example clinic</title></head>\n<body>\n" +
      "<nav><a href=\"/\">Home</a> <a href=\"/book\">Book now</a></nav>\n" +
      "<h1>Regenerate. Restore. Renew.</h1>\n" +
      "<p>Our <b>stem cell</b> therapy <strong>reverses</strong> Parkinson&rsquo;s disease and MS.</p>\n" +
      "<p>It is <span>FDA</span>-approved and completely safe, with no risk of rejection.</p>\n" +
      "<ul>\n  <li>Open to patients with any type of MS</li>\n  <li>Proven results: 87% of patients improve</li>\n</ul>\n" +
      "<p>Don&#39;t wait &mdash; places are filling fast!</p>\n" +
      "<p>Stem cells are not a cure and results vary.</p>\n</body>\n</html>",
  };

  const SEVERITY = {
    critical: { rank: 3, label: "Serious", icon: "‼" },
    high: { rank: 2, label: "Important", icon: "!" },
    medium: { rank: 1, label: "Worth questioning", icon: "?" },
    low: { rank: 0, label: "Minor", icon: "·" },
  };
  const ASSERTION_WORDS = {
    asserted: "makes the claim",
    negated: "denies the claim",
    hypothetical: "puts the claim as a possibility",
    questioned: "asks about the claim",
    reported: "reports someone else's claim",
    investigational: "describes research, not a proven result",
  };
  const MAX_TOGETHER = 10; // findings listed for one highlighted piece (they rarely overlap)
  const GROUP_GAP = 40; // the same rule this close again is shown as one item in the list

  const $ = (id) => document.getElementById(id);
  const form = $("check-form");
  const input = $("input");
  const fileInput = $("file");
  const statusLine = $("status");
  const button = $("check-button");
  const kindNote = $("kind-note");
  const popover = $("popover");

  let categories = {}; // name -> {title, plain, questions, caution}
  let current = null; // {data, findings, kind, checkedAt}
  let popoverOwner = null;

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const key of Object.keys(props)) {
        const value = props[key];
        if (value === undefined || value === null) continue;
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else node.setAttribute(key, value);
      }
    }
    if (children) for (const child of children) node.append(child);
    return node;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many || one + "s");
  }

  // --- what was pasted ---------------------------------------------------------------

  const HTML_TAG = /<\/?(?:p|div|span|h[1-6]|li|ul|ol|body|html|head|section|article|main|header|footer|nav|a|b|i|em|strong|br|img|table|tr|td|th|script|style|meta|link|title|form|button|label|figure)\b[^<>]*>/gi;

  function looksLikeHtml(value) {
    const head = value.slice(0, 4096).trimStart().toLowerCase();
    if (/^(<!doctype html|<html[\s>]|<\?xml|<!--)/.test(head)) return true;
    // Two tags or more: one "<p>" mentioned in prose does not make a page.
    const sample = value.length > 200000 ? value.slice(0, 200000) : value;
    let count = 0;
    HTML_TAG.lastIndex = 0;
    while (HTML_TAG.exec(sample) !== null) {
      count += 1;
      if (count >= 2) return true;
    }
    return false;
  }

  function chosenKind() {
    return form.querySelector('input[name="kind"]:checked').value;
  }

  function setKind(kind) {
    form.querySelector('input[name="kind"][value="' + kind + '"]').checked = true;
    describeKind();
  }

  function effectiveKind(value) {
    const kind = chosenKind();
    if (kind === "auto") return looksLikeHtml(value) ? "html" : "text";
    return kind;
  }

  function describeKind() {
    const value = input.value;
    if (!value.trim()) {
      kindNote.textContent = "";
      return;
    }
    const kind = chosenKind();
    if (kind === "auto") {
      kindNote.textContent = looksLikeHtml(value)
        ? "This looks like a web page's HTML: only the text a visitor would see will be checked."
        : "This looks like plain text: it will be checked as it is.";
    } else {
      kindNote.textContent = kind === "html" ? "Will be checked as HTML, as you chose." : "Will be checked as plain text, as you chose.";
    }
  }

  async function loadFile() {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    const name = file.name.toLowerCase();
    if (!/\.(txt|text|md|html?|xhtml)$/.test(name) && !/^text\//.test(file.type)) {
      statusLine.textContent = "Could not read " + file.name + ": choose a saved web page (.html, .htm) or a text file (.txt).";
      return;
    }
    try {
      input.value = await file.text();
    } catch (e) {
      statusLine.textContent = "Could not read " + file.name + ".";
      return;
    }
    setKind(/\.(html?|xhtml)$/.test(name) ? "html" : "auto");
    statusLine.textContent = "Loaded " + file.name + " (" + plural(input.value.length, "character") + "). Press Check.";
  }

  // --- checking -------------------------------------------------------------------------

  async function loadCategories() {
    try {
      const response = await fetch("/v1/rules");
      if (!response.ok) return;
      const data = await response.json();
      for (const c of data.categories) categories[c.name] = c;
    } catch (e) {
      // The page still works: findings carry their caution's title.
    }
  }
  const categoriesReady = loadCategories();

  async function check(event) {
    event.preventDefault();
    const value = input.value;
    if (!value.trim()) {
      statusLine.textContent = "Paste some text, or choose a file, first.";
      input.focus();
      return;
    }
    const kind = effectiveKind(value);
    const body = { include_text: true, include_all: $("include-all").checked };
    body[kind] = value;

    button.disabled = true;
    statusLine.textContent = "Checking…";
    $("results").hidden = true;
    closePopover(false);
    try {
      const response = await fetch("/v1/check", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const tResponse = performance.now();
      let data = null;
      try {
        data = await response.json();
      } catch (e) {
        data = null;
      }
      if (!response.ok) {
        const message = data && data.error ? data.error.message : "the server answered " + response.status + ".";
        statusLine.textContent = "Could not check this: " + message;
        return;
      }
      await categoriesReady;
      const t0 = performance.now();
      render(data, kind);
      document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
      document.body.dataset.findings = String(data.findings.length);
      statusLine.textContent = "Done. " + verdictSentence(data.summary);
      // From the response's arrival (reading its JSON included) to the first frame painted
      // with the result; read by benchmarks/browser.py.
      requestAnimationFrame(() =>
        requestAnimationFrame(() => (document.body.dataset.paintMs = (performance.now() - tResponse).toFixed(1)))
      );
    } catch (e) {
      statusLine.textContent = "Could not reach the server. Check your connection and try again.";
    } finally {
      button.disabled = false;
    }
  }

  // --- the result -----------------------------------------------------------------------

  function categoryPlain(f) {
    const c = categories[f.category];
    return c ? c.plain : f.caution_title;
  }

  function verdictSentence(summary) {
    const n = summary.warnings;
    if (n === 0) return "We found no claims that go against medical evidence. That does not prove the offer is sound.";
    const where = plural(n, "place");
    if (summary.verdict === "seriously misleading")
      return "This text is seriously misleading: it makes claims that go against medical evidence in " + where + ".";
    if (summary.verdict === "misleading") return "This text is misleading: it makes claims that go against medical evidence in " + where + ".";
    return "Be careful with this text: it has wording to question in " + where + ".";
  }

  function render(data, kind) {
    const findings = data.findings
      .map((f, i) => Object.assign({}, f, { index: i }))
      .sort((a, b) => a.start_utf16 - b.start_utf16 || b.end_utf16 - a.end_utf16 || a.index - b.index);
    findings.forEach((f, i) => (f.n = i + 1));
    current = { data: data, findings: findings, kind: kind, checkedAt: new Date() };

    const verdict = $("verdict");
    verdict.className = "verdict verdict-" + data.summary.verdict.replace(/\s+/g, "-");
    verdict.textContent = verdictSentence(data.summary);

    renderMeta(data, kind);
    renderSummary(findings);
    renderQuestions(findings);
    renderHighlighted(data.text || "", findings);
    renderFindings(findings);
    $("results").hidden = false;
    $("results-heading").focus();
  }

  function renderMeta(data, kind) {
    const pack = data.rule_pack;
    $("report-meta").textContent =
      "Checked on " + current.checkedAt.toISOString().slice(0, 16).replace("T", " ") + " UTC" +
      " (" + (kind === "html" ? "visible text of an HTML page" : "plain text") + ", " + plural(data.summary.sentences, "sentence") + ")" +
      " by stemcheck " + data.checker_version + ", rule pack " + pack.name + " " + pack.version +
      " (sha256 " + pack.hash.slice(0, 16) + "…).";
  }

  function byCategory(findings) {
    const groups = new Map();
    for (const f of findings) {
      if (!f.warning) continue;
      if (!groups.has(f.category)) groups.set(f.category, []);
      groups.get(f.category).push(f);
    }
    return groups;
  }

  function renderSummary(findings) {
    const list = $("summary");
    list.textContent = "";
    const groups = byCategory(findings);
    $("summary-section").hidden = groups.size === 0;
    const frag = document.createDocumentFragment();
    for (const [name, items] of groups) {
      const worst = items.reduce((w, f) => (SEVERITY[f.severity].rank > SEVERITY[w.severity].rank ? f : w));
      frag.append(
        el("li", { "data-category": name }, [
          badge(worst.severity),
          document.createTextNode(" "),
          el("a", { href: "#finding-" + items[0].n, text: categoryPlain(items[0]) }),
          document.createTextNode(": " + plural(items.length, "place")),
        ])
      );
    }
    list.append(frag);
  }

  function renderQuestions(findings) {
    const box = $("questions");
    box.textContent = "";
    const groups = byCategory(findings);
    const frag = document.createDocumentFragment();
    for (const name of groups.keys()) {
      const c = categories[name];
      if (!c || !c.questions || !c.questions.length) continue;
      frag.append(
        el("h4", { "data-category": name, text: "Because it " + lowerFirst(c.plain) }),
        el("ul", {}, c.questions.map((q) => el("li", { text: q })))
      );
    }
    $("questions-section").hidden = !frag.childNodes.length;
    box.append(frag);
  }

  function lowerFirst(s) {
    return s.charAt(0).toLowerCase() + s.slice(1);
  }

  function badge(severity) {
    const s = SEVERITY[severity] || SEVERITY.low;
    return el("span", { className: "badge sev-" + severity }, [
      el("span", { className: "icon", "aria-hidden": "true", text: s.icon }),
      document.createTextNode(" " + s.label),
    ]);
  }

  // Offsets: start_utf16/end_utf16 are UTF-16 code units, i.e. JavaScript string indices.
  // One sweep over the sorted start and end points: O((n + k) log k) for k findings. The
  // text goes into blocks of a few thousand characters, cut at line breaks, which the
  // browser lays out only when they scroll into view (content-visibility in the CSS).
  function renderHighlighted(text, findings) {
    const box = $("highlighted");
    box.textContent = "";
    const points = [];
    findings.forEach((f, i) => {
      points.push(f.start_utf16 * 2 + 1, i); // ends (even keys) sort before starts at a position
      points.push(f.end_utf16 * 2, i);
    });
    const order = [];
    for (let i = 0; i < points.length; i += 2) order.push(i);
    order.sort((a, b) => points[a] - points[b]);
    const cuts = blockCuts(text);

    const frag = document.createDocumentFragment();
    let block = el("div", { className: "block" });
    frag.append(block);
    let nextCut = 0;
    const active = new Set();
    let pos = 0;
    const emit = (to) => {
      const piece = text.slice(pos, to);
      block.append(active.size ? markFor(piece, active, findings) : document.createTextNode(piece));
      pos = to;
    };
    const flush = (to) => {
      while (nextCut < cuts.length && cuts[nextCut] <= to) {
        if (cuts[nextCut] > pos) emit(cuts[nextCut]);
        block = el("div", { className: "block" });
        frag.append(block);
        nextCut++;
      }
      if (to > pos) emit(to);
    };
    for (const k of order) {
      const key = points[k];
      const i = points[k + 1];
      flush(key >> 1);
      if (key & 1) active.add(i);
      else active.delete(i);
    }
    flush(text.length);
    box.append(frag);
  }

  const BLOCK_CHARS = 3000;

  // Where the text is cut into blocks: just after a line break, every few thousand characters.
  function blockCuts(text) {
    const cuts = [];
    let from = BLOCK_CHARS;
    while (from < text.length) {
      const nl = text.indexOf("\n", from);
      if (nl < 0 || nl + 1 >= text.length) break;
      cuts.push(nl + 1);
      from = nl + 1 + BLOCK_CHARS;
    }
    return cuts;
  }

  function markFor(piece, active, findings) {
    let worst = null;
    let anyWarning = false;
    const ids = [];
    for (const i of active) {
      const f = findings[i];
      if (f.warning) anyWarning = true;
      if (worst === null || SEVERITY[f.severity].rank > SEVERITY[worst.severity].rank) worst = f;
      if (ids.length < MAX_TOGETHER) ids.push(i);
    }
    const s = SEVERITY[worst.severity];
    return el("mark", {
      className: "sev-" + worst.severity + (anyWarning ? "" : " not-warning"),
      tabindex: "0",
      role: "button",
      "aria-haspopup": "dialog",
      "aria-label": s.label + ": " + categoryPlain(worst) + ". “" + piece + "”",
      "data-findings": ids.join(" "),
      "data-icon": s.icon,
      text: piece,
    });
  }

  // The list: one item per finding, except that the same rule again within a few
  // characters (a run of slogans) is one item with several places.
  function groupForList(findings) {
    const items = [];
    let last = null;
    for (const f of findings) {
      if (last && last.rule_id === f.rule_id && f.start_utf16 - last.end <= GROUP_GAP && last.warning === f.warning) {
        last.members.push(f);
        last.end = Math.max(last.end, f.end_utf16);
        continue;
      }
      last = { rule_id: f.rule_id, warning: f.warning, end: f.end_utf16, members: [f] };
      items.push(last);
    }
    return items;
  }

  function renderFindings(findings) {
    const list = $("findings");
    list.textContent = "";
    delete list.dataset.filled;
    if (!findings.length) {
      list.append(el("li", { className: "none", text: "Nothing flagged. That does not prove the offer is sound; see the note at the bottom of this page." }));
      return;
    }
    const frag = document.createDocumentFragment();
    for (const item of groupForList(findings)) {
      const f = item.members[0];
      const details = el("details", { className: "finding", "data-category": f.category, "data-n": String(f.n) });
      const quotes = item.members.map((m) => "“" + m.text + "”").join(" ");
      details.append(
        el("summary", {}, [
          badge(f.severity),
          document.createTextNode(" " + quotes + " "),
          el("span", { className: "what", text: "— " + categoryPlain(f) + (item.members.length > 1 ? " (" + item.members.length + " places)" : "") }),
        ])
      );
      details.addEventListener("toggle", () => fillDetails(details, f));
      const li = el("li", {}, [details]);
      for (const m of item.members) {
        li.append(el("span", { id: "finding-" + m.n, className: "anchor" }));
      }
      frag.append(li);
    }
    list.append(frag);
    fillWhenIdle(list);
  }

  function fillDetails(details, f) {
    if (details.dataset.filled) return;
    details.dataset.filled = "1";
    details.append(explanation(f, true));
  }

  // Explanations are built when a finding is opened; the rest are built in small batches
  // while the browser is idle, so that printing, find-in-page and "open all" have them,
  // without delaying the first view of a long report.
  const idle = window.requestIdleCallback || ((fn) => setTimeout(() => fn({ timeRemaining: () => 8 }), 1));
  let fillRun = 0;
  function fillWhenIdle(list) {
    const run = ++fillRun;
    const all = Array.from(list.querySelectorAll("details.finding"));
    let next = 0;
    const step = (deadline) => {
      if (run !== fillRun) return; // a newer result replaced this one
      while (next < all.length && deadline.timeRemaining() > 1) {
        const d = all[next++];
        fillDetails(d, current.findings[Number(d.dataset.n) - 1]);
      }
      if (next < all.length) idle(step);
      else list.dataset.filled = "1";
    };
    idle(step);
  }

  function sourcesList(f) {
    const ul = el("ul", { className: "sources" });
    for (const s of f.sources) {
      if (typeof s.url === "string" && s.url.startsWith("https://")) {
        ul.append(el("li", {}, [el("a", { href: s.url, rel: "noopener noreferrer", target: "_blank", text: s.title })]));
      } else {
        ul.append(el("li", { text: s.title }));
      }
    }
    return ul;
  }

  // What a person needs about one finding; technical detail behind a disclosure.
  function explanation(f, inList) {
    const box = el("div", { className: "explanation" });
    if (!f.warning) {
      box.append(el("p", { className: "note", text: "Shown for completeness: this sentence " + (ASSERTION_WORDS[f.assertion] || f.assertion) + ", so it is not a warning." }));
    }
    const dl = el("dl");
    const add = (term, nodes) => dl.append(el("dt", { text: term }), el("dd", {}, nodes));
    add("What the text says", [el("q", { text: f.sentence })]);
    add("The problem", [document.createTextNode(f.message)]);
    add("What medicine knows", [document.createTextNode((categories[f.category] ? categories[f.category].title : f.caution_title) + ". " + f.explanation)]);
    add("Sources", [sourcesList(f)]);
    add("An honest way to say it", [el("p", { className: "rewrite", text: f.suggestion })]);
    box.append(dl);
    const tech = el("details", { className: "tech" }, [el("summary", { text: "Details" })]);
    tech.append(
      el("ul", {}, [
        el("li", { text: "Rule: " + f.rule_id }),
        el("li", { text: "Caution: " + f.caution + " (" + f.caution_title + ")" }),
        el("li", { text: "Severity: " + f.severity + "; confidence " + f.confidence.toFixed(2) }),
        el("li", { text: "The sentence " + (ASSERTION_WORDS[f.assertion] || f.assertion) + " (" + f.assertion + ")" }),
        el("li", { text: "Characters " + f.start + "–" + f.end + " of the checked text" }),
      ])
    );
    box.append(tech);
    const link = inList
      ? el("a", { href: "#", className: "to-text", "data-n": String(f.n), text: "Show in the text" })
      : el("a", { href: "#finding-" + f.n, className: "to-list", text: "Show in the list of findings" });
    box.append(el("p", {}, [link]));
    return box;
  }

  // --- the popover for a highlight --------------------------------------------------------

  function openPopover(mark) {
    if (!current) return;
    const ids = (mark.dataset.findings || "").split(" ").filter(Boolean).map(Number);
    if (!ids.length) return;
    const body = $("popover-body");
    body.textContent = "";
    const title = $("popover-title");
    title.textContent = ids.length === 1 ? categoryPlain(current.findings[ids[0]]) : plural(ids.length, "finding") + " here";
    for (const i of ids) {
      const f = current.findings[i];
      const section = el("section", { className: "pop-finding" }, [el("h3", {}, [badge(f.severity), document.createTextNode(" " + categoryPlain(f))])]);
      section.append(explanation(f, false));
      body.append(section);
    }
    popoverOwner = mark;
    mark.setAttribute("aria-expanded", "true");
    popover.hidden = false;
    placePopover(mark);
    $("popover-close").focus();
  }

  function placePopover(mark) {
    if (window.matchMedia("(max-width: 40rem)").matches) {
      popover.style.top = "";
      popover.style.left = "";
      return; // a sheet at the bottom of the screen (CSS)
    }
    const r = mark.getBoundingClientRect();
    const width = Math.min(popover.offsetWidth || 420, window.innerWidth - 16);
    const left = Math.max(8, Math.min(r.left + window.scrollX, window.scrollX + window.innerWidth - width - 8));
    popover.style.left = left + "px";
    popover.style.top = r.bottom + window.scrollY + 6 + "px";
  }

  function closePopover(returnFocus) {
    if (popover.hidden) return;
    popover.hidden = true;
    if (popoverOwner) {
      popoverOwner.setAttribute("aria-expanded", "false");
      if (returnFocus) popoverOwner.focus();
    }
    popoverOwner = null;
  }

  function markFromEvent(event) {
    const t = event.target;
    return t && t.closest ? t.closest("#highlighted mark") : null;
  }

  function showInText(n) {
    const marks = $("highlighted").querySelectorAll("mark");
    const i = n - 1;
    for (const m of marks) {
      if ((m.dataset.findings || "").split(" ").includes(String(i))) {
        m.scrollIntoView({ block: "center" });
        m.focus();
        return;
      }
    }
  }

  // Open the list item of "#finding-N", move focus to it; false if there is none.
  function openInList(href) {
    const anchor = href && href.startsWith("#finding-") ? $(href.slice(1)) : null;
    if (!anchor) return false;
    const details = anchor.parentElement.querySelector("details");
    details.open = true;
    details.querySelector("summary").focus();
    details.scrollIntoView({ block: "start" });
    return true;
  }

  // --- export -----------------------------------------------------------------------------

  function markdownReport() {
    const { data, findings, kind, checkedAt } = current;
    const lines = [];
    lines.push("# stemcheck report", "");
    lines.push(verdictSentence(data.summary), "");
    lines.push(
      "Checked " + checkedAt.toISOString() + " (" + (kind === "html" ? "HTML page" : "plain text") + ") with stemcheck " +
        data.checker_version + ", rule pack " + data.rule_pack.name + " " + data.rule_pack.version + " (sha256 " + data.rule_pack.hash + ").",
      ""
    );
    const groups = byCategory(findings);
    if (groups.size) {
      lines.push("## Summary", "");
      for (const items of groups.values()) lines.push("- " + categoryPlain(items[0]) + ": " + plural(items.length, "place"));
      lines.push("", "## Questions to ask the clinic", "");
      for (const name of groups.keys()) {
        const c = categories[name];
        if (c) for (const q of c.questions) lines.push("- " + q);
      }
      lines.push("");
    }
    lines.push("## Findings", "");
    if (!findings.length) lines.push("None.");
    for (const f of findings) {
      lines.push("### " + f.n + ". " + SEVERITY[f.severity].label + ": “" + mdText(f.text) + "”", "");
      if (!f.warning) lines.push("*Not a warning: the sentence " + (ASSERTION_WORDS[f.assertion] || f.assertion) + ".*", "");
      lines.push("- **What the text says:** " + mdText(f.sentence));
      lines.push("- **The problem:** " + mdText(f.message));
      lines.push("- **What medicine knows:** " + mdText(f.caution_title + ". " + f.explanation));
      lines.push("- **An honest way to say it:** " + mdText(f.suggestion));
      lines.push("- **Sources:** " + f.sources.map((s) => (s.url ? "[" + mdText(s.title) + "](" + s.url + ")" : mdText(s.title))).join("; "));
      lines.push("- **Details:** rule `" + f.rule_id + "`, caution " + f.caution + ", severity " + f.severity + ", confidence " + f.confidence.toFixed(2) + ", " + f.assertion + ", characters " + f.start + "–" + f.end, "");
    }
    return lines.join("\n");
  }

  function mdText(s) {
    // Keep pasted text from turning into Markdown markup or links.
    return String(s).replace(/\s+/g, " ").replace(/([\\`*_{}[\]<>#|!])/g, "\\$1");
  }

  function download(name, content, type) {
    const url = URL.createObjectURL(new Blob([content], { type: type }));
    const a = el("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function stamp() {
    return current.checkedAt.toISOString().slice(0, 19).replace(/[:T]/g, "-");
  }

  async function copyMarkdown() {
    const md = markdownReport();
    try {
      await navigator.clipboard.writeText(md);
      $("export-status").textContent = "The report is copied as Markdown.";
    } catch (e) {
      const area = $("export-text");
      area.hidden = false;
      area.value = md;
      area.select();
      $("export-status").textContent = "Copying is not allowed here: the report is selected below, copy it with Ctrl+C.";
    }
  }

  // Printing: open every finding (and fill it) so the printed report is complete.
  function beforePrint() {
    if (!current) return;
    for (const d of $("findings").querySelectorAll("details.finding")) {
      fillDetails(d, current.findings[Number(d.dataset.n) - 1]);
      d.dataset.wasOpen = d.open ? "1" : "";
      d.open = true;
    }
  }
  function afterPrint() {
    for (const d of $("findings").querySelectorAll("details.finding")) d.open = d.dataset.wasOpen === "1";
  }

  // --- wiring -----------------------------------------------------------------------------

  form.addEventListener("submit", check);
  input.addEventListener("input", describeKind);
  // A new paste is judged afresh: an earlier choice of kind was for another text.
  input.addEventListener("paste", () => setTimeout(() => setKind("auto"), 0));
  for (const radio of form.querySelectorAll('input[name="kind"]')) radio.addEventListener("change", describeKind);
  fileInput.addEventListener("change", loadFile);
  for (const b of document.querySelectorAll("[data-example]")) {
    b.addEventListener("click", () => {
      input.value = EXAMPLES[b.dataset.example];
      setKind("auto");
      input.focus();
    });
  }

  const box = $("highlighted");
  box.addEventListener("click", (event) => {
    const mark = markFromEvent(event);
    if (mark) openPopover(mark);
  });
  box.addEventListener("keydown", (event) => {
    const mark = markFromEvent(event);
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      openPopover(mark);
    }
  });
  $("popover-close").addEventListener("click", () => closePopover(true));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePopover(true);
  });
  document.addEventListener("click", (event) => {
    if (!popover.hidden && !popover.contains(event.target) && !markFromEvent(event)) closePopover(false);
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest ? event.target.closest("a.to-text, a.to-list") : null;
    if (!link) return;
    if (link.classList.contains("to-text")) {
      event.preventDefault();
      showInText(Number(link.dataset.n));
    } else {
      closePopover(false);
      if (openInList(link.getAttribute("href"))) event.preventDefault();
    }
  });
  $("summary").addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (link && openInList(link.getAttribute("href"))) event.preventDefault();
  });

  $("copy-md").addEventListener("click", copyMarkdown);
  $("download-md").addEventListener("click", () => download("stemcheck-report-" + stamp() + ".md", markdownReport(), "text/markdown"));
  $("download-json").addEventListener("click", () =>
    download("stemcheck-report-" + stamp() + ".json", JSON.stringify(current.data, null, 2), "application/json")
  );
  $("print").addEventListener("click", () => window.print());
  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);
  describeKind();
})();
