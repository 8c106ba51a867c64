"""The audit's reports, written from the run's records (``pages.jsonl``) into its folder:

    findings.csv   one row a finding: page, URL, category, severity, assertion, quote,
                   sentence, offsets, rule or judge id
    pages.csv      one row a page, clean and failed pages included
    report.md      counts, shares of pages, the worst quotes, a table of pages
    report.html    the same, self-contained (charts drawn with matplotlib, embedded as SVG)
    results.sarif  every finding, for SARIF viewers

Every file names the checker version, the rule pack's version and hash, the judge model's
version, the run's id and start time, and each page's SHA-256. Written from the records
alone, so the same records always give byte-identical files, and in one pass over them:
only counts, the worst quotes and a short row per page are held in memory, whatever the
size of the audit.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from checker.audit.runner import RUN_FILE, iter_records
from checker.outputs.csv import defuse
from checker.outputs.sarif import Log

SEVERITY_ORDER = ("critical", "high", "medium", "low")
VERDICT_ORDER = ("seriously misleading", "misleading", "caution", "clean", "failed")
FINDING_COLUMNS = (
    "page_id", "url", "category", "caution", "severity", "assertion", "warning", "confidence", "quote",
    "sentence", "start", "end", "html_start", "html_end", "rule_id", "pattern_name", "page_sha256",
    "run_id", "run_started", "checker_version", "rule_pack_version", "rule_pack_hash", "judge_version",
)
WORST = 15  # quotes in the reports' "worst" list
_RANK = {s: i for i, s in enumerate(SEVERITY_ORDER)}


def _versions(run: dict) -> dict[str, str]:
    judge = run.get("judge") or {}
    return {
        "run_id": run["run_id"], "run_started": run["started"], "checker_version": run["checker_version"],
        "rule_pack_version": f"{run['rule_pack']['name']} {run['rule_pack']['version']}",
        "rule_pack_hash": run["rule_pack"]["hash"],
        "judge_version": f"{judge.get('name')} {judge.get('version')}" if judge else "off",
    }


def finding_rows(record: dict, v: dict[str, str]) -> list[dict]:
    """findings.csv's rows for one page, in reading order."""
    if record["status"] != "ok":
        return []
    r = record
    return [{
        "page_id": r["id"], "url": r.get("url"), "category": f["category"], "caution": f["caution"],
        "severity": f["severity"], "assertion": f["assertion"], "warning": f["warning"],
        "confidence": f"{f['confidence']:.3f}", "quote": f["text"], "sentence": f["sentence"],
        "start": f["start"], "end": f["end"], "html_start": f.get("html_start"), "html_end": f.get("html_end"),
        "rule_id": f["rule_id"], "pattern_name": (f.get("evidence") or {}).get("pattern_name"),
        "page_sha256": r["sha256"], **v,
    } for f in sorted(r["report"]["findings"], key=lambda f: (f["start"], f["end"], f["rule_id"]))]


def page_columns(categories: list[str], v: dict[str, str]) -> list[str]:
    return ["page_id", "url", "status", "error", "verdict", "warnings", *categories, "sentences", "bytes",
            "sha256", "http_status", "fetched_at", *v]


def page_row(r: dict, categories: list[str], v: dict[str, str]) -> dict:
    meta = r.get("meta") or {}
    return {
        "page_id": r["id"], "url": r.get("url"), "status": r["status"], "error": r.get("error"),
        "verdict": r.get("verdict") or ("failed" if r["status"] != "ok" else None), "warnings": r["warnings"],
        **{c: r["by_category"].get(c, 0) for c in categories}, "sentences": r["sentences"],
        "bytes": r.get("bytes"), "sha256": r.get("sha256"), "http_status": meta.get("http_status"),
        "fetched_at": meta.get("fetched_at"), **v,
    }


def _pack_categories() -> dict[str, dict]:
    from checker.rules.loader import default_pack

    return {name: {"plain": m.plain, "caution": m.caution} for name, m in default_pack().meta.categories.items()}


