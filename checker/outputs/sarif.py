"""SARIF 2.1.0, for code-scanning style viewers (VS Code SARIF viewer, GitHub).

One run; columns and character offsets count Unicode code points
(``columnKind: unicodeCodePoints``), like the findings' ``start``/``end``.
Findings that are not warnings (``include_all``) become ``kind: informational``
results with ``level: none``.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from checker import __version__
from checker.models import Finding, Severity
from checker.outputs._common import ordered

if TYPE_CHECKING:
    from checker.outputs import Result

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"

LEVELS = {
    Severity.critical: "error",
    Severity.high: "error",
    Severity.medium: "warning",
    Severity.low: "note",
}

# SARIF line terminators: CR, LF or CR LF.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def level(f: Finding) -> str:
    return LEVELS[f.severity] if f.warning else "none"


def render(results: Sequence[Result]) -> str:
    return json.dumps(document(results), indent=2, ensure_ascii=False) + "\n"


def document(results: Sequence[Result]) -> dict[str, Any]:
    """The SARIF log as a dict (audits add their own run properties before writing it)."""
    entries = [(r, f) for r in results for f in ordered(r.report)]
    by_id: dict[str, Finding] = {}
    for _, f in entries:
        by_id.setdefault(f.rule_id, f)
    rule_ids = sorted(by_id)
    index = {rid: i for i, rid in enumerate(rule_ids)}

    line_tables: dict[int, list[int]] = {}
    sarif_results = []
    for r, f in entries:
        starts = line_tables.get(id(r))
        if starts is None:
            starts = line_tables[id(r)] = _line_starts(r.text)
        sarif_results.append(_result(r, f, index[f.rule_id], starts))

    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "stemcheck",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(by_id[rid]) for rid in rule_ids],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
    }
    if results:
        pack = results[0].report.rule_pack
        run["properties"] = {
            "rulePack": {"name": pack.name, "version": pack.version, "hash": pack.hash}
        }
    return {"$schema": SCHEMA, "version": VERSION, "runs": [run]}


def _rule_name(rule_id: str) -> str:
    return "".join(w.capitalize() for w in re.split(r"[^0-9A-Za-z]+", rule_id) if w)


def _rule(f: Finding) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": f.rule_id,
        "name": _rule_name(f.rule_id),
        "shortDescription": {"text": f.message},
        "fullDescription": {"text": f.explanation},
    }
    if f.sources:
        rule["helpUri"] = f.sources[0].url
    rule["help"] = {
        "text": f"{f.explanation}\nHonest version: {f.suggestion}\nSources:\n"
        + "\n".join(f"- {s.title} <{s.url}>" for s in f.sources)
    }
    rule["defaultConfiguration"] = {"level": LEVELS[f.severity]}
    rule["properties"] = {
        "category": f.category,
        "caution": f.caution,
        "severity": f.severity.value,
        "tags": [f.category, f.caution],
    }
    return rule


def _region(line_starts: list[int], start: int, end: int, text: str) -> dict[str, Any]:
    """A SARIF region: code-point offset and length, 1-based lines and columns."""
    start_line, start_col = _line_col(line_starts, start)
    end_line, end_col = _line_col(line_starts, end)
    return {
        "charOffset": start,
        "charLength": end - start,
        "startLine": start_line,
        "startColumn": start_col,
        "endLine": end_line,
        "endColumn": end_col,
        "snippet": {"text": text},
    }


def _result(r: Result, f: Finding, rule_index: int, line_starts: list[int]) -> dict[str, Any]:
    res: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
    }
    if not f.warning:
        res["kind"] = "informational"
    res["level"] = level(f)
    res["message"] = {"text": f'{f.message} Claimed: "{f.text}"'}
    res["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": source_uri(r.source)},
                "region": _region(line_starts, f.start, f.end, f.text),
                "contextRegion": _region(line_starts, f.sentence_start, f.sentence_end, f.sentence),
            }
        }
    ]
    res["partialFingerprints"] = {"stemcheckClaim/v1": _fingerprint(f)}
    res["properties"] = {
        "confidence": f.confidence,
        "assertion": f.assertion.value,
        "caution": f.caution,
        "suggestion": f.suggestion,
    }
    return res


def _fingerprint(f: Finding) -> str:
    """Stable across edits elsewhere in the text: rule, claim and sentence only."""
    key = "\x1f".join((f.rule_id, f.text, f.sentence))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


def _line_col(line_starts: list[int], pos: int) -> tuple[int, int]:
    """1-based line and column (in code points) of a code-point offset."""
    i = bisect.bisect_right(line_starts, pos) - 1
    return i + 1, pos - line_starts[i] + 1


def source_uri(source: str) -> str:
    """A URI reference for a file path; "<stdin>" and the like percent-encoded."""
    if os.path.isabs(source):
        try:
            return Path(source).as_uri()
        except ValueError:
            pass
    return quote(source.replace(os.sep, "/"), safe="/@!$&'()*+,;=-._~")
