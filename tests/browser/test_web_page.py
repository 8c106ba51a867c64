"""The web page for patient advocates, used as a person would, in real headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CLINIC_HTML = (ROOT / "examples" / "clinic-page.html").read_text(encoding="utf-8")
HONEST_TEXT = (ROOT / "examples" / "honest-page.txt").read_text(encoding="utf-8")


def run_check(page) -> dict:
    """Press Check; the API's answer, once the page shows it."""
    with page.expect_response(lambda r: r.url.endswith("/v1/check")) as info:
        page.click("#check-button")
    data = info.value.json()
    page.wait_for_selector("#results:not([hidden])")
    return data


def warning_categories(data: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in data["findings"]:
        if f["warning"]:
            counts[f["category"]] = counts.get(f["category"], 0) + 1
    return counts


def test_the_example_text_is_marked_for_the_expected_kinds_of_claim(page) -> None:
    page.click("[data-example=text]")
    data = run_check(page)
    cats = warning_categories(data)
    for expected in ("cure-claim", "fda-approval", "risk-denial", "stop-medication", "marketing-red-flag"):
        assert expected in cats, cats
    marks = page.locator("#highlighted mark")
    assert marks.count() >= len(data["findings"]) - 1  # overlapping claims may share a mark
    marked = " ".join(marks.all_text_contents())
    for f in data["findings"]:
        assert f["text"].split()[0] in marked
    assert "seriously misleading" in page.inner_text("#verdict")


def test_an_honest_text_has_no_marks(page) -> None:
    page.fill("#input", HONEST_TEXT)
    data = run_check(page)
    assert data["summary"]["warnings"] == 0
    assert page.locator("#highlighted mark").count() == 0
    assert page.is_hidden("#questions-section")
    assert "no claims" in page.inner_text("#verdict")


def test_after_an_example_a_pasted_page_is_checked_as_html(page) -> None:
    page.click("[data-example=text]")
    run_check(page)
    # A real paste from the clipboard, over the example.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("text => navigator.clipboard.writeText(text)", CLINIC_HTML)
    page.fill("#input", "")
    page.focus("#input")
    page.keyboard.press("Control+V")
    expect(page.locator("#input")).to_have_value(re.compile(r"[\s\S]{100}"))
    assert "HTML" in page.inner_text("#kind-note")
    with page.expect_request(lambda r: r.url.endswith("/v1/check")) as req:
        data = run_check(page)
    body = json.loads(req.value.post_data)
    assert "html" in body and "text" not in body
    assert data["input"] == "html"
    # Tags and comments are not checked as words: the comment's "cure" is not flagged.
    assert all("<" not in f["text"] for f in data["findings"])
    assert "internal note" not in page.inner_text("#highlighted")
    assert page.locator("#highlighted mark").count() >= 8


def test_a_page_chosen_as_plain_text_is_checked_as_text(page) -> None:
    page.fill("#input", "<p>Our stem cell therapy cures multiple sclerosis.</p>")
    page.check("input[name=kind][value=text]")
    with page.expect_request(lambda r: r.url.endswith("/v1/check")) as req:
        data = run_check(page)
    assert "text" in json.loads(req.value.post_data)
    # Even as text, a claim that ends right before a tag is found.
    assert "cure-claim" in warning_categories(data)


def test_a_saved_page_can_be_opened(page, tmp_path) -> None:
    saved = tmp_path / "clinic.html"
    saved.write_text(CLINIC_HTML, encoding="utf-8")
    page.set_input_files("#file", str(saved))
    expect(page.locator("#input")).to_have_value(re.compile(r"[\s\S]{100}"))
    assert page.is_checked("input[name=kind][value=html]")
    data = run_check(page)
    assert data["input"] == "html" and data["summary"]["warnings"] >= 8


def test_the_keyboard_alone_opens_and_closes_an_explanation(page) -> None:
    page.click("[data-example=text]")
    run_check(page)
    page.focus("#results-heading")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "MARK":
            break
    else:
        raise AssertionError("Tab never reached a marked claim")
    page.keyboard.press("Enter")
    dialog = page.locator("#popover[role=dialog]")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    for part in ("The problem", "What medicine knows", "An honest way to say it", "Sources"):
        assert part in text
    assert page.evaluate("document.activeElement.id") == "popover-close"
    assert page.get_attribute("#highlighted mark[aria-expanded=true]", "role") == "button"
    # Technical detail is behind a disclosure, closed at first.
    assert not dialog.locator("details.tech").first.evaluate("d => d.open")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.tagName") == "MARK"


def test_the_summary_and_the_questions_follow_the_findings(page) -> None:
    rules = page.evaluate("fetch('/v1/rules').then(r => r.json())")
    questions = {c["name"]: c["questions"] for c in rules["categories"]}
    page.click("[data-example=html]")
    data = run_check(page)
    cats = warning_categories(data)
    items = page.locator("#summary li")
    shown = {items.nth(i).get_attribute("data-category"): items.nth(i).inner_text() for i in range(items.count())}
    assert set(shown) == set(cats)
    for cat, n in cats.items():
        assert re.search(rf"\b{n} place", shown[cat]), (cat, shown[cat])
    asked = page.locator("#questions h4")
    assert {asked.nth(i).get_attribute("data-category") for i in range(asked.count())} == set(cats)
    text = page.inner_text("#questions")
    for cat in cats:
        for q in questions[cat]:
            assert q in text


def test_the_markdown_export_holds_every_finding(page) -> None:
    page.click("[data-example=html]")
    data = run_check(page)
    with page.expect_download() as dl:
        page.click("#download-md")
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert data["rule_pack"]["hash"] in md
    assert len(re.findall(r"^### \d+\. ", md, flags=re.M)) == len(data["findings"])
    for f in data["findings"]:
        assert f"rule `{f['rule_id']}`" in md and f"characters {f['start']}–{f['end']}" in md
    with page.expect_download() as dl:
        page.click("#download-json")
    assert json.loads(Path(dl.value.path()).read_text(encoding="utf-8")) == data
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#copy-md")
    expect(page.locator("#export-status")).to_contain_text("copied")
    assert page.evaluate("navigator.clipboard.readText()") == md


def test_printing_shows_the_report_without_the_form(page) -> None:
    page.click("[data-example=text]")
    data = run_check(page)
    page.wait_for_selector("#findings[data-filled]", state="attached")
    page.emulate_media(media="print")
    assert page.is_hidden("#check-form")
    assert page.is_hidden(".export")
    meta = page.inner_text("#report-meta")
    assert "Checked on" in meta and data["rule_pack"]["version"] in meta and data["rule_pack"]["hash"][:16] in meta
    # Every finding's explanation is printed, not only its one-line summary.
    rewrites = page.locator("#findings .rewrite")
    assert rewrites.count() == page.locator("#findings details.finding").count()
    assert all(rewrites.nth(i).is_visible() for i in range(rewrites.count()))
    assert page.pdf()[:4] == b"%PDF"  # what "save as PDF" gives


def test_pasted_markup_is_never_run(page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    payload = (
        "<p>Our stem cells cure MS.<img src=x onerror=\"window.__pwned=1;alert(1)\"></p>"
        "<script>window.__pwned=2</script><svg onload=\"window.__pwned=3\"></svg>"
        "<p><a href=\"javascript:window.__pwned=4\">It is FDA-approved</a>"
        "<b onmouseover=\"window.__pwned=5\">no side effects</b></p>"
    )
    for kind in ("auto", "text"):
        page.fill("#input", payload)
        page.check(f"input[name=kind][value={kind}]")
        run_check(page)
        for mark in page.locator("#highlighted mark").all():
            mark.hover()
            mark.click()
        page.keyboard.press("Escape")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned") is None
        assert dialogs == []
        assert page.locator("#results img, #results script, #results svg, #results a[href^=javascript]").count() == 0
    csp = page.evaluate("fetch('/').then(r => r.headers.get('content-security-policy'))")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_a_long_report_renders_every_finding(page) -> None:
    # 5,000 findings over about 1 MB of text: the rendering alone (the check is mocked
    # here; benchmarks/browser.py measures a real one).
    sentence = "Our stem cell therapy cures multiple sclerosis and is FDA-approved for everyone. "
    text = sentence * 12_500  # about 1 MB
    findings = []
    for i in range(5_000):
        start = i * 2 * len(sentence) + 22
        findings.append({
            "category": "cure-claim", "rule_id": "cure-claim.cures-disease", "severity": "critical",
            "confidence": 0.99, "assertion": "asserted", "warning": True, "start": start, "end": start + 24,
            "start_utf16": start, "end_utf16": start + 24, "text": "cures multiple sclerosis",
            "sentence": sentence.strip(), "sentence_start": start - 22, "sentence_end": start + 80,
            "caution": "C1", "caution_title": "Stem cells are not a cure", "message": "Says it cures.",
            "explanation": "No cure.", "suggestion": "Say it is studied.", "sources": [],
            "evidence": {}, "html_start": None, "html_end": None,
        })
    body = {
        "findings": findings, "text": text, "input": "text", "include_all": False, "checker_version": "test",
        "judge": None, "rule_pack": {"name": "stemcheck-core", "version": "0.0.0", "hash": "0" * 64},
        "summary": {"warnings": 5000, "findings": 5000, "by_category": {"cure-claim": 5000},
                    "by_severity": {"critical": 5000}, "verdict": "seriously misleading", "score": 1.0, "sentences": 12500},
    }
    page.route("**/v1/check", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(body)))
    page.fill("#input", "x")
    run_check(page)
    assert page.locator("#highlighted mark").count() == 5000
    assert page.locator("#findings details.finding").count() == 5000
    assert "5000 places" in page.inner_text("#summary")
    print(f"\n5,000 findings, 1 MB: rendered in {page.evaluate('document.body.dataset.renderMs')} ms")


def test_the_api_documentation_works_offline(browser, server_url) -> None:
    context = browser.new_context()
    outside: list[str] = []

    def only_loopback(route):
        if route.request.url.startswith(server_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.goto(server_url + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    text = page.inner_text("body")
    assert "/v1/check" in text and "/v1/rules" in text
    assert outside == []
    context.close()


def test_screenshots_at_desktop_and_phone_width(browser, server_url) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("web-page-desktop", (1280, 900)), ("web-page-phone", (390, 844))):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, device_scale_factor=1)
        pg = context.new_page()
        pg.goto(server_url + "/")
        pg.click("[data-example=html]")
        run_check(pg)
        pg.locator("#highlighted mark").first.click()
        pg.wait_for_selector("#popover:not([hidden])")
        path = SCREENSHOTS / f"{name}.png"
        # Desktop: the whole report; phone: the screen as a person sees it, explanation open.
        pg.screenshot(path=str(path), full_page=viewport[0] > 600)
        assert path.stat().st_size > 10_000
        context.close()


def test_no_accessibility_violations(page) -> None:
    # axe-core (as shipped in axe-playwright-python) with the WCAG 2.1 A and AA rules, on the
    # form, then on a result with an explanation open, at desktop and phone width.
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    axe = Axe()
    problems = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(page.url)
        results = [axe.run(page, options=options)]
        page.click("[data-example=html]")
        run_check(page)
        page.locator("#findings details.finding summary").first.click()
        page.locator("#highlighted mark").first.click()
        page.wait_for_selector("#popover:not([hidden])")
        results.append(axe.run(page, options=options))
        for r in results:
            problems += [
                f"{width}px {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in r.response["violations"]
            ]
    assert problems == []
