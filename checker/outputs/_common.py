"""Helpers shared by the output formats."""

from __future__ import annotations

import re

from checker.models import Finding, Report

SHORT_HASH = 12


def ordered(report: Report) -> list[Finding]:
    """The report's findings in reading order, ties broken stably."""
    return sorted(report.findings, key=lambda f: (f.start, f.end, f.category, f.rule_id))


def short_hash(report: Report) -> str:
    return report.rule_pack.hash[:SHORT_HASH]


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def sources_str(finding: Finding) -> str:
    return "; ".join(f"{s.title} <{s.url}>" for s in finding.sources)


def fmt_confidence(value: float) -> str:
    return f"{value:.2f}"


# C0/C1 controls other than tab, newline and carriage return: printing them
# raw lets a web page drive the reader's terminal (ANSI escapes and the like).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def visible(s: str) -> str:
    """Replace terminal control characters with a visible escape."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", s)
