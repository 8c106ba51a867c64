"""Load benchmark of the HTTP API against a real uvicorn process (one worker, loopback only).

    .venv/bin/python benchmarks/api_load.py [--requests 300] [--duration 10] [--profile]

1. Builds a ~3 KB clinic-like page from examples/clinic-page.txt.
2. Starts ``python -m uvicorn api.app:app`` (one worker) on a free 127.0.0.1 port,
   with rate limiting off, and waits for /healthz.
3. Latency at ONE connection: a keep-alive http.client loop over POST /v1/check,
   after a warm-up; prints p50 / p99 (and the in-process core check time, so the
   API's own overhead is visible); then the same over fresh pages of corpus sentences,
   which the judge's memo of recent sentences cannot help.
4. Throughput at 32 connections with ``wrk`` (found on PATH, or installed with
   ``apt-get install -y wrk`` when running as root): /healthz and POST /v1/check,
   req/s, p50, p99, error counts, and check_rps / healthz_rps.
5. Stops the server by PID.  ``--profile`` adds a cProfile of the check path.

Targets (2-core machine, one worker): p99 < 15 ms at one connection; peak RSS < 400 MB; at 32
connections no errors and check req/s >= 0.3 x healthz req/s.
Everything is bounded: --max-seconds caps the latency loop, wrk runs --duration.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proctree import tree_pss_mb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TARGET_P99_MS = 15.0
TARGET_RSS_MB = 400  # one API worker, rules and judge loaded
TARGET_RATIO = 0.3


# --- the page ------------------------------------------------------------------------------


def build_page(target_bytes: int = 3000) -> str:
    """Paragraphs of clinic-like sentences, cycled from the example page up to ~target_bytes."""
    seed = (ROOT / "examples" / "clinic-page.txt").read_text(encoding="utf-8")
    sentences = [s.strip() for line in seed.splitlines() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()]
    paragraphs: list[str] = []
    current: list[str] = []
    size = 0
    i = 0
    while size < target_bytes:
        s = sentences[i % len(sentences)]
        current.append(s)
        size += len(s.encode()) + 1
        i += 1
        if len(current) == 4:
            paragraphs.append(" ".join(current))
            current = []
            size += 1
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


# --- server ----------------------------------------------------------------------------------


def varied_pages(page_bytes: int = 3000) -> Iterator[str]:
    """Endless ~3 KB pages of corpus sentences, each sentence in turn (then round again)."""
    texts = [json.loads(line)["text"] for line in (ROOT / "corpus" / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    i = 0
    while True:
        page, size = [], 0
        while size < page_bytes:
            page.append(texts[i % len(texts)])
            size += len(page[-1]) + 1
            i += 1
        yield " ".join(page)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(
    port: int, check_threads: int | None, workers: int = 1, check_processes: int | None = None
) -> subprocess.Popen:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["STEMCHECK_RATE_LIMIT_PER_MINUTE"] = "0"  # the benchmark is one client hammering the server
    if check_threads:
        env["STEMCHECK_CHECK_THREADS"] = str(check_threads)
    if check_processes is not None:
        env["STEMCHECK_CHECK_PROCESSES"] = str(check_processes)
    cmd = [
        sys.executable, "-m", "uvicorn", "api.app:app",
        "--host", HOST, "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"server exited with {proc.returncode}:\n{err}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server not healthy after {timeout:.0f} s")


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM), read before it is stopped."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


# --- latency at one connection ---------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def single_connection(port: int, body: bytes | Iterator[bytes], warmup: int, count: int, max_seconds: float) -> dict:
    """Latency at one connection: the same body each request, or the next of an iterator."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    errors = 0
    findings = None
    server_ms: list[float] = []

    def one() -> float:
        nonlocal errors, findings
        payload = body if isinstance(body, bytes) else next(body)
        t0 = time.perf_counter()
        conn.request("POST", "/v1/check", body=payload, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        dt = time.perf_counter() - t0
        if resp.status != 200:
            errors += 1
        elif findings is None:
            findings = len(json.loads(data)["findings"])
        timing = resp.getheader("Server-Timing") or ""
        m = re.search(r"dur=([\d.]+)", timing)
        server_ms.append(float(m.group(1)) if m else float("nan"))
        return dt

    for _ in range(warmup):
        one()
    server_ms.clear()
    samples: list[float] = []
    start = time.monotonic()
    while len(samples) < count and time.monotonic() - start < max_seconds:
        samples.append(one())
    conn.close()
    ms = [s * 1000 for s in samples]
    overhead = [total - work for total, work in zip(ms, server_ms)]
    return {
        "requests": len(ms),
        "errors": errors,
        "findings": findings,
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "mean_ms": statistics.fmean(ms),
        "max_ms": max(ms),
        "server_check_p50_ms": percentile(server_ms, 50),
        "server_check_p99_ms": percentile(server_ms, 99),
        "overhead_p50_ms": percentile(overhead, 50),
        "overhead_p99_ms": percentile(overhead, 99),
        "truncated": len(ms) < count,
    }


def core_check_ms(page: str, count: int) -> dict:
    """The same check in-process, without HTTP: what the API cannot go below."""
    sys.path.insert(0, str(ROOT))
    from checker.pipeline import default_checker

    checker = default_checker()
    for _ in range(3):
        checker.check(page)
    ms = []
    for _ in range(count):
        t0 = time.perf_counter()
        checker.check(page)
        ms.append((time.perf_counter() - t0) * 1000)
    return {"requests": count, "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99)}


# --- wrk ---------------------------------------------------------------------------------------

_LUA_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.1f %.1f %.1f %d %d %d %d %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def find_wrk() -> str | None:
    path = shutil.which("wrk")
    if path:
        return path
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found; installing it with apt-get (running as root) ...", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        res = subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, capture_output=True, text=True)
        if res.returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, text=True)
            subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, capture_output=True, text=True)
        return shutil.which("wrk")
    print(
        "wrk is not installed and this is not running as root, so it cannot be installed here.\n"
        "Install it (Debian/Ubuntu: sudo apt-get install -y wrk) and run again; skipping the 32-connection part.",
        flush=True,
    )
    return None


