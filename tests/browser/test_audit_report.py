"""The audit's self-contained HTML report, opened in real headless Chromium."""

from __future__ import annotations

from pathlib import Path

from checker.audit.page_check import AuditSettings
from checker.audit.reports import write_reports
from checker.audit.runner import run_audit

ROOT = Path(__file__).resolve().parents[2]


def test_the_html_report_opens_offline_with_its_charts(browser, tmp_path) -> None:
    out = tmp_path / "audit"
    pages = ("clinic-page.html", "clinic-page.txt", "honest-page.txt")
    inputs = [*(str(ROOT / "examples" / p) for p in pages), str(tmp_path / "missing.html")]
    run_audit(inputs, out, AuditSettings(judge=False), progress=False)
    write_reports(out)
    context = browser.new_context()
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((out / "report.html").as_uri())
    charts = page.locator(".charts svg")
    assert charts.count() == 2 and all(c.is_visible() for c in charts.all())
    assert charts.first.bounding_box()["height"] > 100
    text = page.inner_text("body")
    assert "4 pages: 3 checked, 1 failed." in text and "Findings by kind of claim" in page.content()
    assert errors == []
    assert [u for u in requests if not u.startswith("file://")] == []  # self-contained
    context.close()
