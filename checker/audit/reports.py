"""The audit's reports, written from the run's records (``pages.jsonl``) into its folder:

    findings.csv   one row a finding: page, URL, category, severity, assertion, quote,
                   sentence, offsets, rule or judge id
    pages.csv      one row a page, clean and failed pages included
    report.md      counts, shares of pages, the worst quotes, a table of pages
    report.html    the same, self-contained (charts drawn with matplotlib, embedded as SVG)
    results.sarif  every finding, for SARIF viewers

Every file names the checker version, the rule pack's version and hash, the judge model's
version, the run's id and start time, and each page's SHA-256. Written from the records
alone, so the same records always give byte-identical files.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from pathlib import Path

from checker.audit.runner import RUN_FILE, ordered_records
from checker.outputs.csv import defuse

SEVERITY_ORDER = ("critical", "high", "medium", "low")
VERDICT_ORDER = ("seriously misleading", "misleading", "caution", "clean", "failed")
FINDING_COLUMNS = (
    "page_id", "url", "category", "caution", "severity", "assertion", "warning", "confidence", "quote",
    "sentence", "start", "end", "html_start", "html_end", "rule_id", "pattern_name", "page_sha256",
    "run_id", "run_started", "checker_version", "rule_pack_version", "rule_pack_hash", "judge_version",
)


def _versions(run: dict) -> dict[str, str]:
    judge = run.get("judge") or {}
    return {
        "run_id": run["run_id"], "run_started": run["started"], "checker_version": run["checker_version"],
        "rule_pack_version": f"{run['rule_pack']['name']} {run['rule_pack']['version']}",
        "rule_pack_hash": run["rule_pack"]["hash"],
        "judge_version": f"{judge.get('name')} {judge.get('version')}" if judge else "off",
    }


def _rows_to_csv(columns: tuple[str, ...] | list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([defuse("" if row.get(c) is None else str(row[c])) for c in columns])
    return buf.getvalue()


def finding_rows(records: list[dict], run: dict) -> list[dict]:
    v = _versions(run)
    rows = []
    for r in records:
        if r["status"] != "ok":
            continue
        for f in sorted(r["report"]["findings"], key=lambda f: (f["start"], f["end"], f["rule_id"])):
            rows.append({
                "page_id": r["id"], "url": r.get("url"), "category": f["category"], "caution": f["caution"],
                "severity": f["severity"], "assertion": f["assertion"], "warning": f["warning"],
                "confidence": f"{f['confidence']:.3f}", "quote": f["text"], "sentence": f["sentence"],
                "start": f["start"], "end": f["end"], "html_start": f.get("html_start"), "html_end": f.get("html_end"),
                "rule_id": f["rule_id"], "pattern_name": (f.get("evidence") or {}).get("pattern_name"),
                "page_sha256": r["sha256"], **v,
            })
    return rows


def page_rows(records: list[dict], run: dict, categories: list[str]) -> tuple[list[str], list[dict]]:
    v = _versions(run)
    columns = ["page_id", "url", "status", "error", "verdict", "warnings", *categories, "sentences", "bytes",
               "sha256", "http_status", "fetched_at", *v]
    rows = []
    for r in records:
        meta = r.get("meta") or {}
        rows.append({
            "page_id": r["id"], "url": r.get("url"), "status": r["status"], "error": r.get("error"),
            "verdict": r.get("verdict") or ("failed" if r["status"] != "ok" else None), "warnings": r["warnings"],
            **{c: r["by_category"].get(c, 0) for c in categories}, "sentences": r["sentences"],
            "bytes": r.get("bytes"), "sha256": r.get("sha256"), "http_status": meta.get("http_status"),
            "fetched_at": meta.get("fetched_at"), **v,
        })
    return columns, rows


def _pack_categories() -> dict[str, dict]:
    from checker.rules.loader import default_pack

    return {name: {"plain": m.plain, "caution": m.caution} for name, m in default_pack().meta.categories.items()}


def summary(records: list[dict]) -> dict:
    ok = [r for r in records if r["status"] == "ok"]
    verdicts = Counter(r.get("verdict") or "failed" for r in records)
    findings = Counter()
    severities = Counter()
    pages_with = Counter()
    for r in ok:
        findings.update(r["by_category"])
        severities.update(r["by_severity"])
        pages_with.update(c for c, n in r["by_category"].items() if n)
    worst = []
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    for r in ok:
        for f in r["report"]["findings"]:
            if f["warning"]:
                worst.append((rank[f["severity"]], -f["confidence"], r["id"], f["start"], f, r))
    worst.sort(key=lambda t: t[:4])
    return {"pages": len(records), "checked": len(ok), "failed": len(records) - len(ok), "verdicts": verdicts,
            "findings": findings, "severities": severities, "pages_with": pages_with, "worst": worst[:15]}


def _share(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def render_markdown(records: list[dict], run: dict, cats: dict[str, dict]) -> str:
    v = _versions(run)
    s = summary(records)
    out = [
        "# stemcheck audit", "",
        f"Run `{v['run_id']}`, started {v['run_started']}; stemcheck {v['checker_version']}, rule pack "
        f"{v['rule_pack_version']} (sha256 `{v['rule_pack_hash']}`), judge {v['judge_version']}.", "",
        f"{s['pages']} pages: {s['checked']} checked, {s['failed']} failed.", "",
        "## Pages by verdict", "", "| verdict | pages |", "|---|---|",
        *[f"| {k} | {s['verdicts'][k]} |" for k in VERDICT_ORDER if s["verdicts"][k]], "",
        "## Kinds of claim", "", "| caution | kind of claim | findings | pages with it | share of checked pages |",
        "|---|---|---|---|---|",
    ]
    for name, c in cats.items():
        if s["findings"][name]:
            out.append(f"| {c['caution']} | {_md(c['plain'])} | {s['findings'][name]} | {s['pages_with'][name]} | "
                       f"{_share(s['pages_with'][name], s['checked'])} |")
    out += ["", "## The worst quotes", ""]
    for _, _, pid, _, f, r in s["worst"]:
        out.append(f"- **{f['severity']}** ({_md(cats.get(f['category'], {}).get('plain', f['category']))}): "
                   f"\u201c{_md(f['sentence'])}\u201d \u2014 {_md(r.get('url') or pid)}")
    out += ["", "## Pages", "", "| page | verdict | warnings | sha256 |", "|---|---|---|---|"]
    for r in records:
        verdict = r.get("verdict") or f"failed: {r.get('error')}"
        out.append(f"| {_md(r.get('url') or r['id'])} | {_md(verdict)} | {r['warnings']} | `{(r.get('sha256') or '')[:16]}` |")
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


def render_html(records: list[dict], run: dict, cats: dict[str, dict]) -> str:
    v = _versions(run)
    s = summary(records)
    e = html.escape
    cat_names = [n for n in cats if s["findings"][n]]
    charts = []
    if cat_names:
        charts.append(_svg_bar([cats[n]["caution"] + " " + n for n in cat_names], [s["findings"][n] for n in cat_names],
                               "Findings by kind of claim"))
    verdicts = [k for k in VERDICT_ORDER if s["verdicts"][k]]
    if verdicts:
        charts.append(_svg_bar(verdicts, [s["verdicts"][k] for k in verdicts], "Pages by verdict"))
    rows_cat = "".join(
        f"<tr><td>{e(cats[n]['caution'])}</td><td>{e(cats[n]['plain'])}</td><td>{s['findings'][n]}</td>"
        f"<td>{s['pages_with'][n]}</td><td>{_share(s['pages_with'][n], s['checked'])}</td></tr>" for n in cat_names)
    rows_sev = "".join(f"<tr><td>{k}</td><td>{s['severities'][k]}</td></tr>" for k in SEVERITY_ORDER if s["severities"][k])
    worst = "".join(
        f"<li><strong>{e(f['severity'])}</strong> ({e(cats.get(f['category'], {}).get('plain', f['category']))}): "
        f"&ldquo;{e(f['sentence'])}&rdquo; &mdash; {e(r.get('url') or pid)}</li>" for _, _, pid, _, f, r in s["worst"])
    pages = "".join(
        f"<tr><td>{e(r.get('url') or r['id'])}</td><td>{e(r.get('verdict') or 'failed')}</td><td>{r['warnings']}</td>"
        f"<td>{e(r.get('error') or '')}</td><td><code>{e((r.get('sha256') or '')[:16])}</code></td></tr>" for r in records)
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
        f"<p>{s['pages']} pages: {s['checked']} checked, {s['failed']} failed.</p>"
        f"<div class=\"charts\">{''.join(charts)}</div>"
        "<h2>Kinds of claim</h2><table><tr><th>caution</th><th>kind of claim</th><th>findings</th><th>pages with it</th>"
        f"<th>share of checked pages</th></tr>{rows_cat}</table>"
        f"<h2>Findings by severity</h2><table><tr><th>severity</th><th>findings</th></tr>{rows_sev}</table>"
        f"<h2>The worst quotes</h2><ol>{worst}</ol>"
        "<h2>Pages</h2><table><tr><th>page</th><th>verdict</th><th>warnings</th><th>failure</th><th>sha256</th></tr>"
        f"{pages}</table></body></html>\n"
    )


def render_sarif(records: list[dict], run: dict) -> str:
    from checker.models import Report
    from checker.outputs import Result
    from checker.outputs.sarif import document

    results = [Result(r.get("url") or r["id"], r["text"], Report.model_validate(r["report"]))
               for r in records if r["status"] == "ok"]
    doc = document(results)
    doc["runs"][0].setdefault("properties", {}).update(
        {"auditRun": _versions(run), "pageSha256": {r.get("url") or r["id"]: r.get("sha256") for r in records}})
    # Compact: an audit's log runs to many megabytes, and indenting is Python's slow path.
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_reports(out: Path, records: list[dict] | None = None) -> dict[str, Path]:
    """Write every report from the folder's records (read from it unless given); returns
    the files written."""
    run = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
    if records is None:
        records = ordered_records(out)
    cats = _pack_categories()
    pcols, prows = page_rows(records, run, list(cats))
    files = {
        "findings.csv": _rows_to_csv(FINDING_COLUMNS, finding_rows(records, run)),
        "pages.csv": _rows_to_csv(pcols, prows),
        "report.md": render_markdown(records, run, cats),
        "report.html": render_html(records, run, cats),
        "results.sarif": render_sarif(records, run),
    }
    written = {}
    for name, content in files.items():
        path = out / name
        path.write_text(content, encoding="utf-8", newline="")
        written[name] = path
    return written
