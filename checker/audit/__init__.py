"""Audits: many pages in (files, folders, JSON Lines, WARC, URLs), one folder of reports
out, and the history of runs in a database.

    sources     which pages the inputs name
    fetch       fetching URLs politely, and the store of what was fetched
    page_check  one page's bytes -> one page record (a pure function, for any engine)
    runner      the run: order, workers, resume
    reports     CSV, JSON Lines, Markdown, HTML and SARIF from the records
    history     runs, pages and findings in SQLite or PostgreSQL; diffs between runs
"""
