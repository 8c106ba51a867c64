"""Memory over many requests: does one API worker grow? (issue [4/8])

    .venv/bin/python benchmarks/soak.py [--requests 10000] [--varied] [--max-tasks N] [--json]

Starts ``python -m api`` (one worker with its check processes, rate limit off) and sends
--requests mixed requests over one keep-alive connection, cycling through: a ~3 KB text page,
the same page as HTML, a 12-segment batch, a 3-document batch, a tiny text, malformed JSON
(400), a validation error (422), an unknown category (422, raised in a check worker),
GET /v1/rules and GET /healthz. It samples the memory of the server's process tree (PSS,
summed, and the largest RSS of any one process) after the first 100 requests and every
1,000 after that.                       Target: the last sample within 10% of the first.

With --varied, each text request is a fresh ~3 KB page of corpus sentences (drawn in turn
from corpus/sentences.jsonl, ~950 KB of distinct text), so new words keep arriving, as
on a real audit; --max-tasks sets STEMCHECK_CHECK_MAX_TASKS (0 = workers never replaced).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import HOST, ROOT, build_page, free_port, stop_server, varied_pages, wait_healthy  # noqa: E402
from proctree import descendants, tree_pss_mb  # noqa: E402

TARGET_GROWTH = 0.10
FIRST_SAMPLE = 100
EVERY = 1000


def _max_rss_mb(pid: int) -> float:
    best = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    best = max(best, int(line.split()[1]))
        except OSError:
            continue
    return best / 1024


def requests_cycle(page: str) -> list[tuple[str, str, bytes | None, int]]:
    """(method, path, body, expected status) for each kind of request."""
    sentences = [s for s in page.replace("\n", " ").split(". ") if s][:12]
    segments = [{"id": f"s{i}", "text": s + ". ", "block": f"b{i // 4}"} for i, s in enumerate(sentences)]
    docs = [{"id": f"d{i}", "text": page[i * 800 : (i + 1) * 800]} for i in range(3)]
    j = lambda obj: json.dumps(obj).encode()  # noqa: E731
    return [
        ("POST", "/v1/check", j({"text": page}), 200),
        ("POST", "/v1/check", j({"html": "<html><body><p>" + page.replace("\n\n", "</p><p>") + "</p></body></html>"}), 200),
        ("POST", "/v1/check/batch", j({"segments": segments}), 200),
        ("POST", "/v1/check/batch", j({"documents": docs}), 200),
        ("POST", "/v1/check", j({"text": "Our stem cells cure MS."}), 200),
        ("POST", "/v1/check", b'{"text": "unterminated', 400),
        ("POST", "/v1/check", j({"text": "x", "html": "<p>x</p>"}), 422),
        ("POST", "/v1/check", j({"text": "x", "categories": ["no-such-category"]}), 422),
        ("GET", "/v1/rules", None, 200),
        ("GET", "/healthz", None, 200),
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=10_000)
    p.add_argument("--varied", action="store_true", help="a fresh page of corpus text for each text request")
    p.add_argument("--max-tasks", type=int, default=None, help="STEMCHECK_CHECK_MAX_TASKS for the server")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    port = free_port()
    env = dict(os.environ, STEMCHECK_RATE_LIMIT_PER_MINUTE="0")
    if args.max_tasks is not None:
        env["STEMCHECK_CHECK_MAX_TASKS"] = str(args.max_tasks)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    cycle = requests_cycle(build_page())
    fresh = varied_pages() if args.varied else None
    samples: list[dict] = []
    unexpected = 0
    t0 = time.monotonic()
    try:
        wait_healthy(proc, port)
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        for n in range(1, args.requests + 1):
            method, path, body, want = cycle[n % len(cycle)]
            if fresh is not None and n % len(cycle) == 0:
                body = json.dumps({"text": next(fresh)}).encode()
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status != want:
                unexpected += 1
            if n == FIRST_SAMPLE or n % EVERY == 0 or n == args.requests:
                pss = tree_pss_mb(proc.pid)
                samples.append({
                    "requests": n,
                    "tree_pss_mb": round(pss[0], 1) if pss else None,
                    "processes": pss[1] if pss else None,
                    "max_rss_mb": round(_max_rss_mb(proc.pid), 1),
                })
                if not args.json:
                    s = samples[-1]
                    print(f"  after {n:>6,} requests: tree PSS {s['tree_pss_mb']:.1f} MB over {s['processes']} "
                          f"processes, largest RSS {s['max_rss_mb']:.1f} MB", flush=True)
        conn.close()
    finally:
        stop_server(proc)
    first, last = samples[0], samples[-1]
    growth = (last["tree_pss_mb"] - first["tree_pss_mb"]) / first["tree_pss_mb"]
    result = {
        "requests": args.requests, "seconds": round(time.monotonic() - t0, 1), "unexpected_status": unexpected,
        "samples": samples, "growth": round(growth, 4),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.requests:,} mixed requests in {result['seconds']} s, {unexpected} with an unexpected status; "
              f"memory (tree PSS) {first['tree_pss_mb']:.1f} MB after {first['requests']} -> "
              f"{last['tree_pss_mb']:.1f} MB after {last['requests']:,}: {growth:+.1%} "
              f"(target within {TARGET_GROWTH:.0%}) {'OK' if abs(growth) <= TARGET_GROWTH else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
