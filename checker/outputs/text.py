"""Annotated plain text for the terminal.

Each source gets a header line, then its text paragraph by paragraph with the
claims marked ``⟦like this⟧[1]`` (bold red with ``color=True``) and, under each
paragraph, the details of the findings in it.
"""

from __future__ import annotations

import bisect
import re
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from checker.models import Finding
from checker.outputs._common import fmt_confidence, ordered, plural, short_hash, visible

if TYPE_CHECKING:
    from checker.outputs import Result

WIDTH = 88
LONG_TEXT_LINES = 200
ELLIPSIS = "…"
OPEN, CLOSE = "⟦", "⟧"
INDENT = "      "

_BOLD = "\x1b[1m"
_RED = "\x1b[31m"
_BOLD_RED = "\x1b[1;31m"
_YELLOW = "\x1b[33m"
_BOLD_YELLOW = "\x1b[1;33m"
_RESET = "\x1b[0m"

# One or more blank (whitespace-only) lines between paragraphs.
_PARA_BREAK = re.compile(r"(?:\r\n|\n|\r)(?:[ \t\f\v]*(?:\r\n|\n|\r))+")


def render(results: Sequence[Result], *, color: bool = False) -> str:
    return "\n".join(_render_one(r, color) for r in results)


def _render_one(result: Result, color: bool) -> str:
    report, text = result.report, result.text
    findings = ordered(report)
    numbers = {id(f): i for i, f in enumerate(findings, 1)}
    s = report.summary
    header = (
        f"{visible(result.source)}: {s.verdict} - {plural(s.warnings, 'warning')} in "
        f"{plural(s.sentences, 'sentence')} | rules {report.rule_pack.name} "
        f"{report.rule_pack.version} ({short_hash(report)}) | stemcheck {report.checker_version}"
    )
    out = [_style(header, _BOLD, color), ""]
    if not findings:
        out.append(f"Nothing flagged: no misleading claims found in {plural(s.sentences, 'sentence')}.")
        out.append("")
        return "\n".join(out)
    if not s.warnings:
        out.append(
            "No warnings. The "
            + plural(len(findings), "match", "matches")
            + " marked below are negated, questioned or otherwise not asserted; shown for review."
        )
        out.append("")

    paragraphs = _paragraphs(text, findings)
    long_text = text.count("\n") + 1 > LONG_TEXT_LINES
    skipped = False
    for p_start, p_end, in_para in paragraphs:
        if long_text and not in_para:
            skipped = True
            continue
        if long_text and skipped:
            out.extend([ELLIPSIS, ""])
        skipped = False
        out.extend([_mark(text, p_start, p_end, in_para, numbers, color), ""])
        for f in in_para:  # each block ends with a blank line
            out.extend(_details(f, numbers[id(f)], color))
    if long_text and skipped:
        out.extend([ELLIPSIS, ""])
    return "\n".join(out)


def _paragraphs(text: str, findings: list[Finding]) -> list[tuple[int, int, list[Finding]]]:
    """(start, end, findings) per non-blank paragraph, in order. A finding that
    reaches into a blank-line break joins the paragraphs on both sides."""
    ranges: list[list[int]] = []
    pos = 0
    for m in _PARA_BREAK.finditer(text):
        ranges.append([pos, m.start()])
        pos = m.end()
    ranges.append([pos, len(text)])

    # Break i lies between ranges[i] and ranges[i + 1]: text[gap_start:gap_end].
    gap_starts = [r[1] for r in ranges[:-1]]
    joined = [False] * len(gap_starts)
    for f in findings:
        i = bisect.bisect_left(gap_starts, f.start)  # first gap at or after the start
        if i and f.start < ranges[i][0]:  # starts inside the previous gap
            joined[i - 1] = True
        while i < len(gap_starts) and gap_starts[i] < f.end:
            joined[i] = True
            i += 1
    merged = [ranges[0]]
    for i, r in enumerate(ranges[1:]):
        if joined[i]:
            merged[-1][1] = r[1]
        else:
            merged.append(r)

    starts = [r[0] for r in merged]
    per_para: list[list[Finding]] = [[] for _ in merged]
    for f in findings:
        per_para[max(0, bisect.bisect_right(starts, f.start) - 1)].append(f)
    return [
        (start, end, fs)
        for (start, end), fs in zip(merged, per_para)
        if fs or text[start:end].strip()
    ]


def _mark(text: str, start: int, end: int, findings: list[Finding], numbers: dict[int, int],
          color: bool) -> str:
    # Overlapping findings share one marked span labelled with all their numbers.
    clusters: list[tuple[int, int, list[Finding]]] = []
    for f in findings:
        if clusters and f.start < clusters[-1][1]:
            s, e, fs = clusters[-1]
            clusters[-1] = (s, max(e, f.end), fs + [f])
        else:
            clusters.append((f.start, f.end, [f]))
    parts = []
    pos = start
    for s, e, fs in clusters:
        e = min(e, end)
        parts.append(visible(text[pos:s]))
        label = "[" + ",".join(str(numbers[id(f)]) for f in fs) + "]"
        span = visible(text[s:e])
        if color:
            warn = any(f.warning for f in fs)
            parts.append(_style(span, _BOLD_RED if warn else _BOLD_YELLOW, True))
            parts.append(_style(label, _RED if warn else _YELLOW, True))
        else:
            parts.append(f"{OPEN}{span}{CLOSE}{label}")
        pos = e
    parts.append(visible(text[pos:end]))
    return "".join(parts)


def _details(f: Finding, n: int, color: bool) -> list[str]:
    head = (
        f"  [{n}] {f.severity.value.upper()} · {f.category} · {f.caution} {f.caution_title}"
    )
    if not f.warning:
        head += " (not a warning)"
    head_style = (_BOLD_RED if f.warning else _BOLD_YELLOW) if color else ""
    lines = [_style(head, head_style, color) if color else head]
    lines += _wrap(f"{f.assertion.value}, confidence {fmt_confidence(f.confidence)}", "")
    lines += _wrap(f'"{visible(f.text)}"', "Claimed: ")
    lines += _wrap(f.explanation, "Why: ")
    lines += _wrap(f.suggestion, "Honest version: ")
    if f.sources:
        lines.append(INDENT + "Sources:")
        for src in f.sources:
            lines += textwrap.wrap(
                src.title, WIDTH, initial_indent=INDENT + "  - ", subsequent_indent=INDENT + "    ",
                break_long_words=False, break_on_hyphens=False,
            )
            lines.append(INDENT + "    " + src.url)  # never wrapped, so it stays clickable
    lines.append("")
    return lines


def _wrap(body: str, label: str) -> list[str]:
    return textwrap.wrap(
        body, WIDTH, initial_indent=INDENT + label, subsequent_indent=INDENT + "  ",
        break_long_words=False, break_on_hyphens=False,
    ) or [INDENT + label.rstrip()]


def _style(s: str, code: str, color: bool) -> str:
    return f"{code}{s}{_RESET}" if color and code and s else s
