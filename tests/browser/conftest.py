"""Fixtures for the end-to-end tests in a real browser: Debian's Chromium driven by
Playwright, against a real API server (`python -m api`) on a free loopback port.

A missing browser fails these tests loudly: `make test` installs Chromium, so on a
machine set up the documented way it is always there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from serving import free_port, stop, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]
# The browser binary itself: /usr/bin/chromium is Debian's wrapper script.
CHROMIUM = os.environ.get("STEMCHECK_CHROMIUM", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def start_server(extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`python -m api` with the judge on, as users run it; returns the process and base URL."""
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update({"STEMCHECK_RATE_LIMIT_PER_MINUTE": "0", "STEMCHECK_CHECK_PROCESSES": "1"})
    env.update(extra_env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_until_healthy(proc, port, 90)
    except BaseException:
        stop(proc, 0)
        raise
    return proc, f"http://127.0.0.1:{port}"


def launch_chromium(playwright):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"No Chromium at {CHROMIUM}: the browser tests need Debian's chromium package "
            "(`make test` installs it; or set STEMCHECK_CHROMIUM to a Chromium binary)."
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def server_url():
    proc, base = start_server()
    try:
        yield base
    finally:
        stop(proc)


# Module scope, not session: while Playwright's sync API is open it holds an event loop on
# this thread, which would break later tests that run one of their own (anyio.run).
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser, server_url):
    """A fresh page on the web page, with every console error and page error collected
    (a test fails if any appear)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(server_url + "/")
    yield pg
    context.close()
    assert not errors, f"errors in the page: {errors}"
