"""The audit history: runs, pages and findings in a database, and what changed between
two runs.

SQLite by default (a file path), PostgreSQL given a ``postgresql://`` URL; SQLAlchemy does
the talking and Alembic the schema (``migrations/``, applied on connecting, so an older
history file is brought up to date). A run is stored whole in one transaction, and
storing it again replaces it, so a resumed audit never duplicates rows.

A claim is matched between runs by page (its URL, else its id) and by category plus the
quote normalised (case, spacing and punctuation ignored), counted as a multiset: a claim
said twice on a page and once later is one removed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa

_META = sa.MetaData()
RUNS = sa.Table(
    "runs", _META,
    sa.Column("run_id", sa.String(32), primary_key=True), sa.Column("started", sa.String(40)),
    sa.Column("finished", sa.String(40)), sa.Column("checker_version", sa.String(40)),
    sa.Column("rule_pack_name", sa.String(80)), sa.Column("rule_pack_version", sa.String(40)),
    sa.Column("rule_pack_hash", sa.String(64)), sa.Column("judge_name", sa.String(80)),
    sa.Column("judge_version", sa.String(40)), sa.Column("settings", sa.Text), sa.Column("inputs", sa.Text),
    sa.Column("folder", sa.Text),
)
PAGES = sa.Table(
    "pages", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), sa.Column("run_id", sa.String(32)),
    sa.Column("seq", sa.Integer), sa.Column("page_key", sa.Text), sa.Column("url", sa.Text),
    sa.Column("status", sa.String(10)), sa.Column("error", sa.Text), sa.Column("verdict", sa.String(30)),
    sa.Column("warnings", sa.Integer), sa.Column("sha256", sa.String(64)), sa.Column("bytes", sa.Integer),
    sa.Column("http_status", sa.Integer), sa.Column("fetched_at", sa.String(40)),
)
FINDINGS = sa.Table(
    "findings", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), sa.Column("page_id", sa.Integer),
    sa.Column("run_id", sa.String(32)), sa.Column("category", sa.String(40)), sa.Column("caution", sa.String(4)),
    sa.Column("severity", sa.String(10)), sa.Column("assertion", sa.String(20)), sa.Column("warning", sa.Boolean),
    sa.Column("confidence", sa.Float), sa.Column("quote", sa.Text), sa.Column("quote_key", sa.Text),
    sa.Column("sentence", sa.Text), sa.Column("start", sa.Integer), sa.Column("end", sa.Integer),
    sa.Column("rule_id", sa.String(80)),
)


class HistoryError(Exception):
    """A database that cannot be used, or a run that is not in it."""


def database_url(db: str | Path) -> str:
    """A URL as given (``postgresql://...``, ``sqlite:///...``), or a file path for SQLite."""
    text = str(db)
    if "://" in text:
        return text.replace("postgresql://", "postgresql+psycopg://", 1) if text.startswith("postgresql://") else text
    return f"sqlite:///{Path(text).resolve()}"


def connect(db: str | Path) -> sa.Engine:
    """An engine on the history database, its schema migrated to the newest revision."""
    from alembic import command
    from alembic.config import Config

    url = database_url(db)
    if url.startswith("postgresql+psycopg://"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise HistoryError(
                f"cannot use the history database {db}: PostgreSQL needs the psycopg driver "
                "(pip install 'stemcheck[postgres]')"
            ) from None
    try:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(files("checker.audit") / "migrations"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        raise HistoryError(f"cannot use the history database {db}: {exc.__class__.__name__}: {exc}") from None
    return engine


_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


def quote_key(quote: str) -> str:
    return " ".join(_PUNCT.sub(" ", quote.casefold()).split())


def store_run(engine: sa.Engine, run: dict, records: Iterable[dict], folder: Path | None = None) -> None:
    """Store (or replace) one run with its pages and findings, in one transaction."""
    try:
        _store_run(engine, run, records, folder)
    except sa.exc.SQLAlchemyError as exc:
        raise HistoryError(f"cannot store run {run['run_id']} in {engine.url!r}: {exc.__class__.__name__}: {exc}") from None


def _store_run(engine: sa.Engine, run: dict, records: Iterable[dict], folder: Path | None) -> None:
    judge = run.get("judge") or {}
    with engine.begin() as conn:
        old_pages = sa.select(PAGES.c.id).where(PAGES.c.run_id == run["run_id"])
        conn.execute(FINDINGS.delete().where(FINDINGS.c.page_id.in_(old_pages)))
        conn.execute(PAGES.delete().where(PAGES.c.run_id == run["run_id"]))
        conn.execute(RUNS.delete().where(RUNS.c.run_id == run["run_id"]))
        conn.execute(RUNS.insert().values(
            run_id=run["run_id"], started=run["started"], finished=run.get("finished"),
            checker_version=run["checker_version"], rule_pack_name=run["rule_pack"]["name"],
            rule_pack_version=run["rule_pack"]["version"], rule_pack_hash=run["rule_pack"]["hash"],
            judge_name=judge.get("name"), judge_version=judge.get("version"),
            settings=json.dumps(run["settings"], sort_keys=True), inputs=json.dumps(run["inputs"]),
            folder=str(folder) if folder else None,
        ))
        for r in records:
            meta = r.get("meta") or {}
            page_id = conn.execute(PAGES.insert().values(
                run_id=run["run_id"], seq=r["seq"], page_key=r["id"], url=r.get("url"), status=r["status"],
                error=r.get("error"), verdict=r.get("verdict"), warnings=r["warnings"], sha256=r.get("sha256"),
                bytes=r.get("bytes"), http_status=meta.get("http_status"), fetched_at=meta.get("fetched_at"),
            ).returning(PAGES.c.id)).scalar_one()
            rows = [
                dict(page_id=page_id, run_id=run["run_id"], category=f["category"], caution=f["caution"],
                     severity=f["severity"], assertion=f["assertion"], warning=f["warning"], confidence=f["confidence"],
                     quote=f["text"], quote_key=quote_key(f["text"]), sentence=f["sentence"], start=f["start"],
                     end=f["end"], rule_id=f["rule_id"])
                for f in (r["report"] or {}).get("findings", [])
            ]
            if rows:
                conn.execute(FINDINGS.insert(), rows)


def list_runs(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        pages = (sa.select(PAGES.c.run_id, sa.func.count().label("pages"),
                           sa.func.sum(sa.case((PAGES.c.warnings > 0, 1), else_=0)).label("flagged"))
                 .group_by(PAGES.c.run_id).subquery())
        q = (sa.select(RUNS, pages.c.pages, pages.c.flagged).join(pages, pages.c.run_id == RUNS.c.run_id, isouter=True)
             .order_by(RUNS.c.started, RUNS.c.run_id))
        return [dict(row._mapping) for row in conn.execute(q)]


def resolve_run(engine: sa.Engine, ref: str) -> str:
    """A run id from an id, a unique prefix of one, or an audit folder (its run.json)."""
    path = Path(ref)
    if (path / "run.json").is_file():
        ref = json.loads((path / "run.json").read_text(encoding="utf-8"))["run_id"]
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(sa.select(RUNS.c.run_id).where(RUNS.c.run_id.startswith(ref)))]
    if len(ids) != 1:
        raise HistoryError(f"{'no run' if not ids else 'several runs'} matching {ref!r} in the history; "
                           "`stemcheck audit runs` lists them")
    return ids[0]


def _claims(conn, run_id: str) -> dict[str, Counter]:
    q = (sa.select(PAGES.c.page_key, PAGES.c.url, FINDINGS.c.category, FINDINGS.c.quote_key, FINDINGS.c.quote)
         .join(FINDINGS, FINDINGS.c.page_id == PAGES.c.id, isouter=True)
         .where(PAGES.c.run_id == run_id, PAGES.c.status == "ok"))
    claims: dict[str, Counter] = {}
    for key, url, category, qkey, quote in conn.execute(q):
        page = claims.setdefault(url or key, Counter())
        if category is not None and qkey is not None:
            page[(category, qkey)] += 1
    return claims


def diff_runs(engine: sa.Engine, run_a: str, run_b: str) -> dict:
    """Per page (by URL, else id): the claims added, removed and unchanged from A to B."""
    with engine.connect() as conn:
        a, b = _claims(conn, run_a), _claims(conn, run_b)
    pages = []
    for key in sorted(set(a) | set(b)):
        ca, cb = a.get(key, Counter()), b.get(key, Counter())
        entry = {
            "page": key,
            "in": "both" if key in a and key in b else ("only A" if key in a else "only B"),
            "added": _listed(cb - ca), "removed": _listed(ca - cb), "unchanged": _listed(ca & cb),
        }
        pages.append(entry)
    totals = {k: sum(len(p[k]) for p in pages) for k in ("added", "removed", "unchanged")}
    return {"run_a": run_a, "run_b": run_b, "totals": totals, "pages": pages}


def _listed(counter: Counter) -> list[dict]:
    return [{"category": c, "quote": q, "count": n} for (c, q), n in sorted(counter.items())]


def diff_text(diff: dict) -> str:
    lines = [f"from run {diff['run_a']} to run {diff['run_b']}: {diff['totals']['added']} claims added, "
             f"{diff['totals']['removed']} removed, {diff['totals']['unchanged']} unchanged"]
    for p in diff["pages"]:
        if not (p["added"] or p["removed"]) and p["in"] == "both":
            continue
        lines.append(f"\n{p['page']}" + ("" if p["in"] == "both" else f" ({p['in']})"))
        for sign, key in (("+", "added"), ("-", "removed")):
            for c in p[key]:
                times = f" x{c['count']}" if c["count"] > 1 else ""
                lines.append(f"  {sign} [{c['category']}] {c['quote']}{times}")
    return "\n".join(lines) + "\n"
