"""examples/dask_audit.py on a local Dask cluster gives the plain audit's findings and rows."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import sqlalchemy as sa
from audit_pages import ROOT, page_html
from test_audit import audit, findings_of

from checker.audit.runner import ordered_records


def write_warc(path, pages) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body.encode()),
                                                          http_headers=headers))


def test_the_dask_example_matches_the_plain_audit(tmp_path) -> None:
    warcs = []
    for k in range(3):
        path = tmp_path / f"crawl-{k}.warc.gz"
        # The same URL in two files: both runs must give it the same unique ids.
        write_warc(path, [(f"https://clinic{k}.example/{i}", page_html(k * 5 + i)) for i in range(5)]
                   + [("https://shared.example/", page_html(k))])
        warcs.append(path)
    plain = audit(warcs, tmp_path / "plain")
    out = tmp_path / "dask"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "dask_audit.py"), *map(str, warcs), "--out", str(out),
                           "--no-judge", "--workers", "2"], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    distributed = ordered_records(out)
    assert len(distributed) == 18 and findings_of(distributed) == findings_of(plain)
    for name in ("findings.csv", "pages.csv"):
        assert (out / name).read_text().count("\n") == (tmp_path / "plain" / name).read_text().count("\n")
    run = json.loads((out / "run.json").read_text())
    engine = sa.create_engine(f"sqlite:///{run['db']}")
    with engine.connect() as conn:
        pages = conn.execute(sa.text("SELECT page_key, warnings FROM pages ORDER BY seq")).all()
    assert [tuple(p) for p in pages] == [(r["id"], r["warnings"]) for r in plain]
