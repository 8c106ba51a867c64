"""Time per KB of the library on hostile input shapes, against ordinary page text.

    .venv/bin/python benchmarks/adversarial.py [--sizes 10,100,1000] [--timeout 20] [--json]

Each shape is built at each size (KB of UTF-8 text) and checked by ``checker.check`` (an
HTML shape through ``extract_html`` first), one case per child process so that a case
past ``--timeout`` seconds can be stopped and reported as such. Ordinary page text of the
same size (examples/clinic-page.txt and examples/honest-page.txt, repeated) is timed in
the same run, and each shape's time per KB is printed as a ratio to it.

Target (issue [4/8]): every shape at most 3 x ordinary text's time per KB, at 10, 100
and 1,000 KB. This script measures; it changes nothing. A case that times out prints its
lower bound.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CLAIM = " Stem cells cure MS."
TARGET_RATIO = 3.0


def _repeat_to(unit: str, n_bytes: int) -> str:
    reps = max(1, n_bytes // max(1, len(unit.encode("utf-8"))))
    return unit * reps


def ordinary(n: int) -> tuple[str, str]:
    page = "\n\n".join((ROOT / "examples" / f).read_text(encoding="utf-8") for f in ("clinic-page.txt", "honest-page.txt"))
    return "text", _repeat_to(page + "\n\n", n)


# Each shape: a name and a builder of (kind, input) at about n bytes.
SHAPES: dict[str, Callable[[int], tuple[str, str]]] = {
    "ordinary page text": ordinary,
    "one giant token (&&&...)": lambda n: ("text", "&" * n + CLAIM),
    "entity flood in HTML (&amp;...)": lambda n: ("html", "<p>" + _repeat_to("&amp;", n) + " cures MS</p>"),
    "run-on sentence, no punctuation": lambda n: ("text", _repeat_to("our stem cell therapy helps patients and ", n) + "cures MS"),
    "negation cue flood (not not ...)": lambda n: ("text", _repeat_to("not ", n) + "cures MS."),
    "NFKC expansion (U+FDFA)": lambda n: ("text", "\ufdfa" * (n // 3) + CLAIM),
    "many tiny blocks": lambda n: ("text", _repeat_to("Cures MS.\n\n", n)),
    "leetspeak flood (5t0p cur3s ...)": lambda n: ("text", _repeat_to("5t0p cur3s 51de 4ppr0v3d a1b2c3 ", n) + CLAIM),
    "symbol-strung letters (c✨u✨r✨e ...)": lambda n: ("text", _repeat_to("c✨u✨r✨e✨s ", n) + CLAIM),
}


def _run(kind: str, data: str, out) -> None:
    from checker.pipeline import default_checker
    from checker.input.html import extract_html

    checker = default_checker()
    checker.check("Warm-up: stem cells cure MS.")
    t0 = time.perf_counter()
    text = extract_html(data).text if kind == "html" else data
    checker.check(text)
    out.put(time.perf_counter() - t0)


def time_case(kind: str, data: str, timeout: float) -> float | None:
    """Seconds to check `data`, or None when it ran past `timeout` (the child is killed)."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_run, args=(kind, data, q), daemon=True)
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.kill()
        p.join()
        return None
    return q.get() if not q.empty() else None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100,1000", help="sizes in KB, comma-separated")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per case before it is stopped")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    rows = []
    base: dict[int, float] = {}
    for kb in sizes:
        for name, build in SHAPES.items():
            kind, data = build(kb * 1000)
            real_kb = len(data.encode("utf-8")) / 1000
            secs = time_case(kind, data, a.timeout)
            per_kb = (secs if secs is not None else a.timeout) / real_kb
            if name == "ordinary page text" and secs is not None:
                base[kb] = per_kb
            ratio = per_kb / base[kb] if kb in base else None
            rows.append({"shape": name, "kb": kb, "seconds": secs, "timed_out": secs is None,
                         "ms_per_kb": round(per_kb * 1000, 3), "ratio_to_ordinary": round(ratio, 2) if ratio else None})
            if not a.json:
                shown = f"{secs:8.2f} s" if secs is not None else f"> {a.timeout:.0f} s  "
                r = f"{ratio:8.1f} x" if ratio else "       - "
                flag = "" if name == "ordinary page text" else ("  OK" if ratio is not None and ratio <= TARGET_RATIO and secs is not None else "  MISSED")
                print(f"{kb:>5} KB  {name:34s} {shown}  {per_kb * 1000:9.2f} ms/KB {r}{flag}", flush=True)
    if a.json:
        print(json.dumps({"target_ratio": TARGET_RATIO, "timeout_s": a.timeout, "cases": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
