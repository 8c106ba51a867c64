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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from checker import __version__
from checker.models import Severity

if TYPE_CHECKING:
    from checker.outputs import Result

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"

LEVELS = {
    Severity.critical.value: "error",
    Severity.high.value: "error",
    Severity.medium.value: "warning",
    Severity.low.value: "note",
}

# SARIF line terminators: CR, LF or CR LF.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# The log is built from findings in their JSON form (``Finding.model_dump(mode="json")``),
# so an audit can write it straight from its stored records without re-validating them.
Dumped = dict[str, Any]


def level(f: Dumped) -> str:
    return LEVELS[f["severity"]] if f["warning"] else "none"


def render(results: Sequence[Result]) -> str:
    return json.dumps(document(results), indent=2, ensure_ascii=False) + "\n"


def document(results: Sequence[Result]) -> dict[str, Any]:
    """The SARIF log as a dict."""
    log = Log()
    for r in results:
        log.add(r.source, r.text, r.report.model_dump(mode="json"))
    return log.document()


class Log:
    """A SARIF log built one checked text at a time, from reports in their JSON form.

    In memory by default (``document()``); given a ``spool`` file, each result goes there
    as it comes and ``write()`` streams the log out, so an audit of many pages never holds
    its results in memory. Results carry their rule index, known only at the end (rules
    are listed sorted by id), so the spool keeps each result without it until then."""

    def __init__(self, spool: IO[str] | None = None) -> None:
        self._spool = spool
        self._results: list[tuple[str, dict[str, Any]]] = []
        self._rules: dict[str, Dumped] = {}
        self._pack: dict[str, Any] | None = None

    def add(self, source: str, text: str, report: Dumped) -> None:
        if self._pack is None:
            pack = report["rule_pack"]
            self._pack = {"name": pack["name"], "version": pack["version"], "hash": pack["hash"]}
        findings = sorted(report["findings"], key=lambda f: (f["start"], f["end"], f["category"], f["rule_id"]))
        if not findings:
            return
        uri, starts = source_uri(source), _line_starts(text)
        for f in findings:
            self._rules.setdefault(f["rule_id"], f)
            res = _result(uri, f, starts)
            if self._spool is None:
                self._results.append((f["rule_id"], res))
            else:
                self._spool.write(f"{json.dumps(f['rule_id'])}\t{_compact(res)}\n")

    def _run(self, properties: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, int]]:
        rule_ids = sorted(self._rules)
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "stemcheck",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "rules": [_rule(self._rules[rid]) for rid in rule_ids],
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": [],
        }
        if self._pack is not None or properties:
            run["properties"] = {**({"rulePack": self._pack} if self._pack else {}), **(properties or {})}
        return run, {rid: i for i, rid in enumerate(rule_ids)}

    def document(self, properties: dict[str, Any] | None = None) -> dict[str, Any]:
        run, index = self._run(properties)
        run["results"] = [{"ruleId": rid, "ruleIndex": index[rid], **res} for rid, res in self._results]
        return {"$schema": SCHEMA, "version": VERSION, "runs": [run]}

    def write(self, out: IO[str], properties: dict[str, Any] | None = None) -> None:
        """Write the log compactly (an audit's runs to many megabytes; indenting is slow)."""
        run, index = self._run(properties)
        head, mark, tail = _compact({"$schema": SCHEMA, "version": VERSION, "runs": [run]}).partition('"results":[]')
        assert mark, "the results' place in the log"  # JSON strings escape quotes: only the key matches
        out.write(head + '"results":[')
        rows = self._results if self._spool is None else self._spooled()
        for n, (rid, res) in enumerate(rows):
            body = res if isinstance(res, str) else _compact(res)
            out.write(("," if n else "") + f'{{"ruleId":{json.dumps(rid, ensure_ascii=False)},"ruleIndex":{index[rid]},' + body[1:])
        out.write("]" + tail + "\n")

    def _spooled(self) -> Iterator[tuple[str, str]]:
        assert self._spool is not None
        self._spool.flush()
        self._spool.seek(0)
        for line in self._spool:
            rid, res = line.rstrip("\n").split("\t", 1)
            yield json.loads(rid), res


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _rule_name(rule_id: str) -> str:
    return "".join(w.capitalize() for w in re.split(r"[^0-9A-Za-z]+", rule_id) if w)


def _rule(f: Dumped) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": f["rule_id"],
        "name": _rule_name(f["rule_id"]),
        "shortDescription": {"text": f["message"]},
        "fullDescription": {"text": f["explanation"]},
    }
    if f["sources"]:
        rule["helpUri"] = f["sources"][0]["url"]
    rule["help"] = {
        "text": f"{f['explanation']}\nHonest version: {f['suggestion']}\nSources:\n"
        + "\n".join(f"- {s['title']} <{s['url']}>" for s in f["sources"])
    }
    rule["defaultConfiguration"] = {"level": LEVELS[f["severity"]]}
    rule["properties"] = {
        "category": f["category"],
        "caution": f["caution"],
        "severity": f["severity"],
        "tags": [f["category"], f["caution"]],
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


def _result(uri: str, f: Dumped, line_starts: list[int]) -> dict[str, Any]:
    """One result, without its rule id and index (the log puts them first)."""
    res: dict[str, Any] = {}
    if not f["warning"]:
        res["kind"] = "informational"
    res["level"] = level(f)
    res["message"] = {"text": f'{f["message"]} Claimed: "{f["text"]}"'}
    res["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": uri},
                "region": _region(line_starts, f["start"], f["end"], f["text"]),
                "contextRegion": _region(line_starts, f["sentence_start"], f["sentence_end"], f["sentence"]),
            }
        }
    ]
    res["partialFingerprints"] = {"stemcheckClaim/v1": _fingerprint(f)}
    res["properties"] = {
        "confidence": f["confidence"],
        "assertion": f["assertion"],
        "caution": f["caution"],
        "suggestion": f["suggestion"],
    }
    return res


def _fingerprint(f: Dumped) -> str:
    """Stable across edits elsewhere in the text: rule, claim and sentence only."""
    key = "\x1f".join((f["rule_id"], f["text"], f["sentence"]))
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
