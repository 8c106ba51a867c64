"""Run an audit into a folder: fetch what must be fetched, check every page (on several
cores with ``jobs``), append each page's record to ``pages.jsonl`` as it is done, then
write the reports.

The folder is the run's state. ``run.json`` holds what the run is (versions, settings,
inputs, start time); ``pages.jsonl`` the pages done, one complete line each, written only
by this process and flushed per page, so a run that is killed loses at most the page in
hand; started again with the same folder it skips the pages already done (a torn last
line is cut off first) and ends with the same records as an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import re
import sys
import uuid
from collections.abc import Callable, Iterator
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from checker.audit.page_check import AuditSettings, check_page, failed
from checker.audit.sources import Page, pages_from

RUN_FILE = "run.json"
PAGES_FILE = "pages.jsonl"


class AuditError(Exception):
    """An audit that cannot start (the folder holds another run, bad options)."""


def versions(judge: bool) -> dict:
    from checker import __version__
    from checker.pipeline import default_checker, rules_checker

    checker = default_checker() if judge else rules_checker()
    return {
        "checker_version": __version__,
        "rule_pack": checker.pack.info.model_dump(),
        "judge": checker.judge_info.model_dump() if checker.judge_info else None,
    }


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def open_run(out: Path, inputs: list[str], settings: AuditSettings) -> dict:
    """The run in ``out``: a new one, or the interrupted one to resume (same inputs,
    settings and versions; anything else is refused rather than mixed)."""
    out.mkdir(parents=True, exist_ok=True)
    run_path = out / RUN_FILE
    current = versions(settings.judge)
    if run_path.exists():
        try:
            run = json.loads(run_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise AuditError(f"{run_path}: not a run file ({exc}); give a new --out folder") from None
        mine = {"inputs": inputs, "settings": settings.as_dict(), **current}
        theirs = {k: run.get(k) for k in mine}
        if theirs != mine:
            changed = ", ".join(k for k in mine if theirs[k] != mine[k])
            raise AuditError(
                f"{out} holds another audit (its {changed} differ); give a new --out folder to start a new run"
            )
        run["resumed"] = run.get("resumed", 0) + 1
    else:
        run = {"run_id": uuid.uuid4().hex[:12], "started": utc_now(), "inputs": inputs,
               "settings": settings.as_dict(), **current}
    _write_atomic(run_path, json.dumps(run, indent=2) + "\n")
    return run


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def record_line(record: dict) -> str:
    """A record as its pages.jsonl line: seq and id first (so a reader can index the file
    without parsing every report), then the other keys sorted."""
    head = {"seq": record["seq"], "id": record["id"]}
    rest = {k: record[k] for k in sorted(record) if k not in head}
    return json.dumps({**head, **rest}, ensure_ascii=False) + "\n"


_HEAD = re.compile(rb'\{"seq": (\d+), "id": ("(?:[^"\\]|\\.)*")')


def _index(out: Path) -> list[tuple[int, str, int, int]]:
    """(seq, id, offset, length) of each complete line of pages.jsonl; a torn last line
    (a killed run) is cut off first."""
    path = out / PAGES_FILE
    if not path.exists():
        return []
    entries, offset, torn = [], 0, False
    with path.open("rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                torn = True
                break
            if line.strip():
                m = _HEAD.match(line)
                if m:
                    seq, page_id = int(m.group(1)), json.loads(m.group(2))
                else:  # a line written by an older stemcheck: parse it whole
                    r = json.loads(line)
                    seq, page_id = r["seq"], r["id"]
                entries.append((seq, page_id, offset, len(line)))
            offset += len(line)
    if torn:
        with path.open("r+b") as fh:
            fh.truncate(offset)
    return entries


def done_ids(out: Path) -> set[str]:
    """The ids of the pages already done (for a resumed run)."""
    return {page_id for _, page_id, _, _ in _index(out)}


def iter_records(out: Path) -> Iterator[dict]:
    """The run's records in input order, one at a time (an audit of many pages never
    sits in memory). pages.jsonl is in input order unless a resume changed it; then the
    lines are read in order by their offsets."""
    entries = _index(out)
    if not entries:
        return
    in_order = all(a[0] <= b[0] for a, b in zip(entries, entries[1:]))
    with (out / PAGES_FILE).open("rb") as fh:
        if in_order:
            for line in fh:
                if line.strip():
                    yield json.loads(line)
            return
        for _, _, offset, length in sorted(entries):
            fh.seek(offset)
            yield json.loads(fh.read(length))


def ordered_records(out: Path) -> list[dict]:
    """Every record in input order, in memory (tests, small runs)."""
    return list(iter_records(out))


# --- the work itself, in worker processes -------------------------------------------------

_SETTINGS: AuditSettings | None = None


def _init_worker(settings: AuditSettings) -> None:
    global _SETTINGS
    _SETTINGS = settings
    from checker.audit.page_check import _checker

    _checker(settings.judge)  # load once per process, before the first page


def _work(args: tuple) -> dict:
    seq, page_id, data, kind, url, content_type, meta = args
    record = check_page(page_id, data, kind, _SETTINGS, url=url, content_type=content_type)
    record["seq"] = seq
    record["meta"] = meta
    return record


def _prepare(page: Page, seq: int) -> tuple | dict:
    """A job for a worker, or the page's failed record (its input, or its fetch, failed)."""
    if page.error is None and page.data is None:
        page.error = f"{page.url or page.id}: nothing to check (a URL that was not fetched)"
    if page.error is not None:
        record = failed(page.id, page.url, page.error, None)
        record.update(seq=seq, meta=page.meta)
        return record
    return (seq, page.id, page.data, page.kind, page.url, page.content_type, page.meta)


