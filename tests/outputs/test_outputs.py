"""Tests for checker.outputs: every format, offsets, escaping and determinism."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from checker.pipeline import rules_checker

check = rules_checker().check  # output formats are tested on the rules' findings
from checker.models import Finding
from checker.outputs import FORMATS, Result, render
from checker.outputs import csv as csv_out
from checker.outputs import markdown as md_out
from checker.outputs import sarif as sarif_out
from checker.outputs import text as text_out

# An emoji (astral: 2 UTF-16 units) and accented letters before the claims,
# so code-point, UTF-16 and byte offsets all differ.
CLINIC = (
    "Bienvenue 😀 à la Clínica Niño!\n"
    "\n"
    "Our stem cell therapy cures MS. It has no side effects!\n"
    "\n"
    "Book now, places are limited."
)
CLAIMS = ("cures MS", "no side effects", "Book now", "places are limited")
HONEST = (
    "Stem-cell treatments for MS are still being studied in clinical trials. "
    "Talk to your neurologist before deciding anything."
)
INJECT = "=Stem cells cure MS.\n\n- Our stem cells cure MS!"
MARKDOWN_BAIT = "Our *miracle* [stem cells](http://evil.example) cure MS <b>today</b> | #1 & $5!"

ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def clinic() -> Result:
    return Result("clinic.txt", CLINIC, check(CLINIC))


@pytest.fixture(scope="module")
def honest() -> Result:
    return Result("<stdin>", HONEST, check(HONEST))


@pytest.fixture(scope="module")
def results(clinic: Result, honest: Result) -> list[Result]:
    return [clinic, honest]


def test_fixture_texts_behave(clinic: Result, honest: Result) -> None:
    texts = [f.text for f in clinic.report.warnings]
    for claim in CLAIMS:
        assert claim in texts
    assert clinic.report.findings == clinic.report.warnings
    assert honest.report.findings == []
    for f in clinic.report.findings:
        assert CLINIC[f.start:f.end] == f.text
        assert f.start_utf16 == f.start + 1  # one astral character before every claim


def test_formats_and_dispatch(results: list[Result]) -> None:
    assert FORMATS == ("text", "json", "jsonl", "csv", "markdown", "sarif")
    for fmt in FORMATS:
        out = render(fmt, results)
        assert isinstance(out, str) and out
    with pytest.raises(ValueError, match="unknown format"):
        render("xml", results)


@pytest.mark.parametrize("fmt", FORMATS)
def test_deterministic(fmt: str) -> None:
    """Separate checks of the same text render byte-identically."""
    def build() -> list[Result]:
        return [Result("clinic.txt", CLINIC, check(CLINIC)), Result("h.txt", HONEST, check(HONEST))]

    first = render(fmt, build(), color=True)
    assert render(fmt, build(), color=True) == first
    assert render(fmt, build()).encode("utf-8") == render(fmt, build()).encode("utf-8")


# -- json -----------------------------------------------------------------

def test_json_round_trips(results: list[Result]) -> None:
    out = render("json", results)
    assert out.endswith("}\n")
    doc = json.loads(out)
    assert doc["stemcheck"] == results[0].report.checker_version
    assert [r["source"] for r in doc["results"]] == ["clinic.txt", "<stdin>"]
    for res, r in zip(doc["results"], results):
        assert res["report"] == r.report.model_dump(mode="json")
        for f in res["report"]["findings"]:
            assert r.text[f["start"]:f["end"]] == f["text"]
            utf16 = r.text.encode("utf-16-le")
            assert utf16[2 * f["start_utf16"]:2 * f["end_utf16"]].decode("utf-16-le") == f["text"]
    assert "😀" not in out  # only the report is emitted, not the text...
    assert "Clínica" not in out
    assert '"no side effects"' in out  # ...and non-ASCII would stay readable (ensure_ascii off)


# -- jsonl ----------------------------------------------------------------

def test_jsonl_one_line_per_finding(results: list[Result], clinic: Result) -> None:
    out = render("jsonl", results)
    lines = out.splitlines()
    assert len(lines) == sum(len(r.report.findings) for r in results) == len(clinic.report.findings)
    assert out.endswith("\n")
    for line in lines:
        row = json.loads(line)
        assert row["source"] == "clinic.txt"
        assert CLINIC[row["start"]:row["end"]] == row["text"]
        assert row["rule_pack_version"] == clinic.report.rule_pack.version
        assert row["rule_pack_hash"] == clinic.report.rule_pack.hash
        assert row["checker_version"] == clinic.report.checker_version
        assert set(Finding.model_fields) <= set(row)
    assert render("jsonl", results[1:]) == ""


# -- csv ------------------------------------------------------------------

def _csv_rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out, newline="")))


def test_csv_parses_back(results: list[Result], clinic: Result) -> None:
    out = render("csv", results)
    assert out.splitlines()[0].split(",") == list(csv_out.COLUMNS)
    rows = _csv_rows(out)
    assert len(rows) == len(clinic.report.findings)
    for row, f in zip(rows, sorted(clinic.report.findings, key=lambda f: f.start)):
        assert row["source"] == "clinic.txt"
        assert (int(row["start"]), int(row["end"])) == (f.start, f.end)
        assert (int(row["start_utf16"]), int(row["end_utf16"])) == (f.start_utf16, f.end_utf16)
        assert CLINIC[int(row["start"]):int(row["end"])] == row["text"] == f.text
        assert row["sentence"] == f.sentence
        assert row["warning"] == "true"
        assert float(row["confidence"]) == f.confidence
        assert row["rule_pack_hash"] == clinic.report.rule_pack.hash
        assert row["sources"] == "; ".join(f"{s.title} <{s.url}>" for s in f.sources)
        assert f.sources[0].url in row["sources"]
    # Commas and quotes inside cells survive the round trip.
    assert any("," in r["sentence"] for r in rows)
    assert any('"' in r["suggestion"] for r in rows)


def test_csv_quoting_round_trips(clinic: Result) -> None:
    f = clinic.report.warnings[0]
    tricky = 'Line one, "quoted"\nline two;\r\nthree'
    odd = f.model_copy(update={"sentence": tricky, "message": "a,b"})
    report = clinic.report.model_copy(update={"findings": [odd]})
    rows = _csv_rows(render("csv", [Result("a, \"b\".txt", CLINIC, report)]))
    assert len(rows) == 1
    assert rows[0]["sentence"] == tricky
    assert rows[0]["message"] == "a,b"
    assert rows[0]["source"] == 'a, "b".txt'


def test_csv_formula_injection_guard() -> None:
    report = check(INJECT)
    assert len(report.warnings) == 2
    source = "=HYPERLINK(\"http://evil.example\")"
    rows = _csv_rows(render("csv", [Result(source, INJECT, report)]))
    assert [r["sentence"] for r in rows] == ["'=Stem cells cure MS.", "'- Our stem cells cure MS!"]
    assert all(r["source"] == "'" + source for r in rows)
    for row in rows:  # the spans are still exact
        assert INJECT[int(row["start"]):int(row["end"])] == row["text"]
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_out.defuse(bad) == "'" + bad
    for ok in ("cure MS", "", "1=1", "'quoted"):
        assert csv_out.defuse(ok) == ok


# -- markdown -------------------------------------------------------------

def test_markdown(results: list[Result], clinic: Result) -> None:
    out = render("markdown", results)
    assert "## clinic.txt" in out and "## \\<stdin\\>" in out
    assert "| Category | Warnings |" in out
    assert "| C1 Stem cells are not a cure (`cure-claim`) | 1 |" in out
    assert "| C10 Marketing red flags (`marketing-red-flag`) | 2 |" in out
    assert f"| **Total** | **{len(clinic.report.warnings)}** |" in out
    assert "> Our stem cell therapy **cures MS**." in out
    assert "> It has **no side effects**!" in out
    assert "> **Book now**, places are limited." in out
    assert "> Book now, **places are limited**." in out
    for n in range(1, len(clinic.report.warnings) + 1):
        assert f"\n### {n}. " in out
    for f in clinic.report.warnings:
        assert f'**Claimed:** "{f.text}"' in out
        assert f.sources[0].url in out
    assert "No misleading claims found." in out


def test_markdown_escapes_clinic_text() -> None:
    report = check(MARKDOWN_BAIT)
    assert any(f.text == "cure MS" for f in report.warnings)
    out = md_out.render([Result("bait.md", MARKDOWN_BAIT, report)])
    quote = next(line for line in out.splitlines() if "**cure MS**" in line)
    assert quote.startswith("> Our \\*miracle\\* \\[stem cells\\](http://evil.example) **cure MS**")
    assert "\\<b\\>" in quote and "\\|" in quote and "\\&" in quote and "\\$5" in quote
    assert md_out.escape("# heading", line_start=True) == "\\# heading"
    assert md_out.escape("- item", line_start=True) == "\\- item"
    assert md_out.escape("1. item", line_start=True) == "1\\. item"
    assert md_out.escape("version 0.1.0") == "version 0.1.0"
    assert md_out.escape("a\nb") == "a b"


def test_markdown_renders_safely() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    report = check(MARKDOWN_BAIT)
    out = md_out.render([Result("bait.md", MARKDOWN_BAIT, report)])
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(out)
    assert "<strong>cure MS</strong>" in html
    assert 'href="http://evil.example"' not in html
    assert "<b>" not in html and "&lt;b&gt;today&lt;/b&gt;" in html
    assert "<table>" in html
    assert html.count("<blockquote>") == len(report.warnings)
    assert 'href="https://' in html  # the sources are links


# -- sarif ----------------------------------------------------------------

def test_sarif_structure(results: list[Result], clinic: Result) -> None:
    doc = json.loads(render("sarif", results))
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "stemcheck"
    assert driver["version"] == clinic.report.checker_version
    assert run["columnKind"] == "unicodeCodePoints"
    pack = clinic.report.rule_pack
    assert run["properties"]["rulePack"] == {"name": pack.name, "version": pack.version, "hash": pack.hash}

    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(set(f.rule_id for f in clinic.report.findings))
    by_rule = {f.rule_id: f for f in clinic.report.findings}
    for rule in rules:
        f = by_rule[rule["id"]]
        assert rule["name"]
        assert rule["shortDescription"]["text"] == f.message
        assert rule["fullDescription"]["text"] == f.explanation
        assert rule["helpUri"] == f.sources[0].url
        assert {k: rule["properties"][k] for k in ("category", "caution", "severity")} == {
            "category": f.category, "caution": f.caution, "severity": f.severity.value,
        }

    levels = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
    assert len(run["results"]) == len(clinic.report.findings)
    for res, f in zip(run["results"], sorted(clinic.report.findings, key=lambda f: f.start)):
        assert res["ruleId"] == f.rule_id
        assert ids[res["ruleIndex"]] == f.rule_id
        assert res["level"] == levels[f.severity.value]
        assert res["message"]["text"] == f'{f.message} Claimed: "{f.text}"'
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == "clinic.txt"
        region = loc["region"]
        off, length = region["charOffset"], region["charLength"]
        assert CLINIC[off:off + length] == f.text == region["snippet"]["text"]
        lines = CLINIC.splitlines(keepends=True)
        line = lines[region["startLine"] - 1]
        assert region["startLine"] == region["endLine"]
        assert line[region["startColumn"] - 1:region["endColumn"] - 1] == f.text
        assert res["properties"] == {
            "confidence": f.confidence, "assertion": f.assertion.value,
            "caution": f.caution, "suggestion": f.suggestion,
        }
    levels_seen = {r["level"] for r in run["results"]}
    assert levels_seen == {"error", "warning"}  # critical claims and medium urgency


def test_sarif_lines_and_columns() -> None:
    starts = sarif_out._line_starts("ab\r\ncd\ne\rf")
    assert starts == [0, 4, 7, 9]
    assert sarif_out._line_col(starts, 0) == (1, 1)
    assert sarif_out._line_col(starts, 5) == (2, 2)
    assert sarif_out._line_col(starts, 9) == (4, 1)
    assert sarif_out.source_uri("<stdin>") == "%3Cstdin%3E"
    assert sarif_out.source_uri("pages/a b.txt") == "pages/a%20b.txt"
    assert sarif_out.source_uri("/tmp/x.txt") == "file:///tmp/x.txt"


def test_sarif_non_warnings_are_informational() -> None:
    text = "We do not claim that stem cells cure MS."
    report = check(text, include_all=True)
    if not report.findings or report.warnings:
        pytest.skip("rule pack no longer reports this negated claim")
    doc = json.loads(render("sarif", [Result("n.txt", text, report)]))
    res = doc["runs"][0]["results"][0]
    assert res["kind"] == "informational" and res["level"] == "none"


def test_sarif_empty() -> None:
    doc = json.loads(render("sarif", []))
    assert doc["runs"][0]["results"] == [] and doc["runs"][0]["tool"]["driver"]["rules"] == []


# -- text -----------------------------------------------------------------

def test_text_marks_claims(results: list[Result], clinic: Result) -> None:
    out = render("text", results)
    header = out.splitlines()[0]
    s = clinic.report.summary
    assert header.startswith("clinic.txt: seriously misleading")
    assert f"{s.warnings} warnings in {s.sentences} sentences" in header
    assert clinic.report.rule_pack.name in header and clinic.report.rule_pack.version in header
    assert clinic.report.rule_pack.hash[:12] in header
    assert f"stemcheck {clinic.report.checker_version}" in header
    # Original characters kept, paragraphs in order, every claim marked.
    assert "Bienvenue 😀 à la Clínica Niño!" in out
    assert "Our stem cell therapy ⟦cures MS⟧[1]. It has ⟦no side effects⟧[2]!" in out
    assert "⟦Book now⟧[3], ⟦places are limited⟧[4]." in out
    for f in clinic.report.warnings:
        assert f'Claimed: "{f.text}"' in out
        for src in f.sources:
            assert src.url in out
    # Details wrap at the configured width, so compare without line breaks.
    flat = re.sub(r"\s+", " ", out)
    for f in clinic.report.warnings:
        assert re.sub(r"\s+", " ", f.explanation) in flat
        assert re.sub(r"\s+", " ", f.suggestion) in flat
    assert "Why: " in out and "Honest version: " in out and "Sources:" in out
    assert "[1] CRITICAL · cure-claim · C1 Stem cells are not a cure" in out
    assert "asserted, confidence" in out
    # Details follow the paragraph they belong to.
    assert out.index("[2] CRITICAL") < out.index("⟦Book now⟧[3]")
    # The honest text says so clearly.
    assert "<stdin>: clean" in out
    assert "Nothing flagged" in out
    for line in out.splitlines():
        if not line.lstrip().startswith("http") and not line.startswith(("clinic.txt:", "<stdin>:")):
            assert len(line) <= text_out.WIDTH or "⟦" in line


def test_text_color(clinic: Result) -> None:
    out = render("text", [clinic], color=True)
    assert "⟦" not in out
    assert "\x1b[1;31mcures MS\x1b[0m" in out
    plain = ANSI_RE.sub("", out)
    assert "Our stem cell therapy cures MS[1]." in plain


def test_text_neutralises_terminal_escapes() -> None:
    text = "\x1b]0;pwned\x07Our stem cell therapy cures MS."
    out = render("text", [Result("esc.txt", text, check(text))])
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b" in out


def test_text_long_input_shows_only_flagged_paragraphs() -> None:
    filler = "\n\n".join(f"Line {i} about our friendly clinic staff." for i in range(150))
    text = filler + "\n\nOur stem cell therapy cures MS.\n\n" + filler
    report = check(text)
    assert report.warnings
    out = render("text", [Result("long.txt", text, report)])
    assert "⟦cures MS⟧[1]" in out
    assert "Line 3 about" not in out
    assert out.count("…") == 2
    short = render("text", [Result("s.txt", "Hello.\n\nOur stem cell therapy cures MS.",
                                   check("Hello.\n\nOur stem cell therapy cures MS."))])
    assert "Hello." in short and "…" not in short


def test_text_overlapping_findings_share_a_mark(clinic: Result) -> None:
    a, b = clinic.report.warnings[:2]
    # Stretch the second finding so it overlaps the first.
    overlap = b.model_copy(update={"start": a.start + 2, "text": CLINIC[a.start + 2:b.end]})
    report = clinic.report.model_copy(update={"findings": [a, overlap]})
    out = render("text", [Result("o.txt", CLINIC, report)])
    assert f"⟦{CLINIC[a.start:b.end]}⟧[1,2]" in out
