"""Every check has a time budget and runs where it can be stopped (api/checkpool.py).

Behaviour only, with generous bounds: the timing targets themselves (healthz latency under
load, time to stop) are figures printed by benchmarks/deadlines.py, not asserted here.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from serving import free_port, stop, wait_until_healthy
from fastapi.testclient import TestClient

from api.app import create_app
from api.checkpool import CheckPool, ClientGone
from api.settings import Settings, SettingsError
from checker.deadline import CheckTimeout, deadline_after
from checker.pipeline import default_checker, rules_checker

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from proctree import cpu_seconds, descendants  # noqa: E402
CLAIM = "Our stem cell therapy cures multiple sclerosis and it has no side effects. "
HEAVY = CLAIM * 12_000  # ~900 KB: several seconds of checking on these machines
BUSY = range(10**14)  # sum() over it: minutes of C code holding the interpreter lock


def _cpu_used_over(pids_of, seconds: float) -> float:
    before = cpu_seconds(pids_of())
    time.sleep(seconds)
    return cpu_seconds(pids_of()) - before


def _goes_quiet(pids_of, within: float = 10.0, window: float = 0.5) -> bool:
    """Whether some ``window`` within ``within`` s uses under 30% of a core: never true while
    a busy loop runs on, soon true once it is stopped (a replacement worker's start-up
    may take a moment first)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if _cpu_used_over(pids_of, window) < 0.3 * window:
            return True
    return False


# --- settings --------------------------------------------------------------------------------


def test_budget_settings_from_the_environment():
    s = Settings.from_env({
        "STEMCHECK_CHECK_PROCESSES": "3", "STEMCHECK_CHECK_TIMEOUT": "2.5", "STEMCHECK_SHUTDOWN_TIMEOUT": "0",
    })
    assert (s.check_processes, s.check_timeout_s, s.shutdown_timeout_s) == (3, 2.5, 0.0)
    d = Settings.from_env({})
    assert (d.check_processes, d.check_timeout_s, d.shutdown_timeout_s) == (2, 10.0, 10.0)
    assert Settings.from_env({"STEMCHECK_CHECK_PROCESSES": "0"}).check_processes == 0
    assert d.check_max_tasks == 1000 and Settings.from_env({"STEMCHECK_CHECK_MAX_TASKS": "0"}).check_max_tasks == 0


