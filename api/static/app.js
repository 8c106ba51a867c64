// stemcheck web page: sends the pasted text to POST /v1/check and shows the findings.
// Every string from the user or the server goes into the page via textContent, never as HTML.
"use strict";

(function () {
  const EXAMPLE =
    "A New Life Without MS\n" +
    "Our stem cell therapy cures multiple sclerosis. Our regenerative treatment is FDA-approved.\n" +
    "The procedure has no side effects, because it uses natural cells.\n" +
    "Most patients can stop their MS medication within weeks.\n" +
    "Places are limited, so book your consultation today!";

  const SEVERITY_LABEL = { critical: "Critical", high: "High", medium: "Medium", low: "Low" };
  const SEVERITY_RANK = { low: 0, medium: 1, high: 2, critical: 3 };

  const $ = (id) => document.getElementById(id);
  const form = $("check-form");
  const input = $("input");
  const status = $("status");
  const button = $("check-button");

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else node.setAttribute(key, value);
      }
    }
    for (const child of children || []) {
      node.append(child);
    }
    return node;
  }

  function looksLikeHtml(value) {
    const head = value.trimStart().slice(0, 500).toLowerCase();
    return head.startsWith("<") && /<\/(p|div|span|h[1-6]|li|body|html|section|a|b|strong)>/i.test(value);
  }

  function chosenKind(value) {
    const kind = form.querySelector('input[name="kind"]:checked').value;
    if (kind === "auto") return looksLikeHtml(value) ? "html" : "text";
    return kind;
  }

  async function check(event) {
    event.preventDefault();
    const value = input.value;
    if (!value.trim()) {
      status.textContent = "Paste some text first.";
      input.focus();
      return;
    }
    const kind = chosenKind(value);
    const body = { include_text: true, include_all: $("include-all").checked };
    body[kind] = value;

    button.disabled = true;
    status.textContent = "Checking…";
    $("results").hidden = true;
    try {
      const response = await fetch("/v1/check", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      let data = null;
      try {
        data = await response.json();
      } catch (e) {
        data = null;
      }
      if (!response.ok) {
        const message = data && data.error ? data.error.message : "The server answered " + response.status + ".";
        status.textContent = "Could not check this: " + message;
        return;
      }
      render(data, kind);
      status.textContent = "Done: " + verdictSentence(data.summary);
    } catch (e) {
      status.textContent = "Could not reach the server. Check your connection and try again.";
    } finally {
      button.disabled = false;
    }
  }

  function verdictSentence(summary) {
    if (summary.warnings === 0) return "no misleading claims found.";
    const n = summary.warnings;
    return n + " claim" + (n === 1 ? "" : "s") + " to question; overall: " + summary.verdict + ".";
  }

  function render(data, kind) {
    const findings = data.findings.slice().sort((a, b) => a.start_utf16 - b.start_utf16 || a.end_utf16 - b.end_utf16);
    const verdict = $("verdict");
    verdict.textContent = "";
    verdict.className = "verdict verdict-" + data.summary.verdict.replace(/\s+/g, "-");
    verdict.append(
      el("strong", { text: capitalise(data.summary.verdict) + ". " }),
      document.createTextNode(
        data.summary.warnings + " warning" + (data.summary.warnings === 1 ? "" : "s") +
        " in " + data.summary.sentences + " sentence" + (data.summary.sentences === 1 ? "" : "s") +
        (kind === "html" ? " of visible page text." : ".")
      )
    );

    renderHighlighted(data.text || "", findings);
    renderFindings(findings);
    $("results").hidden = false;
    $("results-heading").focus();
  }

  function capitalise(s) {
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  // Offsets: start_utf16/end_utf16 are UTF-16 code units, i.e. JavaScript string indices.
  function renderHighlighted(text, findings) {
    const box = $("highlighted");
    box.textContent = "";
    const points = new Set([0, text.length]);
    for (const f of findings) {
      points.add(f.start_utf16);
      points.add(f.end_utf16);
    }
    const cuts = Array.from(points).sort((a, b) => a - b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const a = cuts[i];
      const b = cuts[i + 1];
      const piece = text.slice(a, b);
      const covering = findings.filter((f) => f.start_utf16 <= a && f.end_utf16 >= b);
      if (covering.length) {
        const worst = covering.reduce((w, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[w.severity] ? f : w));
        const mark = el("mark", {
          className: "sev-" + worst.severity + (covering.every((f) => !f.warning) ? " not-warning" : ""),
          title: covering.map((f) => f.message).join("\n"),
          text: piece,
        });
        box.append(mark);
      } else {
        box.append(document.createTextNode(piece));
      }
      findings.forEach((f, idx) => {
        if (f.end_utf16 === b) {
          box.append(
            el("sup", {}, [el("a", { href: "#finding-" + (idx + 1), "aria-label": "finding " + (idx + 1), text: "[" + (idx + 1) + "]" })])
          );
        }
      });
    }
  }

  function renderFindings(findings) {
    const list = $("findings");
    list.textContent = "";
    if (!findings.length) {
      list.append(el("li", { className: "none", text: "Nothing flagged. That does not prove the offer is sound; see the note at the bottom of this page." }));
      return;
    }
    findings.forEach((f, idx) => {
      const item = el("li", { id: "finding-" + (idx + 1), className: "finding" });
      const heading = el("h4", {}, [
        el("span", { className: "badge sev-" + f.severity, text: SEVERITY_LABEL[f.severity] || f.severity }),
        document.createTextNode(" “" + f.text + "”"),
      ]);
      item.append(heading);
      if (!f.warning) {
        item.append(el("p", { className: "note", text: "Shown for completeness: this sentence " + f.assertion + " the claim, so it is not a warning." }));
      }
      const dl = el("dl");
      const add = (term, nodes) => {
        dl.append(el("dt", { text: term }), el("dd", {}, nodes));
      };
      add("What was claimed", [document.createTextNode(f.message)]);
      add("In the sentence", [el("q", { text: f.sentence })]);
      add("Which caution", [document.createTextNode(f.caution + ": " + f.caution_title)]);
      add("Why it misleads", [document.createTextNode(f.explanation)]);
      const sources = el("ul", { className: "sources" });
      for (const s of f.sources) {
        if (typeof s.url === "string" && s.url.startsWith("https://")) {
          sources.append(el("li", {}, [el("a", { href: s.url, rel: "noopener noreferrer", text: s.title })]));
        } else {
          sources.append(el("li", { text: s.title }));
        }
      }
      add("Sources", [sources]);
      add("An honest way to say it", [el("p", { className: "rewrite", text: f.suggestion })]);
      item.append(dl);
      list.append(item);
    });
  }

  form.addEventListener("submit", check);
  $("example-button").addEventListener("click", () => {
    input.value = EXAMPLE;
    form.querySelector('input[name="kind"][value="text"]').checked = true;
    input.focus();
  });
})();