def lua_long_string(s: str) -> str:
    level = 1
    while f"]{'=' * level}]" in s:
        level += 1
    eq = "=" * level
    return f"[{eq}[{s}]{eq}]"


def run_wrk(wrk: str, url: str, script: str, connections: int, threads: int, duration: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script + _LUA_DONE)
        path = fh.name
    try:
        cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", path, url]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    finally:
        os.unlink(path)
    m = re.search(r"^RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+) (\d+) (\d+) (\d+)$", res.stdout, re.M)
    if not m:
        raise SystemExit(f"could not parse wrk output:\n{res.stdout}\n{res.stderr}")
    reqs, dur_us = int(m[1]), int(m[2])
    errors = dict(zip(("connect", "read", "write", "status", "timeout"), map(int, m.groups()[5:])))
    return {
        "requests": reqs,
        "rps": reqs / (dur_us / 1e6),
        "p50_ms": float(m[3]) / 1000,
        "p99_ms": float(m[4]) / 1000,
        "mean_ms": float(m[5]) / 1000,
        "errors": errors,
        "error_total": sum(errors.values()),
    }


# --- profile ------------------------------------------------------------------------------------


def profile_check_path(page: str, count: int = 20, top: int = 18) -> str:
    """cProfile of the API's check path in-process (service + core), heaviest functions first."""
    sys.path.insert(0, str(ROOT))
    from api.models import CheckRequest
    from api.service import CheckService
    from api.settings import Settings
    from checker.pipeline import default_checker

    service = CheckService(default_checker(), Settings(rate_limit_per_minute=0))
    req = CheckRequest.model_validate({"text": page})
    service.check(req)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(count):
        service.check(req)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=300, help="measured requests at one connection (default 300)")
    p.add_argument("--warmup", type=int, default=20, help="warm-up requests (default 20)")
    p.add_argument("--max-seconds", type=float, default=180, help="cap on the one-connection loop (default 180 s)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    p.add_argument("--page-bytes", type=int, default=3000)
    p.add_argument("--check-threads", type=int, default=None, help="STEMCHECK_CHECK_THREADS for the server")
    p.add_argument("--check-processes", type=int, default=None, help="STEMCHECK_CHECK_PROCESSES for the server")
    p.add_argument("--workers", type=int, default=1, help="uvicorn workers (default 1)")
    p.add_argument("--no-wrk", action="store_true", help="skip the 32-connection part")
    p.add_argument("--profile", action="store_true", help="also cProfile the check path in-process")
    p.add_argument("--json", action="store_true", help="print the figures as JSON at the end")
    args = p.parse_args(argv)

    page = build_page(args.page_bytes)
    body = json.dumps({"text": page}).encode()
    print(f"page: {len(page.encode()):,} bytes of text, {len(body):,} bytes of JSON body", flush=True)
    print(f"machine: {os.cpu_count()} CPUs, load average {_load()} (other processes skew the figures)", flush=True)

    results: dict = {"page_bytes": len(page.encode())}
    port = free_port()
    proc = start_server(port, args.check_threads, args.workers, args.check_processes)
    try:
        t0 = time.monotonic()
        wait_healthy(proc, port)
        print(f"server: uvicorn api.app:app, {args.workers} worker(s), pid {proc.pid}, http://{HOST}:{port} "
              f"(healthy after {time.monotonic() - t0:.1f} s)", flush=True)

        one = single_connection(port, body, args.warmup, args.requests, args.max_seconds)
        results["single"] = one
        note = " (stopped by --max-seconds)" if one["truncated"] else ""
        print(
            f"\nPOST /v1/check, 1 connection, {one['requests']} requests{note}: "
            f"p50 {one['p50_ms']:.2f} ms, p99 {one['p99_ms']:.2f} ms, mean {one['mean_ms']:.2f} ms, "
            f"max {one['max_ms']:.2f} ms, errors {one['errors']}, findings per page {one['findings']}",
            flush=True,
        )
        print(
            f"  of which checking (server-side, Server-Timing): p50 {one['server_check_p50_ms']:.2f} ms, "
            f"p99 {one['server_check_p99_ms']:.2f} ms; API + HTTP overhead per request: "
            f"p50 {one['overhead_p50_ms']:.2f} ms, p99 {one['overhead_p99_ms']:.2f} ms",
            flush=True,
        )
        # The judge keeps the scores of recent sentences, so one page sent again and again
        # measures the rules and that memo; fresh pages of corpus sentences measure the encoder.
        fresh = single_connection(port, (json.dumps({"text": t}).encode() for t in varied_pages(args.page_bytes)),
                                  args.warmup, args.requests, args.max_seconds)
        results["fresh_pages"] = fresh
        print(
            f"  fresh ~{args.page_bytes:,}-byte pages of corpus sentences (no sentence seen before): "
            f"p50 {fresh['p50_ms']:.2f} ms, p99 {fresh['p99_ms']:.2f} ms, errors {fresh['errors']}",
            flush=True,
        )
        tiny = single_connection(port, json.dumps({"text": "Hello."}).encode(), 20, 300, 30)
        results["tiny"] = tiny
        print(
            f"  floor: POST /v1/check with a 6-byte text: p50 {tiny['p50_ms']:.2f} ms, p99 {tiny['p99_ms']:.2f} ms "
            f"(overhead p50 {tiny['overhead_p50_ms']:.2f} ms)",
            flush=True,
        )

        if not args.no_wrk:
            wrk = find_wrk()
            if wrk:
                base = f"http://{HOST}:{port}"
                health = run_wrk(wrk, base + "/healthz", "", args.connections, args.threads, args.duration)
                post = (
                    f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                    f"wrk.body = {lua_long_string(body.decode())}\n"
                )
                check = run_wrk(wrk, base + "/v1/check", post, args.connections, args.threads, args.duration)
                results["healthz"], results["check"] = health, check
                results["ratio"] = check["rps"] / health["rps"] if health["rps"] else 0.0
                print(f"\nwrk, {args.connections} connections, {args.threads} threads, {args.duration} s each:")
                for name, r in (("GET /healthz", health), ("POST /v1/check", check)):
                    print(
                        f"  {name:15} {r['rps']:9.1f} req/s  p50 {r['p50_ms']:8.2f} ms  p99 {r['p99_ms']:8.2f} ms  "
                        f"requests {r['requests']}  errors {r['error_total']} {r['errors']}"
                    )
                print(f"  ratio check_rps / healthz_rps = {results['ratio']:.4f}", flush=True)
    finally:
        results["peak_rss_mb"] = peak_rss_mb(proc.pid)
        pss = tree_pss_mb(proc.pid)
        if pss is not None:
            results["tree_pss_mb"], results["tree_processes"] = pss
        stop_server(proc)

    core = core_check_ms(page, min(50, max(5, args.requests // 6)))
    results["core"] = core
    print(
        f"\nin-process checker.check() on the same page, after the server stopped ({core['requests']} runs): "
        f"p50 {core['p50_ms']:.2f} ms, p99 {core['p99_ms']:.2f} ms",
    )

    print(f"load average at the end: {_load()}")
    print("\ntargets:")
    ok_p99 = one["p99_ms"] < TARGET_P99_MS
    print(f"  p99 at 1 connection < {TARGET_P99_MS:g} ms: {'PASS' if ok_p99 else 'MISS'} ({one['p99_ms']:.2f} ms)")
    rss = results.get("peak_rss_mb")
    if rss is not None:
        print(f"  (peak RSS of the server process alone: {rss:.0f} MB)")
    pss = results.get("tree_pss_mb")
    if pss is not None:
        print(
            f"  memory of one API worker with its {results['tree_processes'] - 1} helper processes (fork server, "
            f"check workers; PSS at the end) < {TARGET_RSS_MB} MB: {'PASS' if pss < TARGET_RSS_MB else 'MISS'} "
            f"({pss:.0f} MB)"
        )
    if "ratio" in results:
        ok_err = results["healthz"]["error_total"] == 0 and results["check"]["error_total"] == 0
        ok_ratio = results["ratio"] >= TARGET_RATIO
        print(f"  no errors at {args.connections} connections: {'PASS' if ok_err else 'MISS'}")
        print(f"  check_rps >= {TARGET_RATIO} x healthz_rps: {'PASS' if ok_ratio else 'MISS'} ({results['ratio']:.4f})")

    if args.profile:
        print("\ncProfile of the check path (API service + core), by own time:")
        print(profile_check_path(page))
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