@dataclass
class Summary:
    """What the Markdown and HTML reports need, gathered page by page."""

    pages: int = 0
    checked: int = 0
    verdicts: Counter = field(default_factory=Counter)
    findings: Counter = field(default_factory=Counter)
    severities: Counter = field(default_factory=Counter)
    pages_with: Counter = field(default_factory=Counter)
    # (rank, -confidence, page id, start, severity, category, sentence, page) of the worst
    # warnings, trimmed now and then so it stays short.
    worst: list[tuple] = field(default_factory=list)
    # (page, verdict, warnings, error, sha256) per page, for the reports' page tables.
    rows: list[tuple] = field(default_factory=list)
    flagged: int = 0

    @property
    def failed(self) -> int:
        return self.pages - self.checked

    def add(self, r: dict) -> None:
        self.pages += 1
        self.verdicts[r.get("verdict") or "failed"] += 1
        self.rows.append((r.get("url") or r["id"], r.get("verdict"), r["warnings"], r.get("error"), r.get("sha256") or ""))
        self.flagged += bool(r["warnings"])
        if r["status"] != "ok":
            return
        self.checked += 1
        self.findings.update(r["by_category"])
        self.severities.update(r["by_severity"])
        self.pages_with.update(c for c, n in r["by_category"].items() if n)
        page = r.get("url") or r["id"]
        self.worst += [(_RANK[f["severity"]], -f["confidence"], r["id"], f["start"], f["severity"], f["category"],
                        f["sentence"], page) for f in r["report"]["findings"] if f["warning"]]
        if len(self.worst) > 50 * WORST:
            self._trim()

    def _trim(self) -> None:
        self.worst.sort(key=lambda t: t[:4])
        del self.worst[WORST:]

    def top(self) -> list[tuple]:
        self._trim()
        return self.worst


def summary(records: Iterable[dict]) -> Summary:
    s = Summary()
    for r in records:
        s.add(r)
    return s


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def render_markdown(s: Summary, run: dict, cats: dict[str, dict]) -> str:
    v = _versions(run)
    out = [
        "# stemcheck audit", "",
        f"Run `{v['run_id']}`, started {v['run_started']}; stemcheck {v['checker_version']}, rule pack "
        f"{v['rule_pack_version']} (sha256 `{v['rule_pack_hash']}`), judge {v['judge_version']}.", "",
        f"{s.pages} pages: {s.checked} checked, {s.failed} failed.", "",
        "## Pages by verdict", "", "| verdict | pages |", "|---|---|",
        *[f"| {k} | {s.verdicts[k]} |" for k in VERDICT_ORDER if s.verdicts[k]], "",
        "## Kinds of claim", "", "| caution | kind of claim | findings | pages with it | share of checked pages |",
        "|---|---|---|---|---|",
    ]
    for name, c in cats.items():
        if s.findings[name]:
            out.append(f"| {c['caution']} | {_md(c['plain'])} | {s.findings[name]} | {s.pages_with[name]} | "
                       f"{_share(s.pages_with[name], s.checked)} |")
    out += ["", "## The worst quotes", ""]
    for *_, severity, category, sentence, page in s.top():
        out.append(f"- **{severity}** ({_md(cats.get(category, {}).get('plain', category))}): "
                   f"\u201c{_md(sentence)}\u201d \u2014 {_md(page)}")
    out += ["", "## Pages", "", "| page | verdict | warnings | sha256 |", "|---|---|---|---|"]
    for page, verdict, warnings, error, sha in s.rows:
        out.append(f"| {_md(page)} | {_md(verdict or f'failed: {error}')} | {warnings} | `{sha[:16]}` |")
    return "\n".join(out) + "\n"


def _md(s: str) -> str:
    return " ".join(str(s).split()).replace("|", "\\|").replace("<", "&lt;")


