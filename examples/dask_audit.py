"""An audit over WARC files on a Dask cluster: the same outputs and database rows as
`stemcheck audit`, with the checking spread over the cluster's workers.

    python examples/dask_audit.py crawl-*.warc.gz --out audit/              # a local cluster
    python examples/dask_audit.py crawl-*.warc.gz --out audit/ --scheduler tcp://10.0.0.5:8786
    python examples/dask_audit.py crawl-*.warc.gz --out audit/ --workers 4 --no-judge

Each WARC file is one partition: a worker reads its records and checks every page with
`checker.audit.page_check.check_page`, the same pure function the plain audit maps over
its process pool, so the checker (rule pack and judge) loads once per worker process and
stays loaded. Only the page records come back to this process, which numbers them in
input order, writes `pages.jsonl`, the reports and the history rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def check_warc(index: int, path: str, settings) -> list[tuple[int, int, str, dict]]:
    """One partition: every page of one WARC file, checked. Runs on a worker."""
    from checker.audit.page_check import check_page, failed
    from checker.audit.sources import pages_from

    out = []
    for n, page in enumerate(pages_from([path])):
        if page.error is not None or page.data is None:
            record = failed(page.id, page.url, page.error or f"{page.id}: no content", None)
        else:
            record = check_page(page.id, page.data, page.kind, settings, url=page.url, content_type=page.content_type)
        record["meta"] = page.meta
        out.append((index, n, page.id, record))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("warcs", nargs="+", help="WARC or WARC.gz files")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--scheduler", help="a Dask scheduler address; default: a local cluster")
    ap.add_argument("--workers", type=int, default=2, help="local cluster: worker processes (default 2)")
    ap.add_argument("--no-judge", action="store_true")
    ap.add_argument("--db", help="the history database (default OUT/audit.sqlite)")
    args = ap.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    from checker.audit.finish import finish_run
    from checker.audit.page_check import AuditSettings
    from checker.audit.runner import PAGES_FILE, RUN_FILE, open_run, record_line, utc_now

    settings = AuditSettings(judge=not args.no_judge)
    warcs = [str(w) for w in args.warcs]
    run = open_run(args.out, warcs, settings)
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None)
        client = Client(cluster)
    try:
        futures = [client.submit(check_warc, i, w, settings, pure=False) for i, w in enumerate(warcs)]
        parts = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    # Number the pages in input order and make ids unique across files, as the plain run does.
    rows = sorted((row for part in parts for row in part), key=lambda r: (r[0], r[1]))
    seen: dict[str, int] = {}
    with (args.out / PAGES_FILE).open("w", encoding="utf-8") as fh:
        for seq, (_, _, page_id, record) in enumerate(rows):
            seen[page_id] = seen.get(page_id, 0) + 1
            record["id"] = page_id if seen[page_id] == 1 else f"{page_id}#{seen[page_id]}"
            record["seq"] = seq
            fh.write(record_line(record))
    run["finished"] = utc_now()
    (args.out / RUN_FILE).write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    _, summary, db_error = finish_run(args.out, run, args.db or str(args.out / "audit.sqlite"))
    if db_error:
        print(f"dask audit: {db_error} (the reports are written)", file=sys.stderr)
        return 1
    print(f"dask audit {run['run_id']}: {summary.pages} pages from {len(warcs)} WARC files, {summary.flagged} with "
          f"warnings; reports in {args.out}/", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
