"""`stemcheck audit`: many pages in, a folder of consistent reports out; failures recorded,
never fatal; interrupted runs resume; fetched pages kept and re-checkable offline."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from audit_pages import ROOT, page_html

from checker.audit.fetch import Fetcher, FetchSettings, Store
from checker.audit.page_check import AuditSettings
from checker.audit.reports import write_reports
from checker.audit.runner import AuditError, ordered_records, run_audit

RULES = AuditSettings(judge=False)


def audit(inputs, out: Path, settings: AuditSettings = RULES, **kw) -> list[dict]:
    run_audit([str(i) for i in inputs], out, settings, progress=False, **kw)
    write_reports(out)
    return ordered_records(out)


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def findings_of(records: list[dict]) -> list[tuple]:
    """What was found, independent of the run (ids, times)."""
    return [(r["id"], r["sha256"], r["status"], json.dumps(r["report"]["findings"] if r["report"] else None, sort_keys=True))
            for r in records]


def test_a_folder_and_a_jsonl_file_give_outputs_that_agree(tmp_path, sample_folder) -> None:
    jsonl = tmp_path / "pages.jsonl"
    jsonl.write_text("\n".join([
        json.dumps({"id": "j-1", "url": "https://clinic.example/one", "html": page_html(1)}),
        json.dumps({"id": "j-2", "text": "Stem cells are not a cure."}),
        "{not json",
        json.dumps({"id": "j-3", "text": "a", "html": "<p>b</p>"}),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    records = audit([sample_folder, jsonl, tmp_path / "nowhere.html"], out)
    ids = [r["id"] for r in records]
    assert len(ids) == 8 + 4 + 1 and len(set(ids)) == len(ids)  # the .pdf in the folder is not a page
    by_id = {r["id"]: r for r in records}
    assert by_id[str(sample_folder / "more" / "latin1.txt")]["error"].startswith("unreadable")
    assert "no such file" in by_id[str(tmp_path / "nowhere.html")]["error"]
    assert "exactly one of" in by_id["j-3"]["error"]
    assert by_id["j-1"]["url"] == "https://clinic.example/one" and by_id["j-1"]["warnings"] >= 1
    assert by_id["j-2"]["verdict"] == "clean"

    # One row a page in pages.csv, clean and failed pages included; one row a finding.
    pages = read_csv(out / "pages.csv")
    assert [p["page_id"] for p in pages] == ids
    assert sum(1 for p in pages if p["status"] == "failed") == sum(1 for r in records if r["status"] == "failed") == 4
    findings = read_csv(out / "findings.csv")
    assert len(findings) == sum(len(r["report"]["findings"]) for r in records if r["report"])
    for p, r in zip(pages, records):
        assert p["sha256"] == (r["sha256"] or "")
        assert int(p["warnings"]) == sum(1 for f in findings if f["page_id"] == r["id"] and f["warning"] == "True")
        if r["status"] == "ok":
            assert int(p["cure-claim"]) == r["by_category"].get("cure-claim", 0)
    run = json.loads((out / "run.json").read_text())
    for f in findings:
        assert f["rule_pack_hash"] == run["rule_pack"]["hash"] and f["run_started"] == run["started"]
    sarif = json.loads((out / "results.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == len(findings)
    md = (out / "report.md").read_text()
    assert run["rule_pack"]["hash"] in md and "13 pages: 9 checked, 4 failed." in md
    html = (out / "report.html").read_text()
    assert html.count("<svg") == 2 and "http" not in html.split("<svg")[0].split("<body>")[0]


def test_a_warc_file(tmp_path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    warc = tmp_path / "crawl.warc.gz"
    with warc.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, status, ctype, body in [
            ("https://a.example/", "200 OK", "text/html; charset=utf-8", page_html(0).encode()),
            ("https://b.example/gone", "404 Not Found", "text/html", b"<p>gone</p>"),
            ("https://c.example/leaflet.pdf", "200 OK", "application/pdf", b"%PDF-1.4"),
            ("https://d.example/", "200 OK", "text/html; charset=windows-1252", page_html(1).encode("cp1252")),
        ]:
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
        writer.write_record(writer.create_warc_record("https://a.example/", "request", payload=io.BytesIO(b"GET /")))
    records = {r["id"]: r for r in audit([warc], tmp_path / "out")}
    assert set(records) == {"https://a.example/", "https://b.example/gone", "https://c.example/leaflet.pdf", "https://d.example/"}
    assert records["https://a.example/"]["by_category"] == {"cure-claim": 1}
    assert records["https://d.example/"]["status"] == "ok" and records["https://d.example/"]["kind"] == "html"
    assert "HTTP status 404" in records["https://b.example/gone"]["error"]
    assert "content type application/pdf" in records["https://c.example/leaflet.pdf"]["error"]


def test_urls_fetched_with_every_failure_recorded(tmp_path, web_server) -> None:
    server, base = web_server
    urls = tmp_path / "urls.txt"
    paths = ["/page/0", "/page/1", "/slow", "/missing", "/loop", "/report.pdf", "/huge", "/private/page", "/page/2"]
    urls.write_text("# clinics\n" + "\n".join(base + p for p in paths) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    fetch_settings = FetchSettings(timeout_s=0.5, max_bytes=100_000, max_redirects=3, host_delay_s=0.0, retries=1,
                                   backoff_s=0.05)
    fetcher = Fetcher(Store(out / "store"), fetch_settings)
    records = {r["id"][len(base):]: r for r in audit([urls], out, AuditSettings(judge=False, max_bytes=100_000), fetch=fetcher)}
    assert [p for p in paths if records[p]["status"] == "ok"] == ["/page/0", "/page/1", "/page/2"]
    assert records["/page/0"]["by_category"] == {"cure-claim": 1}
    assert "timed out" in records["/slow"]["error"]
    assert "HTTP 404" in records["/missing"]["error"]
    assert "redirects" in records["/loop"]["error"]
    assert "application/pdf" in records["/report.pdf"]["error"]
    assert "too big" in records["/huge"]["error"]
    assert "robots.txt" in records["/private/page"]["error"]
    assert "/private/page" not in server.hits  # never requested
    assert server.hits.count("/slow") == 2  # one retry
    assert server.hits.count("/robots.txt") == 1
    # Every fetch is kept, with its time and hash; bodies under their SHA-256.
    index = [json.loads(line) for line in (out / "store" / "index.jsonl").read_text().splitlines()]
    ok = [e for e in index if not e["error"]]
    assert len(ok) == 3 and all((out / "store" / f"{e['sha256']}.body").exists() for e in ok)
    assert all(e["fetched_at"] for e in index)
    # Re-run offline from the store: no request made, the same findings.
    server.hits.clear()
    again = tmp_path / "again"
    fetcher = Fetcher(Store(out / "store"), fetch_settings, from_store=True)
    records2 = audit([urls], again, AuditSettings(judge=False, max_bytes=100_000), fetch=fetcher)
    assert server.hits == []
    assert findings_of(records2) == findings_of(ordered_records(out))
    # findings.csv the same, byte for byte, but for the run's own id and start time.
    def without_run(path: Path) -> list[dict]:
        return [{k: v for k, v in row.items() if k not in ("run_id", "run_started")} for row in read_csv(path)]

    assert without_run(again / "findings.csv") == without_run(out / "findings.csv")
    assert len(read_csv(out / "findings.csv")) >= 3


def test_two_jobs_give_the_same_records_as_one(tmp_path, sample_folder) -> None:
    one = audit([sample_folder], tmp_path / "one")
    two = audit([sample_folder], tmp_path / "two", jobs=2)
    assert findings_of(one) == findings_of(two)


def test_an_interrupted_run_resumes_without_loss_or_repeat(tmp_path, sample_folder) -> None:
    whole = audit([sample_folder], tmp_path / "whole")
    out = tmp_path / "part"
    run_audit([str(sample_folder)], out, RULES, progress=False, stop_after=3)
    with (out / "pages.jsonl").open("a") as fh:
        fh.write('{"id": "torn')  # a line cut off by the kill
    resumed = audit([sample_folder], out)
    assert findings_of(resumed) == findings_of(whole)
    run = json.loads((out / "run.json").read_text())
    assert run["resumed"] == 1 and "finished" in run


def test_a_killed_process_resumes_to_the_same_findings(tmp_path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(120):
        (folder / f"p{i:03}.html").write_text(page_html(i) * 20, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "checker.cli", "audit", str(folder), "--out", str(tmp_path / "killed"), "--no-judge",
           "--progress", "never"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    pages = tmp_path / "killed" / "pages.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not pages.exists() or pages.read_bytes().count(b"\n") < 10):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = pages.read_bytes().count(b"\n")
    assert 10 <= done_before < 120, "the run was not killed in the middle"
    assert subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True).returncode == 1  # pages with warnings
    resumed = ordered_records(tmp_path / "killed")
    whole = audit([folder], tmp_path / "whole")
    assert len(resumed) == 120
    assert findings_of(resumed) == findings_of(whole)


def test_another_audit_in_the_same_folder_is_refused(tmp_path, sample_folder) -> None:
    audit([sample_folder], tmp_path / "out")
    with pytest.raises(AuditError, match="another audit"):
        run_audit([str(sample_folder)], tmp_path / "out", AuditSettings(judge=False, include_all=True), progress=False)


def test_the_judge_runs_in_audits_too(tmp_path, sample_folder) -> None:
    records = audit([sample_folder / "clinic-0.html"], tmp_path / "out", AuditSettings())
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["judge"]["name"].startswith("stemcheck-judge")
    assert records[0]["report"]["judge"]["version"] == run["judge"]["version"]


def test_a_page_over_the_size_limit_fails_alone(tmp_path, sample_folder) -> None:
    (sample_folder / "huge.html").write_text("<p>" + "stem cells cure MS. " * 2000 + "</p>", encoding="utf-8")
    records = {Path(r["id"]).name: r for r in audit([sample_folder], tmp_path / "out", AuditSettings(judge=False, max_bytes=20_000))}
    assert records["huge.html"]["status"] == "failed" and "too big" in records["huge.html"]["error"]
    assert records["clinic-0.html"]["status"] == "ok"


def test_the_progress_bar_shows_on_request_and_is_quiet_otherwise(tmp_path, sample_folder) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    base = [sys.executable, "-m", "checker.cli", "audit", str(sample_folder), "--no-judge"]
    shown = subprocess.run(base + ["--out", str(tmp_path / "a"), "--progress", "always"], env=env, capture_output=True,
                           text=True)
    assert re.search(r"audit: 100%.*8/8.*page/s", shown.stderr), shown.stderr
    quiet = subprocess.run(base + ["--out", str(tmp_path / "b")], env=env, capture_output=True, text=True)
    assert "%" not in quiet.stderr and quiet.stderr.startswith("audit ")  # not a terminal: one summary line


REPORT_FILES = ("findings.csv", "pages.csv", "report.md", "report.html", "results.sarif")


def test_reports_do_not_depend_on_the_order_or_format_of_the_lines(tmp_path, sample_folder) -> None:
    out = tmp_path / "out"
    records = audit([sample_folder], out)
    first = {name: (out / name).read_bytes() for name in REPORT_FILES}
    lines = (out / "pages.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    assert all(line.startswith('{"seq": ') for line in lines)  # indexed without parsing the reports
    # Lines out of input order (as after some resumes) and lines an older stemcheck wrote
    # (keys sorted, seq not first) give the same records and byte-identical reports.
    older = [json.dumps(json.loads(line), ensure_ascii=False, sort_keys=True) + "\n" for line in lines]
    (out / "pages.jsonl").write_text("".join(older[3:] + lines[:3][::-1]), encoding="utf-8")
    assert ordered_records(out) == records
    write_reports(out)
    assert {name: (out / name).read_bytes() for name in REPORT_FILES} == first
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_reports_are_replaced_whole_or_not_at_all(tmp_path, sample_folder) -> None:
    out = tmp_path / "out"
    audit([sample_folder], out)
    before = {name: (out / name).read_bytes() for name in REPORT_FILES}

    def broken():
        yield from ordered_records(out)[:2]
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        write_reports(out, broken())
    assert {name: (out / name).read_bytes() for name in REPORT_FILES} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
