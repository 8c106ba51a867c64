"""The audit's own cost: pages per second for N pages of ~20 KB HTML with --jobs 1 and
--jobs 2, beside the checker's own speed on the same pages in the same run (extract and
check in one process, no audit around it). The audit's overhead (reading, records,
reports, history) should stay under 20% of the checker's time.

    .venv/bin/python benchmarks/audit.py                  # 2,000 pages, judge on
    .venv/bin/python benchmarks/audit.py --pages 300 --no-judge
    .venv/bin/python benchmarks/audit.py --text claims    # every sentence a claim: the worst case

Figures to read, not assertions: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_load import build_page, varied_pages  # noqa: E402

TARGET_OVERHEAD = 0.20


def make_pages(folder: Path, n: int, size: int, text: str = "corpus") -> int:
    """n HTML pages of about ``size`` bytes: corpus sentences in turn (honest and selling
    mixed as on real pages), or the example page's claims only (every sentence a finding:
    the worst case for the audit's per-finding outputs).

    Corpus pages come round again every ~70 pages, and a crawl's pages do not: each
    sentence gets its own citation mark ("[1234]", as web pages have), or the encoder's
    memo of recent sentences would hold a worker's share of a round (so --jobs 2 looked
    more than twice as fast as --jobs 1) and no real audit would see those hits."""
    total = 0
    corpus = varied_pages(size)
    mark = 0
    for i in range(n):
        if text == "corpus":
            sentences = []
            for s in next(corpus).split(". "):
                mark += 1
                sentences.append(f"{s} [{mark}]")
            body = "\n\n".join(". ".join(sentences[k:k + 4]) for k in range(0, len(sentences), 4))
        else:
            body = build_page(size + (i % 7) * 97)
        paragraphs = "".join(f"<p>{p}</p>\n" for p in body.split("\n\n"))
        html = f"<!DOCTYPE html><html><head><title>Clinic {i}</title></head><body><h1>Clinic {i}</h1>{paragraphs}</body></html>"
        (folder / f"page-{i:05}.html").write_text(html, encoding="utf-8")
        total += len(html.encode())
    return total


def checker_alone(folder: Path, judge: bool) -> float:
    from checker.documents import check_documents
    from checker.input.files import Document
    from checker.pipeline import default_checker, rules_checker

    checker = default_checker() if judge else rules_checker()
    docs = [Document(str(p), p.read_text(encoding="utf-8"), True) for p in sorted(folder.glob("*.html"))]
    checker.check("warm up: stem cells cure MS")
    t0 = time.perf_counter()
    for doc in docs:  # one page at a time, as the audit checks them
        list(check_documents([doc], checker=checker))
    return time.perf_counter() - t0


def audit_run(folder: Path, out: Path, jobs: int, judge: bool) -> float:
    from checker.audit import page_check
    from checker.cli import main
    from checker.judge.classifier import default_judge
    from checker.pipeline import default_checker, rules_checker

    # A cold start, as a real audit has: its own checker load and an empty sentence memo
    # (the checker-alone run in this process would otherwise hand over a warm one).
    default_checker.cache_clear()
    rules_checker.cache_clear()
    default_judge.cache_clear()  # the encoder and its memo live in the judge
    page_check._CHECKERS.clear()
    t0 = time.perf_counter()
    args = ["audit", str(folder), "--out", str(out), "--jobs", str(jobs), "--progress", "never"]
    main(args + ([] if judge else ["--no-judge"]))
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--kb", type=int, default=20, help="size of each page (default 20 KB)")
    ap.add_argument("--no-judge", action="store_true")
    ap.add_argument("--text", choices=("corpus", "claims"), default="corpus",
                    help="corpus sentences as on real pages (default), or claims only (the worst case)")
    args = ap.parse_args(argv)
    judge = not args.no_judge
    tmp = Path(tempfile.mkdtemp(prefix="stemcheck-audit-bench-"))
    try:
        folder = tmp / "pages"
        folder.mkdir()
        total = make_pages(folder, args.pages, args.kb * 1024, args.text)
        mb = total / 1e6
        print(f"{args.pages:,} pages of HTML ({args.text}), {mb:.1f} MB in all; judge {'on' if judge else 'off'}")
        base = checker_alone(folder, judge)
        print(f"checker alone (1 process):  {base:7.1f} s  {args.pages / base:7.1f} pages/s  {mb / base:6.2f} MB/s")
        times = {}
        for jobs in (1, 2):
            times[jobs] = audit_run(folder, tmp / f"audit-{jobs}", jobs, judge)
            print(f"audit --jobs {jobs}:             {times[jobs]:7.1f} s  {args.pages / times[jobs]:7.1f} pages/s  "
                  f"{mb / times[jobs]:6.2f} MB/s")
        overhead = times[1] / base - 1
        print(f"audit --jobs 1 overhead over the checker alone: {overhead:+.1%} "
              f"(target under {TARGET_OVERHEAD:.0%}: {'met' if overhead < TARGET_OVERHEAD else 'NOT met'}); "
              f"--jobs 2 speed-up {times[1] / times[2]:.2f}x on this machine's cores")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