def _svg_bar(labels: list[str], values: list[int], title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "stemcheck"  # stable ids: the same data, the same file
    fig, ax = plt.subplots(figsize=(7, 0.4 * max(3, len(labels)) + 0.8))
    ax.barh(range(len(labels)), values, color="#0b4f9c")
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_title(title)
    for i, value in enumerate(values):
        ax.text(value, i, f" {value}", va="center")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def render_html(s: Summary, run: dict, cats: dict[str, dict]) -> str:
    v = _versions(run)
    e = html.escape
    cat_names = [n for n in cats if s.findings[n]]
    charts = []
    if cat_names:
        charts.append(_svg_bar([cats[n]["caution"] + " " + n for n in cat_names], [s.findings[n] for n in cat_names],
                               "Findings by kind of claim"))
    verdicts = [k for k in VERDICT_ORDER if s.verdicts[k]]
    if verdicts:
        charts.append(_svg_bar(verdicts, [s.verdicts[k] for k in verdicts], "Pages by verdict"))
    rows_cat = "".join(
        f"<tr><td>{e(cats[n]['caution'])}</td><td>{e(cats[n]['plain'])}</td><td>{s.findings[n]}</td>"
        f"<td>{s.pages_with[n]}</td><td>{_share(s.pages_with[n], s.checked)}</td></tr>" for n in cat_names)
    rows_sev = "".join(f"<tr><td>{k}</td><td>{s.severities[k]}</td></tr>" for k in SEVERITY_ORDER if s.severities[k])
    worst = "".join(
        f"<li><strong>{e(severity)}</strong> ({e(cats.get(category, {}).get('plain', category))}): "
        f"&ldquo;{e(sentence)}&rdquo; &mdash; {e(page)}</li>" for *_, severity, category, sentence, page in s.top())
    pages = "".join(
        f"<tr><td>{e(page)}</td><td>{e(verdict or 'failed')}</td><td>{warnings}</td>"
        f"<td>{e(error or '')}</td><td><code>{e(sha[:16])}</code></td></tr>" for page, verdict, warnings, error, sha in s.rows)
    style = ("body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1a1a1a}"
             "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #999;padding:.2rem .5rem;text-align:left}"
             ".charts svg{max-width:100%;height:auto}.meta{color:#444}")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>stemcheck audit</title>"
        f"<style>{style}</style></head><body>"
        "<h1>stemcheck audit</h1>"
        f"<p class=\"meta\">Run <code>{e(v['run_id'])}</code>, started {e(v['run_started'])}; stemcheck "
        f"{e(v['checker_version'])}, rule pack {e(v['rule_pack_version'])} (sha256 <code>{e(v['rule_pack_hash'])}</code>), "
        f"judge {e(v['judge_version'])}.</p>"
        f"<p>{s.pages} pages: {s.checked} checked, {s.failed} failed.</p>"
        f"<div class=\"charts\">{''.join(charts)}</div>"
        "<h2>Kinds of claim</h2><table><tr><th>caution</th><th>kind of claim</th><th>findings</th><th>pages with it</th>"
        f"<th>share of checked pages</th></tr>{rows_cat}</table>"
        f"<h2>Findings by severity</h2><table><tr><th>severity</th><th>findings</th></tr>{rows_sev}</table>"
        f"<h2>The worst quotes</h2><ol>{worst}</ol>"
        "<h2>Pages</h2><table><tr><th>page</th><th>verdict</th><th>warnings</th><th>failure</th><th>sha256</th></tr>"
        f"{pages}</table></body></html>\n"
    )


class Reports:
    """Every report of one run, written as the records come (in input order) into
    temporary files that replace the old reports only when all are done."""

    def __init__(self, out: Path, run: dict) -> None:
        self.out, self.run = out, run
        self.cats = _pack_categories()
        self.v = _versions(run)
        self.summary = Summary()
        self._files: dict[str, IO[str]] = {
            name: tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=out, prefix=f".{name}.",
                                              delete=False)
            for name in ("findings.csv", "pages.csv", "report.md", "report.html", "results.sarif")
        }
        self._findings = csv.writer(self._files["findings.csv"], lineterminator="\r\n")
        self._findings.writerow(FINDING_COLUMNS)
        self._page_cols = page_columns(list(self.cats), self.v)
        self._pages = csv.writer(self._files["pages.csv"], lineterminator="\r\n")
        self._pages.writerow(self._page_cols)
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        self._sarif = Log(self._spool)
        self._hashes: dict[str, str | None] = {}

    def add(self, r: dict) -> None:
        self.summary.add(r)
        for row in finding_rows(r, self.v):
            self._findings.writerow(_cells(FINDING_COLUMNS, row))
        self._pages.writerow(_cells(self._page_cols, page_row(r, list(self.cats), self.v)))
        self._hashes[r.get("url") or r["id"]] = r.get("sha256")
        if r["status"] == "ok":
            self._sarif.add(r.get("url") or r["id"], r["text"], r["report"])

    def passing(self, records: Iterable[dict]) -> Iterator[dict]:
        """The records, each added to the reports on its way through (so another consumer,
        the history database, can read the same single pass)."""
        for r in records:
            self.add(r)
            yield r

    def close(self) -> dict[str, Path]:
        """Finish every file and put them in place; returns the files written."""
        self._files["report.md"].write(render_markdown(self.summary, self.run, self.cats))
        self._files["report.html"].write(render_html(self.summary, self.run, self.cats))
        self._sarif.write(self._files["results.sarif"], {"auditRun": self.v, "pageSha256": self._hashes})
        self._spool.close()
        written = {}
        for name, fh in self._files.items():
            fh.close()
            os.replace(fh.name, self.out / name)
            written[name] = self.out / name
        return written

    def discard(self) -> None:
        self._spool.close()
        for fh in self._files.values():
            fh.close()
            Path(fh.name).unlink(missing_ok=True)


def _cells(columns: tuple[str, ...] | list[str], row: dict) -> list[str]:
    return [defuse("" if row.get(c) is None else str(row[c])) for c in columns]


def write_reports(out: Path, records: Iterable[dict] | None = None) -> dict[str, Path]:
    """Write every report from the folder's records (read from it, one at a time, unless
    given); returns the files written."""
    run = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
    reports = Reports(out, run)
    try:
        for r in iter_records(out) if records is None else records:
            reports.add(r)
    except BaseException:
        reports.discard()
        raise
    return reports.close()