_AHEAD = 16  # pages fetched, or checked in worker processes, ahead of the one written next


def _fetched_in_order(todo: Iterator[tuple[int, Page]], fetch: Callable[[Page], None] | None) -> Iterator[tuple | dict]:
    """Jobs in input order; URL-only pages are fetched a few ahead on threads (the fetcher
    keeps its own per-host limits)."""
    if fetch is None:
        for seq, page in todo:
            yield _prepare(page, seq)
        return
    with ThreadPoolExecutor(_AHEAD // 2, thread_name_prefix="fetch") as pool:
        window: deque = deque()
        for seq, page in todo:
            needs = page.error is None and page.data is None and page.url
            window.append((seq, page, pool.submit(fetch, page) if needs else None))
            if len(window) >= _AHEAD:
                yield _settle(window.popleft())
        while window:
            yield _settle(window.popleft())


def _settle(item: tuple) -> tuple | dict:
    seq, page, future = item
    if future is not None:
        exc = future.exception()
        if exc is not None:  # a fetcher bug must not stop the run either
            page.error = f"{page.url}: fetch failed unexpectedly ({exc.__class__.__name__}: {exc})"
    return _prepare(page, seq)


def _checked_in_order(jobs: Iterator[tuple | dict], settings: AuditSettings, n_jobs: int) -> Iterator[dict]:
    """Records in input order: checked here (one job) or in worker processes, with only a
    bounded number of pages in flight (Executor.map would read every page first)."""
    if n_jobs == 1:
        _init_worker(settings)
        for job in jobs:
            yield job if isinstance(job, dict) else _work(job)
        return
    with ProcessPoolExecutor(n_jobs, initializer=_init_worker, initargs=(settings,)) as pool:
        window: deque = deque()
        for job in jobs:
            window.append(job if isinstance(job, dict) else pool.submit(_work, job))
            while len(window) > n_jobs * 4:
                head = window.popleft()
                yield head if isinstance(head, dict) else head.result()
        while window:
            head = window.popleft()
            yield head if isinstance(head, dict) else head.result()


def run_audit(
    inputs: list[str], out: Path, settings: AuditSettings, *, jobs: int = 1,
    fetch: Callable[[Page], None] | None = None, progress: bool | None = None,
    stop_after: int | None = None,
) -> dict:
    """Check every page of ``inputs`` into ``out``; returns the run (``run.json``'s
    content). ``fetch`` fills in a URL-only page (its data, or its error). ``stop_after``
    ends the run after that many new pages, as an interruption would (for tests)."""
    if jobs < 1:
        raise AuditError("--jobs must be at least 1")
    run = open_run(out, inputs, settings)
    done = done_ids(out)
    todo = ((seq, p) for seq, p in enumerate(pages_from(inputs)) if p.id not in done)
    bar = _progress(progress, initial=len(done), total=_count(inputs) if _want_bar(progress) else None)
    written = 0
    with (out / PAGES_FILE).open("a", encoding="utf-8") as sink:
        for record in _checked_in_order(_fetched_in_order(todo, fetch), settings, jobs):
            sink.write(record_line(record))
            sink.flush()
            written += 1
            bar.update(1)
            if stop_after is not None and written >= stop_after:
                bar.close()
                return run
    bar.close()
    run["finished"] = utc_now()
    _write_atomic(out / RUN_FILE, json.dumps(run, indent=2) + "\n")
    return run


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _want_bar(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def _count(inputs: list[str]) -> int:
    # One quick pass for the bar's total (so it can tell the time left).
    return sum(1 for _ in pages_from(inputs))


def _progress(progress: bool | None, initial: int, total: int | None):
    """tqdm's bar (pages done, pages per second, time left) on a terminal; nothing otherwise."""
    if not _want_bar(progress):
        return _NoBar()
    from tqdm import tqdm

    return tqdm(initial=initial, total=total, unit="page", desc="audit", file=sys.stderr, dynamic_ncols=True,
                smoothing=0.1)