@pytest.mark.parametrize("name, value", [
    ("STEMCHECK_CHECK_TIMEOUT", "soon"),
    ("STEMCHECK_CHECK_TIMEOUT", "nan"),
    ("STEMCHECK_CHECK_TIMEOUT", "0"),
    ("STEMCHECK_CHECK_TIMEOUT", "-1"),
    ("STEMCHECK_CHECK_TIMEOUT", "inf"),
    ("STEMCHECK_SHUTDOWN_TIMEOUT", "-0.5"),
    ("STEMCHECK_CHECK_PROCESSES", "-1"),
    ("STEMCHECK_CHECK_PROCESSES", "1000"),
    ("STEMCHECK_CHECK_MAX_TASKS", "-1"),
])
def test_bad_budget_settings_are_refused_by_name(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


# --- the checker's own deadline ------------------------------------------------------------------


def test_the_checker_stops_between_chunks_once_its_deadline_has_passed():
    checker = rules_checker()
    with pytest.raises(CheckTimeout):
        checker.check(HEAVY, deadline=time.monotonic() - 1)
    assert checker.check(CLAIM, deadline=deadline_after(60)).findings  # a budget left: a normal check


# --- the API: budget and error ---------------------------------------------------------------------


def _client(**kw) -> TestClient:
    return TestClient(create_app(Settings(rate_limit_per_minute=0, **kw), checker_factory=rules_checker))


@pytest.mark.parametrize("processes", [2, 0], ids=["processes", "threads"])
def test_a_check_past_its_budget_gets_a_json_503_and_the_next_check_works(processes):
    budget = 0.5
    with _client(check_processes=processes, check_timeout_s=budget) as c:
        t0 = time.monotonic()
        r = c.post("/v1/check", json={"text": HEAVY})
        elapsed = time.monotonic() - t0
        assert r.status_code == 503, r.text
        err = r.json()["error"]
        assert err["code"] == "check_timeout" and "0.5 s" in err["message"]
        assert elapsed < budget + 2.5  # the whole text would take several seconds
        r = c.post("/v1/check/batch", json={"documents": [{"id": "a", "text": HEAVY}]})
        assert r.status_code == 503 and r.json()["error"]["code"] == "check_timeout"
        ok = c.post("/v1/check", json={"text": CLAIM})
        assert ok.status_code == 200 and ok.json()["findings"]
        assert c.get("/v1/info").json()["limits"]["check_timeout_s"] == budget


def test_errors_raised_in_a_worker_keep_their_status_and_code():
    with _client(max_segments=2) as c:  # check_processes defaults to 2: checked in a worker
        r = c.post("/v1/check", json={"html": "<div>" * 5000 + "x"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_html"
        r = c.post("/v1/check", json={"text": "x", "categories": ["no-such-category"]})
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_category"


# --- the pool: work that will not stop by itself -------------------------------------------------


@pytest.fixture(scope="module")
def pool():
    # The default checker: loaded in the fork server already, so a replacement worker is
    # ready at once.
    p = CheckPool(default_checker, Settings(check_processes=1))
    p.catalogue()  # started and loaded
    yield p
    p.close(timeout=1)


def _pool_cpu_pids() -> list[int]:
    return descendants(os.getpid(), include_self=False)


def test_work_holding_the_interpreter_lock_is_stopped_at_its_deadline(pool):
    t0 = time.monotonic()
    with pytest.raises(CheckTimeout):
        asyncio.run(pool.run(sum, (BUSY,), deadline=deadline_after(0.3)))
    assert time.monotonic() - t0 < 0.3 + 1.5
    assert _goes_quiet(_pool_cpu_pids)  # nothing of it still running
    assert asyncio.run(pool.run(sum, (range(10),), deadline=deadline_after(30))) == 45  # a fresh worker


def test_work_of_a_client_that_left_is_stopped(pool):
    t_gone = time.monotonic() + 0.3

    async def disconnected() -> bool:
        return time.monotonic() > t_gone

    with pytest.raises(ClientGone):
        asyncio.run(pool.run(sum, (BUSY,), deadline=deadline_after(60), disconnected=disconnected))
    assert time.monotonic() - t_gone < 1.5
    assert _goes_quiet(_pool_cpu_pids)
    assert asyncio.run(pool.run(sum, (range(4),), deadline=deadline_after(30))) == 6


def test_a_worker_is_replaced_after_its_task_limit():
    p = CheckPool(default_checker, Settings(check_processes=1, check_max_tasks=2))
    try:
        pids = [asyncio.run(p.run(os.getpid, (), deadline=deadline_after(30))) for _ in range(5)]
    finally:
        p.close(timeout=1)
    assert pids[0] == pids[1] != pids[2] == pids[3] != pids[4]  # a fresh process every 2 checks


# --- a real server -----------------------------------------------------------------------------------


def _start_server(**env_extra: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, STEMCHECK_RATE_LIMIT_PER_MINUTE="0", STEMCHECK_JUDGE="off", **env_extra)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    wait_until_healthy(proc, port, 90)
    return proc, port


def _stop(proc: subprocess.Popen) -> None:
    stop(proc, grace=0)


def _post(port: int, body: dict, timeout: float = 60) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", "/v1/check", body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"{}")


@pytest.fixture(scope="module")
def server():
    # The heavy checks run for up to 4 s; bodies up to 8 MB, for the abandoned check below.
    proc, port = _start_server(STEMCHECK_CHECK_TIMEOUT="4", STEMCHECK_MAX_BODY_BYTES="8000000")
    yield proc, port
    _stop(proc)


def test_healthz_is_answered_while_four_heavy_checks_run(server):
    proc, port = server
    statuses: list[int] = []
    heavy = [
        threading.Thread(target=lambda: statuses.append(_post(port, {"text": HEAVY})[0]), daemon=True)
        for _ in range(4)
    ]
    for t in heavy:
        t.start()
    time.sleep(0.5)
    for _ in range(5):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)  # well beyond the 100 ms target
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
    assert all(t.is_alive() for t in heavy)  # they really were running meanwhile
    # A small check waits for a free worker, within its own budget.
    assert _post(port, {"text": CLAIM}, timeout=10)[0] in (200, 503)
    for t in heavy:
        t.join(timeout=60)
    assert len(statuses) == 4 and set(statuses) <= {200, 503}  # done, or stopped at the budget


def test_an_abandoned_request_stops_using_cpu(server):
    proc, port = server
    body = json.dumps({"text": CLAIM * 80_000}).encode()  # ~6 MB: far more work than 4 s
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    )
    time.sleep(1.0)
    busy = _cpu_used_over(lambda: descendants(proc.pid), 0.5)
    assert busy > 0.2  # the check is running
    sock.close()
    # Quiet within 2 s of leaving: well before the 4 s budget would have stopped it.
    assert _goes_quiet(lambda: descendants(proc.pid), within=2.0)
    assert _post(port, {"text": CLAIM})[0] == 200


def test_sigterm_lets_the_request_in_flight_finish_then_exits():
    proc, port = _start_server(STEMCHECK_SHUTDOWN_TIMEOUT="20")
    try:
        result: dict = {}

        def call() -> None:
            result["status"], result["body"] = _post(port, {"text": CLAIM * 2500})  # ~1-2 s of work

        t = threading.Thread(target=call)
        t.start()
        time.sleep(0.4)
        proc.send_signal(signal.SIGTERM)
        t.join(timeout=60)
        assert result.get("status") == 200 and len(result["body"]["findings"]) > 1000
        # uvicorn re-raises the signal once it has drained, so the exit status is "ended by SIGTERM".
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)
        time.sleep(0.5)
        assert descendants(proc.pid, include_self=False) == []  # no worker left behind
    finally:
        _stop(proc)
