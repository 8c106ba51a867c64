"""After the pages are checked: the reports and the history database, from one pass over
the run's records (read one at a time, so the size of the audit does not matter)."""

from __future__ import annotations

import json
from pathlib import Path

from checker.audit.history import HistoryError, connect, store_run
from checker.audit.reports import Reports, Summary
from checker.audit.runner import RUN_FILE, iter_records


def finish_run(out: Path, run: dict, db: str | Path) -> tuple[dict[str, Path], Summary, str | None]:
    """Write the reports and store the run in ``db``; returns the files written, the
    run's summary and the database's error if it could not be used (the reports are
    written all the same)."""
    reports = Reports(out, run)
    records = iter_records(out)
    error = None
    try:
        try:
            store_run(connect(db), run, reports.passing(records), folder=out.resolve())
        except HistoryError as exc:
            error = str(exc)
            for r in records:  # the rest of the pass, for the reports alone
                reports.add(r)
    except BaseException:
        reports.discard()
        raise
    if error is None:
        run["db"] = str(db)
    (out / RUN_FILE).write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    return reports.close(), reports.summary, error
