"""The audit history database: runs stored whole, listed, and diffed claim by claim; the
same tests on SQLite and, when its binaries are installed, on a throwaway PostgreSQL."""

from __future__ import annotations

import csv
import glob
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from audit_pages import page_html
from serving import free_port

from checker.audit.history import HistoryError, connect, diff_runs, diff_text, list_runs, resolve_run, store_run
from checker.audit.page_check import AuditSettings
from checker.audit.runner import ordered_records, run_audit

RULES = AuditSettings(judge=False)


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return str(Path(found[-1]).parent) if found else None


@pytest.fixture(scope="module")
def postgres_url():
    bindir = _pg_bin()
    if bindir is None:
        print("\nPostgreSQL tests skipped: no initdb under /usr/lib/postgresql (apt-get install postgresql)")
        pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql)")
    tmp = Path(tempfile.mkdtemp(prefix="stemcheck-pg-"))
    shutil.chown(tmp, "postgres") if _is_root() else None
    port = free_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if _is_root() else []
    data = tmp / "data"
    subprocess.run([*as_pg, f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run([*as_pg, f"{bindir}/pg_ctl", "-D", str(data), "-w", "-l", str(tmp / "log"), "-o",
                    f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite")
    url = request.getfixturevalue("postgres_url")
    engine = connect(url)  # a clean schema for each test
    with engine.begin() as conn:
        for table in ("findings", "pages", "runs", "alembic_version"):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
    engine.dispose()
    return url


def two_runs(tmp_path: Path, db: str) -> tuple[dict, dict]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.html").write_text(page_html(0), encoding="utf-8")  # cures MS: stays
    (site / "b.html").write_text(page_html(1) + "<p>Our clinic has proven results: 90% of patients improve.</p>", encoding="utf-8")
    (site / "c.html").write_text(page_html(2), encoding="utf-8")  # goes away
    runs = []
    for n in (1, 2):
        out = tmp_path / f"run{n}"
        run = run_audit([str(site)], out, RULES, progress=False)
        store_run(connect(db), run, ordered_records(out), folder=out)
        runs.append(run)
        # Between the runs: b drops its proven-results claim and adds a risk denial; c is gone; d is new.
        (site / "b.html").write_text(page_html(1) + "<p>The procedure has no side effects.</p>", encoding="utf-8")
        (site / "c.html").unlink(missing_ok=True)
        (site / "d.html").write_text(page_html(3), encoding="utf-8")
    return runs[0], runs[1]


def test_a_diff_lists_exactly_the_claims_added_and_removed(tmp_path, db) -> None:
    a, b = two_runs(tmp_path, db)
    engine = connect(db)
    diff = diff_runs(engine, a["run_id"], b["run_id"])
    pages = {Path(p["page"]).name: p for p in diff["pages"]}
    assert pages["a.html"]["added"] == pages["a.html"]["removed"] == []
    assert [c["category"] for c in pages["a.html"]["unchanged"]] == ["cure-claim"]
    assert [c["category"] for c in pages["b.html"]["removed"]] == ["proven-efficacy"]
    assert [c["category"] for c in pages["b.html"]["added"]] == ["risk-denial"]
    assert pages["c.html"]["in"] == "only A" and {c["category"] for c in pages["c.html"]["removed"]} == {"candidacy"}
    assert pages["d.html"]["in"] == "only B" and [c["category"] for c in pages["d.html"]["added"]] == ["stop-medication"]
    text = diff_text(diff)
    assert "+ [risk-denial] no side effects" in text and "- [proven-efficacy]" in text
    # The same from the command line, with runs named by their folders, as text and JSON.
    from checker.cli import main

    assert main(["audit", "diff", str(tmp_path / "run1"), str(tmp_path / "run2"), "--db", db, "--json"]) == 0


def test_runs_are_listed_and_storing_a_run_again_replaces_it(tmp_path, db) -> None:
    a, b = two_runs(tmp_path, db)
    engine = connect(db)
    store_run(engine, a, ordered_records(tmp_path / "run1"))  # again, as after a resume
    runs = list_runs(engine)
    assert [r["run_id"] for r in runs] == [a["run_id"], b["run_id"]]
    assert [r["pages"] for r in runs] == [3, 3]
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM findings WHERE run_id = :r"), {"r": a["run_id"]}).scalar()
    csv_rows = (tmp_path / "run1" / "pages.jsonl").read_text().count("\n")
    assert csv_rows == 3 and n == sum(len(r["report"]["findings"]) for r in ordered_records(tmp_path / "run1"))
    assert resolve_run(engine, a["run_id"][:6]) == a["run_id"]
    assert resolve_run(engine, str(tmp_path / "run2")) == b["run_id"]
    with pytest.raises(HistoryError, match="no run"):
        resolve_run(engine, "zzzz")


def test_the_database_agrees_with_the_csv(tmp_path, db) -> None:
    import csv

    from checker.audit.reports import write_reports

    a, _ = two_runs(tmp_path, db)
    write_reports(tmp_path / "run1")
    rows = list(csv.DictReader((tmp_path / "run1" / "findings.csv").open(encoding="utf-8")))
    engine = connect(db)
    with engine.connect() as conn:
        stored = conn.execute(sa.text(
            "SELECT p.page_key, f.category, f.quote, f.start FROM findings f JOIN pages p ON p.id = f.page_id "
            "WHERE f.run_id = :r ORDER BY p.seq, f.start, f.\"end\", f.rule_id"), {"r": a["run_id"]}).all()
    assert [(r["page_id"], r["category"], r["quote"], int(r["start"])) for r in rows] == [tuple(s) for s in stored]


def test_a_database_that_cannot_be_opened_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(HistoryError, match="cannot use the history database"):
        connect(tmp_path / "no" / "such" / "dir" / "h.sqlite")


def test_a_database_failing_mid_run_leaves_the_reports_written(tmp_path, sample_folder, monkeypatch) -> None:
    from checker.audit import history
    from checker.audit.finish import finish_run

    out = tmp_path / "out"
    run = run_audit([str(sample_folder)], out, RULES, progress=False)
    calls = []

    def failing(quote: str) -> str:  # the database goes away after a few findings
        calls.append(quote)
        if len(calls) > 2:
            raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        return quote

    monkeypatch.setattr(history, "quote_key", failing)
    files, summary, error = finish_run(out, run, tmp_path / "h.sqlite")
    assert error and "disk I/O error" in error and len(calls) == 3
    records = ordered_records(out)
    def rows(name: str) -> int:
        return len(list(csv.DictReader((out / name).open(encoding="utf-8", newline=""))))

    assert summary.pages == len(records) == rows("pages.csv")
    assert sum(len(r["report"]["findings"]) for r in records if r["report"]) == rows("findings.csv") > 3
    assert "db" not in json.loads((out / "run.json").read_text())
    with connect(tmp_path / "h.sqlite").connect() as conn:  # the transaction was rolled back whole
        assert conn.execute(sa.select(sa.func.count()).select_from(history.RUNS)).scalar_one() == 0
