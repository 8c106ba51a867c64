"""The `stemcheck` command line: subcommands, every output format, exit codes
(0 nothing flagged, 1 flagged, 2 usage or input error) and bad input.

Most tests call ``checker.cli.main`` in-process; a few run the real program in
a fresh interpreter (``python -m checker.cli`` and the ``stemcheck`` console
script) for what only a real process shows: standard input, start-up, and
output that must not depend on the process (hash seeds).
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checker import __version__
from checker.cli import main
from checker.outputs.csv import COLUMNS
from checker.rules.loader import default_pack

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CLINIC = EXAMPLES / "clinic-page.txt"
HONEST = EXAMPLES / "honest-page.txt"
CLINIC_HTML = EXAMPLES / "clinic-page.html"

EXIT_CLEAN, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")
PACK = default_pack()


# -- helpers --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_env_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from the default size limit whatever the caller's shell has."""
    monkeypatch.delenv("STEMCHECK_MAX_BYTES", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """main() in-process -> (exit status, stdout, stderr). Usage errors raise
    SystemExit from argparse; they count as the status they carry."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code if isinstance(exc.code, int) else EXIT_ERROR
    out, err = capsys.readouterr()
    return code, out, err


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "STEMCHECK_MAX_BYTES"}
    env.update(extra)
    return env


def run_module(*argv: str | Path, input: bytes | None = None, **env: str) -> subprocess.CompletedProcess:
    """A fresh `python -m checker.cli ...` process."""
    return subprocess.run(
        [sys.executable, "-m", "checker.cli", *map(str, argv)],
        input=input, capture_output=True, cwd=ROOT, env=subprocess_env(**env), timeout=120,
    )


def check_json(capsys, *argv) -> tuple[int, dict]:
    code, out, err = run(capsys, "check", "--format", "json", *argv)
    assert code in (EXIT_CLEAN, EXIT_FLAGGED), err
    return code, json.loads(out)


def assert_input_error(code: int, out: str, err: str, name: str, *problem: str) -> None:
    """Exit 2, nothing on stdout, one clear line on stderr naming the file and the problem."""
    assert code == EXIT_ERROR, (code, out, err)
    assert out == ""
    assert err.startswith("stemcheck: "), err
    assert name in err, f"stderr should name {name!r}: {err!r}"
    for word in problem:
        assert word.lower() in err.lower(), f"stderr should say {word!r}: {err!r}"
    assert "Traceback" not in err


# -- check: the examples ----------------------------------------------------------


def test_clinic_page_is_flagged_with_explanations_and_sources(capsys) -> None:
    code, out, err = run(capsys, "check", CLINIC)
    assert code == EXIT_FLAGGED
    assert err == ""
    header = out.splitlines()[0]
    assert str(CLINIC) in header and "warning" in header and "seriously misleading" in header
    assert f"stemcheck {__version__}" in header and PACK.info.version in header
    # the claims are marked in the text, with their details below
    assert "⟦cures multiple sclerosis⟧" in out
    for label in ("CRITICAL", "Claimed:", "Why:", "Honest version:", "Sources:"):
        assert label in out, label
    assert "https://www.fda.gov/" in out
    # the terminal is not a tty here: no colour codes
    assert not ANSI_RE.search(out)
    # every caution of the example page is named
    for caution in (f"C{i} " for i in range(1, 11)):
        assert caution in out, caution


def test_honest_page_exits_clean(capsys) -> None:
    code, out, err = run(capsys, "check", HONEST)
    assert code == EXIT_CLEAN, out
    assert err == ""
    assert "clean - 0 warnings" in out
    assert "Nothing flagged" in out


def test_color_always_and_never(capsys) -> None:
    _, out, _ = run(capsys, "check", "--color", "always", CLINIC)
    assert ANSI_RE.search(out)
    _, out, _ = run(capsys, "check", "--color", "never", CLINIC)
    assert not ANSI_RE.search(out)
    # colour is for the text format only
    _, out, _ = run(capsys, "check", "--color", "always", "--format", "json", CLINIC)
    json.loads(out)
    assert "\x1b" not in out


def test_json_report_fields(capsys) -> None:
    code, doc = check_json(capsys, CLINIC)
    assert code == EXIT_FLAGGED
    assert doc["stemcheck"] == __version__
    [result] = doc["results"]
    assert result["source"] == str(CLINIC)
    report = result["report"]
    assert report["rule_pack"] == {"name": PACK.info.name, "version": PACK.info.version, "hash": PACK.info.hash}
    assert report["summary"]["warnings"] == len(report["findings"]) > 0
    assert set(report["summary"]["by_category"]) == set(PACK.categories)
    text = CLINIC.read_text(encoding="utf-8")
    for f in report["findings"]:
        assert f["warning"] is True
        assert text[f["start"] : f["end"]] == f["text"]
        assert f["explanation"] and f["suggestion"] and f["sources"]
        assert all(s["url"].startswith("https://") for s in f["sources"])
        assert f["html_start"] is None and f["html_end"] is None


# -- check: every format ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv", "markdown", "sarif"])
def test_every_format_on_a_flagged_and_an_honest_page(capsys, fmt: str) -> None:
    code, out, err = run(capsys, "check", "--format", fmt, CLINIC, HONEST)
    assert code == EXIT_FLAGGED, err
    assert err == ""
    # the number of warnings, from the json format
    _, doc = check_json(capsys, CLINIC, HONEST)
    per_source = {r["source"]: r["report"]["summary"]["warnings"] for r in doc["results"]}
    assert per_source[str(CLINIC)] > 0 and per_source[str(HONEST)] == 0
    total = sum(per_source.values())

    if fmt == "text":
        assert out.count("warning") >= 2
        assert f"{CLINIC}: seriously misleading" in out
        assert f"{HONEST}: clean" in out
        assert out.index(str(CLINIC)) < out.index(str(HONEST))
    elif fmt == "json":
        assert json.loads(out) == doc
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.splitlines()]
        assert len(rows) == total
        assert {r["source"] for r in rows} == {str(CLINIC)}
        for r in rows:
            assert r["rule_pack_hash"] == PACK.info.hash and r["checker_version"] == __version__
            assert r["rule_id"].split(".", 1)[0] == r["category"]
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out, newline="")))
        assert tuple(rows[0]) == COLUMNS
        assert len(rows) == total + 1
        assert all(len(r) == len(COLUMNS) for r in rows)
        src = COLUMNS.index("source")
        assert {r[src] for r in rows[1:]} == {str(CLINIC)}
    elif fmt == "markdown":
        assert out.startswith("# stemcheck report\n")
        assert out.count("\n## ") == 2
        assert "No misleading claims found." in out
        assert "| Category | Warnings |" in out
    elif fmt == "sarif":
        sarif = json.loads(out)
        assert sarif["version"] == "2.1.0"
        assert "sarif" in sarif["$schema"]
        [run_] = sarif["runs"]
        driver = run_["tool"]["driver"]
        assert driver["name"] == "stemcheck" and driver["version"] == __version__
        rule_ids = [r["id"] for r in driver["rules"]]
        assert len(rule_ids) == len(set(rule_ids))
        assert len(run_["results"]) == total
        text = CLINIC.read_text(encoding="utf-8")
        for res in run_["results"]:
            assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
            assert res["level"] in ("error", "warning", "note")
            assert res["message"]["text"]
            loc = res["locations"][0]["physicalLocation"]
            assert loc["artifactLocation"]["uri"].endswith("clinic-page.txt")
            region = loc["region"]
            start, length = region["charOffset"], region["charLength"]
            assert text[start : start + length] == region["snippet"]["text"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert run_["properties"]["rulePack"]["hash"] == PACK.info.hash


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "sarif"])
def test_machine_formats_on_a_clean_page(capsys, fmt: str) -> None:
    code, out, err = run(capsys, "check", "--format", fmt, HONEST)
    assert code == EXIT_CLEAN, err
    if fmt == "json":
        assert json.loads(out)["results"][0]["report"]["findings"] == []
    elif fmt == "jsonl":
        assert out.strip() == ""
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(out, newline=""))) == [list(COLUMNS)]
    else:
        assert json.loads(out)["runs"][0]["results"] == []


def test_several_files_keep_their_order_and_exit_flagged_if_any_is(capsys) -> None:
    code, doc = check_json(capsys, HONEST, CLINIC, HONEST)
    assert code == EXIT_FLAGGED
    assert [r["source"] for r in doc["results"]] == [str(HONEST), str(CLINIC), str(HONEST)]
    assert doc["results"][0] == doc["results"][2]
    # clean files only: clean exit
    code, _ = check_json(capsys, HONEST, HONEST)
    assert code == EXIT_CLEAN


def test_bad_files_among_good_ones_are_named_and_the_good_ones_reported(capsys, tmp_path) -> None:
    missing = tmp_path / "missing.txt"
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x00\x01PNG")
    code, out, err = run(capsys, "check", "--format", "json", CLINIC, missing, HONEST, binary)
    assert code == EXIT_ERROR
    assert [r["source"] for r in json.loads(out)["results"]] == [str(CLINIC), str(HONEST)]
    lines = err.strip().splitlines()
    assert len(lines) == 2 and str(missing) in lines[0] and "no such file" in lines[0] and str(binary) in lines[1]
    assert "Traceback" not in err


def test_only_bad_files_give_no_report(capsys, tmp_path) -> None:
    missing = tmp_path / "missing.txt"
    code, out, err = run(capsys, "check", missing, missing)
    assert code == EXIT_ERROR and out == "" and err.count("no such file") == 2


def test_html_file_has_html_offsets(capsys) -> None:
    code, doc = check_json(capsys, CLINIC_HTML)
    assert code == EXIT_FLAGGED
    source = CLINIC_HTML.read_text(encoding="utf-8")
    findings = doc["results"][0]["report"]["findings"]
    assert findings
    for f in findings:
        assert isinstance(f["html_start"], int) and isinstance(f["html_end"], int), f
        assert 0 <= f["html_start"] < f["html_end"] <= len(source)
        # the HTML slice shows the claim once tags are dropped and entities decoded
        shown = html_lib.unescape(re.sub(r"<[^>]*>", "", source[f["html_start"] : f["html_end"]]))
        assert shown.replace("\xa0", " ") == f["text"], (shown, f["text"])
    texts = " ".join(f["sentence"] for f in findings)
    # neither the script nor the HTML comment is checked
    assert "cure everything" not in texts and "internal note" not in texts
    assert any(f["category"] == "cure-claim" for f in findings)


def test_html_flag_forces_html(capsys, tmp_path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("<section>Our stem cells <em>cure</em> MS.</section>", encoding="utf-8")
    _, doc = check_json(capsys, "--html", page)
    [f] = [f for f in doc["results"][0]["report"]["findings"] if f["category"] == "cure-claim"]
    assert f["html_start"] is not None and f["text"] == "cure MS"


def test_all_includes_findings_that_are_not_warnings(capsys) -> None:
    code, doc = check_json(capsys, HONEST)
    assert code == EXIT_CLEAN
    assert doc["results"][0]["report"]["findings"] == []

    code, doc = check_json(capsys, "--all", HONEST)
    assert code == EXIT_CLEAN  # nothing flagged, even with the extra findings listed
    report = doc["results"][0]["report"]
    assert report["include_all"] is True
    assert report["summary"]["warnings"] == 0
    assert report["findings"], "the honest page negates claims; --all should list them"
    assert all(f["warning"] is False for f in report["findings"])
    assert {f["assertion"] for f in report["findings"]} <= {
        "negated", "questioned", "attributed", "investigational", "conditional"
    }

    code, out, _ = run(capsys, "check", "--all", HONEST)
    assert code == EXIT_CLEAN
    assert "(not a warning)" in out and "No warnings." in out

    _, out, _ = run(capsys, "check", "--all", "--format", "sarif", HONEST)
    results = json.loads(out)["runs"][0]["results"]
    assert results and all(r["kind"] == "informational" and r["level"] == "none" for r in results)

    # on the clinic page --all keeps every warning and may add more
    _, plain = check_json(capsys, CLINIC)
    _, every = check_json(capsys, "--all", CLINIC)
    warned = [f for f in every["results"][0]["report"]["findings"] if f["warning"]]
    assert warned == plain["results"][0]["report"]["findings"]


def test_determinism_same_input_same_json(capsys) -> None:
    _, first, _ = run(capsys, "check", "--format", "json", "--all", CLINIC, CLINIC_HTML, HONEST)
    _, second, _ = run(capsys, "check", "--format", "json", "--all", CLINIC, CLINIC_HTML, HONEST)
    assert first == second
    for fmt in ("jsonl", "csv", "sarif", "markdown", "text"):
        _, a, _ = run(capsys, "check", "--format", fmt, CLINIC)
        _, b, _ = run(capsys, "check", "--format", fmt, CLINIC)
        assert a == b, fmt


def test_utf8_bom_is_accepted(capsys, tmp_path) -> None:
    page = tmp_path / "bom.txt"
    page.write_bytes(b"\xef\xbb\xbfOur stem cells cure MS.\n")
    code, doc = check_json(capsys, page)
    assert code == EXIT_FLAGGED
    f = doc["results"][0]["report"]["findings"][0]
    assert f["text"] == "cure MS" and f["start"] == len("Our stem cells ")


# -- check: bad input ---------------------------------------------------------------


def test_empty_file_is_clean(capsys, tmp_path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "check", empty)
    assert code == EXIT_CLEAN and err == ""
    assert "Nothing flagged" in out
    code, doc = check_json(capsys, empty)
    assert code == EXIT_CLEAN
    assert doc["results"][0]["report"]["findings"] == []
    assert doc["results"][0]["report"]["summary"]["sentences"] == 0
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\n\t\n", encoding="utf-8")
    code, _, err = run(capsys, "check", blank)
    assert code == EXIT_CLEAN and err == ""


def test_missing_file(capsys, tmp_path) -> None:
    missing = tmp_path / "nope.txt"
    code, out, err = run(capsys, "check", missing)
    assert_input_error(code, out, err, str(missing), "no such file")


def test_directory(capsys, tmp_path) -> None:
    code, out, err = run(capsys, "check", tmp_path)
    assert_input_error(code, out, err, str(tmp_path), "directory")


def test_binary_file(capsys, tmp_path) -> None:
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"Our stem cells cure MS.\x00\x01\x02\xff\xfe" * 10)
    code, out, err = run(capsys, "check", binary)
    assert_input_error(code, out, err, str(binary), "binary")


def test_latin1_file(capsys, tmp_path) -> None:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Clínica Niño: our stem cells cure MS.\n".encode("latin-1"))
    code, out, err = run(capsys, "check", latin)
    assert_input_error(code, out, err, str(latin), "UTF-8", "0xed", "iconv")


def test_file_over_max_bytes(capsys, tmp_path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Our stem cells cure MS. " * 10, encoding="utf-8")
    code, out, err = run(capsys, "check", "--max-bytes", "100", page)
    assert_input_error(code, out, err, str(page), "limit", "100 bytes", "--max-bytes")
    # the same file under a big enough limit is checked
    code, _, _ = run(capsys, "check", "--max-bytes", "1000", page)
    assert code == EXIT_FLAGGED


def test_stdin_over_max_bytes(capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Our stem cells cure MS. " * 10)))
    code, out, err = run(capsys, "check", "--max-bytes", "100", "-")
    assert_input_error(code, out, err, "<stdin>", "limit")


def test_stdin_only_once(capsys) -> None:
    code, out, err = run(capsys, "check", "-", "-")
    assert code == EXIT_ERROR and out == "" and "standard input" in err


def test_sparse_50_mb_file_is_refused_quickly_under_the_default_limit(tmp_path) -> None:
    big = tmp_path / "huge-page.txt"
    with big.open("wb") as fh:
        fh.write(b"Our stem cells cure MS.\n")
        fh.truncate(50 * 1024 * 1024)
    t0 = time.perf_counter()
    proc = run_module("check", big)
    elapsed = time.perf_counter() - t0
    err = proc.stderr.decode()
    assert_input_error(proc.returncode, proc.stdout.decode(), err, str(big), "limit", "20,971,520")
    assert "52,428,800" in err  # the file's size, so the user knows by how much
    # a fresh interpreter starts in about a second; reading or checking 50 MB would take far longer
    assert elapsed < 10, f"refusing a 50 MB file took {elapsed:.1f}s"


def test_sparse_50_mb_file_in_process(capsys, tmp_path) -> None:
    big = tmp_path / "huge-page.txt"
    with big.open("wb") as fh:
        fh.write(b"Our stem cells cure MS.\n")
        fh.truncate(50 * 1024 * 1024)
    run(capsys, "check", HONEST)  # load the pipeline first: time only the refusal
    t0 = time.perf_counter()
    code, out, err = run(capsys, "check", big)
    elapsed = time.perf_counter() - t0
    assert_input_error(code, out, err, str(big), "limit")
    assert elapsed < 1.0, f"refusing a 50 MB file took {elapsed:.2f}s"


def test_env_max_bytes(capsys, monkeypatch, tmp_path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Our stem cells cure MS. " * 10, encoding="utf-8")
    monkeypatch.setenv("STEMCHECK_MAX_BYTES", "100")
    code, out, err = run(capsys, "check", page)
    assert_input_error(code, out, err, str(page), "limit of 100 bytes")
    # --max-bytes wins over the environment
    code, _, _ = run(capsys, "check", "--max-bytes", "10000", page)
    assert code == EXIT_FLAGGED


@pytest.mark.parametrize("value", ["abc", "20MB", "1.5", "0", "-5"])
def test_bad_env_max_bytes(capsys, monkeypatch, value: str) -> None:
    monkeypatch.setenv("STEMCHECK_MAX_BYTES", value)
    code, out, err = run(capsys, "check", HONEST)
    assert code == EXIT_ERROR and out == ""
    assert "STEMCHECK_MAX_BYTES" in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["0", "-1"])
def test_bad_max_bytes_option(capsys, value: str) -> None:
    code, out, err = run(capsys, "check", "--max-bytes", value, HONEST)
    assert code == EXIT_ERROR and out == "" and "--max-bytes" in err


# -- usage errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["check"],
        ["check", "--format", "xml", str(HONEST)],
        ["check", "--max-bytes", "lots", str(HONEST)],
        ["check", "--color", "pink", str(HONEST)],
        ["explain"],
        ["eval"],
        ["check", "--no-such-option", str(HONEST)],
    ],
    ids=["no-subcommand", "unknown-subcommand", "check-no-files", "unknown-format", "max-bytes-not-int",
         "bad-color", "explain-no-id", "eval-no-file", "unknown-option"],
)
def test_usage_errors_exit_2(capsys, argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == EXIT_ERROR
    assert out == ""
    assert "usage: stemcheck" in err


def test_unknown_format_names_the_choices(capsys) -> None:
    _, _, err = run(capsys, "check", "--format", "xml", HONEST)
    assert "'xml'" in err and "sarif" in err


def test_version(capsys) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == EXIT_CLEAN
    assert f"stemcheck {__version__}" in out and PACK.info.hash in out


# -- rules and explain ----------------------------------------------------------------


def test_rules_lists_all_ten_categories_and_every_rule(capsys) -> None:
    code, out, err = run(capsys, "rules")
    assert code == EXIT_CLEAN and err == ""
    assert out.startswith(f"{PACK.info.name} {PACK.info.version} (sha256 {PACK.info.hash[:12]})")
    assert len(PACK.categories) == 10
    cautions = set()
    for name, cat in PACK.categories.items():
        line = next((l for l in out.splitlines() if l.startswith(name + " ")), None)
        assert line is not None, f"category {name} not listed"
        assert f"[{cat.caution}]" in line
        cautions.add(cat.caution)
    assert cautions == {f"C{i}" for i in range(1, 11)}
    for rule in PACK.rules:
        assert rule.id in out


def test_explain_prints_the_rule_and_its_examples(capsys) -> None:
    rule = PACK.rule("cure-claim.cures-disease")
    assert rule is not None
    code, out, err = run(capsys, "explain", rule.id)
    assert code == EXIT_CLEAN and err == ""
    assert out.startswith(rule.id)
    for section in ("Message:", "Why:", "Honest version:", "Sources:", "Fires on:", "Does not fire on:", "Patterns (each with the first example it fires on):"):
        assert section in out
    for ex in rule.examples.fire_texts:
        assert f"  + {ex}" in out
    for ex in rule.examples.not_fire:
        assert f"  - {ex}" in out
    for src in PACK.sources_for(rule):
        assert src.url in out
    for name, pattern in rule.named_patterns.items():  # each named, with the example it fires on
        assert f"  {name}\n    pattern: {pattern}\n    fires on: " in out
    assert "(no example: untested)" not in out


@pytest.mark.parametrize("rule_id", [r.id for r in PACK.rules])
def test_explain_works_for_every_rule(capsys, rule_id: str) -> None:
    code, out, _ = run(capsys, "explain", rule_id)
    assert code == EXIT_CLEAN and "Fires on:" in out


@pytest.mark.parametrize("rule_id", ["no-such.rule", "cure-claim", "CURE-CLAIM.CURES-DISEASE", ""])
def test_explain_unknown_rule(capsys, rule_id: str) -> None:
    code, out, err = run(capsys, "explain", rule_id)
    assert code == EXIT_ERROR
    assert out == ""
    assert f"no rule {rule_id!r}" in err
    assert "cure-claim.cures-disease" in err  # the known ids are listed


# -- eval ----------------------------------------------------------------------

LABELLED = [
    {"id": "t1", "text": "Our stem cell therapy cures multiple sclerosis.", "label": "claim", "cautions": ["C1"]},
    {"id": "t2", "text": "The procedure has no side effects.", "label": "claim", "cautions": ["C6"]},
    {"id": "t3", "text": "You can stop your MS medication after the infusion.", "label": "claim", "cautions": ["C7"]},
    {"id": "t4", "text": "Stem cells are not a cure for MS.", "label": "honest"},
    {"id": "t5", "text": "Talk to your neurologist before making any decision.", "label": "honest", "cautions": []},
]


@pytest.fixture
def labelled(tmp_path) -> Path:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in LABELLED) + "\n\n", encoding="utf-8")
    return path


def test_eval_prints_scores_and_baseline(capsys, labelled) -> None:
    code, out, err = run(capsys, "eval", labelled)
    assert code == EXIT_CLEAN and err == ""
    assert f"{labelled}: 5 sentences (3 claims, 2 honest)" in out
    for word in ("precision", "recall", "F1", "false alarms", "stemcheck", "keyword baseline"):
        assert word in out
    ours = next(l for l in out.splitlines() if l.startswith("stemcheck "))
    assert ours.split()[1:4] == ["1.000", "1.000", "1.000"]  # obvious claims, plain honest text
    assert re.search(r"^C10\s", out, re.M)


def test_eval_json(capsys, labelled) -> None:
    code, out, err = run(capsys, "eval", "--json", labelled)
    assert code == EXIT_CLEAN and err == ""
    doc = json.loads(out)
    assert doc["rows"] == 5 and doc["file"] == str(labelled)
    for name in ("stemcheck", "baseline"):
        res = doc[name]
        o = res["overall"]
        assert o["tp"] + o["fp"] + o["fn"] + o["tn"] == 5
        assert o["tp"] + o["fn"] == 3
        for key in ("precision", "recall", "f1"):
            assert 0.0 <= o[key] <= 1.0
        assert res["honest_total"] == 2
        assert list(res["per_caution"]) == [f"C{i}" for i in range(1, 11)]
    assert doc["stemcheck"]["overall"]["f1"] == 1.0
    assert doc["baseline"]["name"] == "keyword baseline"


def test_eval_errors_option(capsys, tmp_path) -> None:
    path = tmp_path / "wrong.jsonl"
    # labelled wrongly on purpose: the checker disagrees with both
    rows = [{"text": "Our stem cells cure MS.", "label": "honest"},
            {"text": "Talk to your neurologist first.", "label": "claim", "cautions": ["C7"]}]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    code, out, _ = run(capsys, "eval", "--errors", path)
    assert code == EXIT_CLEAN
    assert "Scored wrong:" in out
    assert "[honest]" in out and "Our stem cells cure MS." in out
    assert "[claim]" in out and "Talk to your neurologist first." in out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"text": "Our stem cells cure MS.", "label": "claim"}\nnot json\n', ":2: not valid JSON"),
        (b'{"text": "Our stem cells cure MS.", "label": "maybe"}\n', ":1: needs"),
        (b'{"label": "claim"}\n', ":1: needs"),
        (b'{"text": 42, "label": "claim"}\n', ":1: needs"),
        (b'["Our stem cells cure MS.", "claim"]\n', ":1: needs"),
        (b"", "no labelled rows"),
        (b"\n\n  \n", "no labelled rows"),
        (b'{"text": "Our stem cells cure MS.", "label": "claim", "cautions": 5}\n', ""),
        (b'{"text": "Our stem cells cure MS.", "label": "claim", "cautions": null}\n', ""),
        (b'{"text": "Cl\xednica: our stem cells cure MS.", "label": "claim"}\n', ""),
    ],
    ids=["bad-json", "bad-label", "no-text", "text-not-string", "not-an-object", "empty", "blank",
         "cautions-not-a-list", "cautions-null", "latin1"],
)
def test_eval_invalid_labelled_file(capsys, tmp_path, content: bytes, problem: str) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_bytes(content)
    code, out, err = run(capsys, "eval", path)
    assert code == EXIT_ERROR, (code, out, err)
    assert out == ""
    assert err.startswith("stemcheck: ") and str(path) in err, err
    assert problem in err


def test_eval_missing_file_and_directory(capsys, tmp_path) -> None:
    missing = tmp_path / "missing.jsonl"
    code, out, err = run(capsys, "eval", missing)
    assert_input_error(code, out, err, str(missing))
    code, out, err = run(capsys, "eval", tmp_path)
    assert_input_error(code, out, err, str(tmp_path))


# -- a real process ------------------------------------------------------------------


def test_console_script_end_to_end() -> None:
    script = Path(sys.executable).with_name("stemcheck")
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "checker.cli"]
    proc = subprocess.run([*argv, "check", "examples/clinic-page.txt"], capture_output=True, cwd=ROOT,
                          env=subprocess_env(), timeout=120)
    assert proc.returncode == EXIT_FLAGGED, proc.stderr.decode()
    out = proc.stdout.decode("utf-8")
    assert out.startswith("examples/clinic-page.txt: seriously misleading")
    assert "Why:" in out and "Sources:" in out and not ANSI_RE.search(out)
    assert proc.stderr == b""


def test_module_stdin_text_and_html() -> None:
    proc = run_module("check", "--format", "json", "-", input="Our stem cells cure MS. Really.\n".encode())
    assert proc.returncode == EXIT_FLAGGED, proc.stderr.decode()
    [result] = json.loads(proc.stdout)["results"]
    assert result["source"] == "<stdin>"
    [f] = result["report"]["findings"]
    assert f["text"] == "cure MS" and f["html_start"] is None

    page = "<!DOCTYPE html><html><body><p>Our <b>stem cells</b> cure MS.</p></body></html>"
    proc = run_module("check", "--format", "json", "-", input=page.encode())
    assert proc.returncode == EXIT_FLAGGED, proc.stderr.decode()
    [f] = json.loads(proc.stdout)["results"][0]["report"]["findings"]
    assert page[f["html_start"] : f["html_end"]] == "cure MS"

    proc = run_module("check", "-", input=b"Stem cells are not a cure for MS.\n")
    assert proc.returncode == EXIT_CLEAN, proc.stderr.decode()
    assert proc.stdout.decode().startswith("<stdin>: clean")

    proc = run_module("check", "-", input=b"caf\xe9\n")
    assert proc.returncode == EXIT_ERROR
    assert "<stdin>: not valid UTF-8" in proc.stderr.decode()


def test_output_does_not_depend_on_the_process() -> None:
    """Two fresh interpreters with different hash seeds print the same bytes."""
    argv = ("check", "--format", "json", "--all", CLINIC, CLINIC_HTML, HONEST)
    a = run_module(*argv, PYTHONHASHSEED="1")
    b = run_module(*argv, PYTHONHASHSEED="12345")
    assert a.returncode == b.returncode == EXIT_FLAGGED
    assert a.stdout == b.stdout
    json.loads(a.stdout)
