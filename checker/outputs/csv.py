"""One row per finding, for spreadsheets.

Cells that a spreadsheet would run as a formula (starting with = + - @, or a
tab or carriage return) get a leading apostrophe: the checked text comes from
clinic web pages and must not execute when a journalist opens the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from checker.outputs._common import ordered, sources_str

if TYPE_CHECKING:
    from checker.outputs import Result

COLUMNS = (
    "source", "category", "caution", "rule_id", "severity", "confidence", "assertion",
    "warning", "start", "end", "start_utf16", "end_utf16", "text", "sentence", "message",
    "suggestion", "sources", "rule_pack_version", "rule_pack_hash", "checker_version",
)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell: str) -> str:
    """Neutralise spreadsheet formula injection (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def render(results: Sequence[Result]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in results:
        pack = r.report.rule_pack
        for f in ordered(r.report):
            row = {
                "source": r.source,
                "category": f.category,
                "caution": f.caution,
                "rule_id": f.rule_id,
                "severity": f.severity.value,
                "confidence": repr(f.confidence),
                "assertion": f.assertion.value,
                "warning": "true" if f.warning else "false",
                "start": str(f.start),
                "end": str(f.end),
                "start_utf16": str(f.start_utf16),
                "end_utf16": str(f.end_utf16),
                "text": f.text,
                "sentence": f.sentence,
                "message": f.message,
                "suggestion": f.suggestion,
                "sources": sources_str(f),
                "rule_pack_version": pack.version,
                "rule_pack_hash": pack.hash,
                "checker_version": r.report.checker_version,
            }
            writer.writerow([defuse(row[c]) for c in COLUMNS])
    return buf.getvalue()
