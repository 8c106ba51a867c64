"""A real server: `python -m api` (uvicorn) on a free loopback port, checked over HTTP."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from serving import free_port, stop, wait_until_healthy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update({"STEMCHECK_JUDGE": "off", "STEMCHECK_RATE_LIMIT_PER_MINUTE": "0", "STEMCHECK_MAX_BODY_BYTES": "50000"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        first_line = proc.stdout.readline()
        wait_until_healthy(proc, port, 60)
        yield base, port, first_line
    finally:
        stop(proc)  # SIGTERM by PID


def test_prints_its_address(server):
    base, port, first_line = server
    assert f"http://127.0.0.1:{port}" in first_line


def test_checks_a_page_over_http(server):
    base, _, _ = server
    page = (ROOT / "examples" / "clinic-page.html").read_text(encoding="utf-8")
    with httpx.Client(base_url=base, timeout=30) as client:
        r = client.post("/v1/check", json={"html": page})
        assert r.status_code == 200
        data = r.json()
        assert data["summary"]["verdict"] == "seriously misleading"
        assert "FDA-approved" in [f["text"] for f in data["findings"]]
        for f in data["findings"]:
            assert page[f["html_start"] : f["html_end"]]
        assert client.get("/v1/info").json()["limits"]["max_body_bytes"] == 50000
        assert client.get("/").status_code == 200
        err = client.post("/v1/check", content=b"{nope", headers={"content-type": "application/json"})
        assert err.status_code == 400 and err.json()["error"]["code"] == "malformed_json"


def test_chunked_oversize_body_is_refused_over_http(server):
    _, port, _ = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def body():
        yield b'{"text": "'
        for _ in range(100):
            yield b"x" * 1000  # 100 kB, over the 50 kB limit, with no Content-Length
        yield b'"}'

    try:
        conn.request("POST", "/v1/check", body=body(), headers={"Content-Type": "application/json"}, encode_chunked=True)
        response = conn.getresponse()
        assert response.status == 413
        assert b"body_too_large" in response.read()
    finally:
        conn.close()
