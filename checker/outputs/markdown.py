"""A readable Markdown report (CommonMark/GFM) for publishing or review.

Everything quoted from the checked text is escaped, so clinic copy cannot
inject links, images, HTML, tables or headings into the report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from checker.models import Finding
from checker.outputs._common import fmt_confidence, ordered, plural, short_hash

if TYPE_CHECKING:
    from checker.outputs import Result

# Inline-significant characters, escaped everywhere ($ for GitHub math).
_INLINE_RE = re.compile(r"([\\`*_\[\]<>|~&$])")
# Characters that start a block construct when at the start of a line.
_LINE_START_RE = re.compile(r"^([#+=>-]|\d+(?=[.)]))")
_NEWLINES_RE = re.compile(r"\s*(?:\r\n|\n|\r|\u2028|\u2029|\x85)\s*")


def escape(s: str, *, line_start: bool = False) -> str:
    """Escape text so Markdown shows it literally, on a single line.

    ``line_start``: the text begins a line, where "#", "-", "1." and the like
    would start a heading, list or quote.
    """
    s = _NEWLINES_RE.sub(" ", s)
    s = _INLINE_RE.sub(r"\\\1", s)
    if line_start:
        m = _LINE_START_RE.match(s)
        if m:  # "# x" -> "\# x" ; "1. x" -> "1\. x"
            tok = m.group(1)
            s = tok + "\\" + s[len(tok):] if tok[0].isdigit() else "\\" + s
    return s


def _heading(s: str) -> str:
    s = escape(s)
    return s[:-1] + "\\#" if s.endswith("#") else s  # a closing "#" run would vanish


def _url(url: str) -> str:
    return url.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def render(results: Sequence[Result]) -> str:
    out = ["# stemcheck report", ""]
    for r in results:
        out.extend(_render_one(r))
    return "\n".join(out).rstrip("\n") + "\n"


def _caution_key(caution: str) -> tuple[int, str]:
    digits = "".join(ch for ch in caution if ch.isdigit())
    return (int(digits) if digits else 10**6, caution)


def _render_one(result: Result) -> list[str]:
    report, text = result.report, result.text
    s, pack = report.summary, report.rule_pack
    findings = ordered(report)
    warnings = [f for f in findings if f.warning]
    others = [f for f in findings if not f.warning]
    out = [
        f"## {_heading(result.source)}",
        "",
        f"**Verdict: {s.verdict}**: {plural(s.warnings, 'warning')} in "
        f"{plural(s.sentences, 'sentence')}. Rule pack {escape(pack.name)} {escape(pack.version)} "
        f"(`{short_hash(report)}`), stemcheck {escape(report.checker_version)}.",
        "",
    ]
    if not warnings:
        out += ["No misleading claims found.", ""]
    else:
        meta: dict[str, tuple[str, str]] = {}
        counts: dict[str, int] = {}
        for f in warnings:
            meta.setdefault(f.category, (f.caution, f.caution_title))
            counts[f.category] = counts.get(f.category, 0) + 1
        out += ["| Category | Warnings |", "| --- | ---: |"]
        for cat in sorted(counts, key=lambda c: (_caution_key(meta[c][0]), c)):
            caution, title = meta[cat]
            out.append(f"| {escape(caution)} {escape(title)} (`{cat}`) | {counts[cat]} |")
        out += [f"| **Total** | **{len(warnings)}** |", ""]
        for n, f in enumerate(warnings, 1):
            out += _section(n, f, text)
    if others:
        out += [
            "### Not counted as warnings",
            "",
            "These matches are negated, questioned, attributed or too uncertain to count; "
            "listed for review.",
            "",
        ]
        for n, f in enumerate(others, len(warnings) + 1):
            out += _section(n, f, text, level="####")
    return out


def _quote(f: Finding, text: str) -> str:
    """The sentence with the claim in bold, from the original text."""
    if f.sentence_start <= f.start <= f.end <= f.sentence_end <= len(text):
        pre, claim, post = (
            text[f.sentence_start:f.start], text[f.start:f.end], text[f.end:f.sentence_end]
        )
    else:  # offsets that do not nest: show the sentence, then the claim
        pre, claim, post = f.sentence + " ", f.text, ""
    # Emphasis delimiters must touch the claim, so move edge spaces outside.
    core = claim.strip()
    if core:
        lead = claim[: len(claim) - len(claim.lstrip())]
        trail = claim[len(claim.rstrip()):]
        pre, post = pre + lead, trail + post
        claim = f"**{escape(core)}**"
    else:
        claim = escape(claim)
    if pre:
        return f"> {escape(pre, line_start=True)}{claim}{escape(post)}".rstrip()
    return f"> {claim}{escape(post)}".rstrip()


def _section(n: int, f: Finding, text: str, level: str = "###") -> list[str]:
    out = [
        f"{level} {n}. {f.severity.value.capitalize()}: {escape(f.caution)} {_heading(f.caution_title)}",
        "",
        _quote(f, text),
        "",
        f"- **Severity:** {f.severity.value}",
        f"- **Category:** `{f.category}` ({escape(f.caution)}: {escape(f.caution_title)}), "
        f"rule `{f.rule_id}`",
        f"- **Assertion:** {f.assertion.value}, confidence {fmt_confidence(f.confidence)}",
        f'- **Claimed:** "{escape(f.text)}"',
        f"- **Why:** {escape(f.explanation)}",
        f"- **Honest version:** {escape(f.suggestion)}",
    ]
    if f.sources:
        out.append("- **Sources:**")
        out += [f"  - [{escape(src.title)}](<{_url(src.url)}>)" for src in f.sources]
    out.append("")
    return out
