"""Helpers for tests that start a real API server process (`python -m api`)."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _output(proc: subprocess.Popen) -> str:
    pipe = proc.stdout or proc.stderr
    if pipe is None:
        return ""
    out = pipe.read()
    return (out.decode(errors="replace") if isinstance(out, bytes) else out)[-3000:]


def wait_until_healthy(proc: subprocess.Popen, port: int, seconds: float) -> None:
    """Poll /healthz until it answers 200; fail with the server's output if it exits, or
    after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early ({proc.returncode}): {_output(proc)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"server did not become healthy within {seconds:.0f} s")
        time.sleep(0.1)


def stop(proc: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM and wait up to `grace` seconds (0: kill at once), then kill; close its pipes."""
    if proc.poll() is None:
        if grace > 0:
            proc.terminate()
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
