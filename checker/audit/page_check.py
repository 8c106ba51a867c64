"""The audit's unit of work: one page's bytes and the run's settings in, one page record
out. A pure function of its arguments (the checker is loaded once per process), so any
engine can map it over pages: a process pool here, a Dask cluster in examples/.

A page that cannot be checked (too big, not text, wrong encoding, HTML the extractor
refuses) gives a record with ``status: "failed"`` and the reason, never an exception.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from checker.input.files import InputError, decode, looks_like_html

_TEXTUAL = ("text/html", "application/xhtml+xml", "text/plain", "text/markdown")


@dataclass(frozen=True)
class AuditSettings:
    include_all: bool = False
    judge: bool = True
    max_bytes: int = 5 * 1024 * 1024

    def as_dict(self) -> dict:
        return asdict(self)


_CHECKERS: dict[bool, object] = {}
_NO_NEIGHBOURS = {"findings": {"__all__": {"evidence": {"judge": {"neighbours"}}}}}


def _checker(judge: bool):
    if judge not in _CHECKERS:
        from checker.pipeline import default_checker, rules_checker

        _CHECKERS[judge] = default_checker() if judge else rules_checker()
    return _CHECKERS[judge]


def failed(page_id: str, url: str | None, error: str, sha256: str | None = None, **extra) -> dict:
    return {"id": page_id, "url": url, "status": "failed", "error": error, "sha256": sha256,
            "verdict": None, "warnings": 0, "by_category": {}, "by_severity": {}, "sentences": 0,
            "text": None, "report": None, **extra}


def _decode(data: bytes, content_type: str | None, source: str) -> str:
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip('"\'')
    if charset and charset not in ("utf-8", "utf8"):
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(f"{source}: cannot be read as {charset} ({exc.__class__.__name__})") from None
    return decode(data, source)


def check_page(page_id: str, data: bytes, kind: str, settings: AuditSettings, *, url: str | None = None,
               content_type: str | None = None) -> dict:
    """Check one page. ``kind`` is "html", "text" or "auto" (from the content type, else
    from the text itself)."""
    sha = hashlib.sha256(data).hexdigest()
    if len(data) > settings.max_bytes:
        return failed(page_id, url, f"too big: {len(data):,} bytes, more than the limit of {settings.max_bytes:,}",
                      sha, bytes=len(data))
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype and not ctype.startswith(_TEXTUAL):
        return failed(page_id, url, f"not a text or HTML page (content type {ctype})", sha, bytes=len(data))
    try:
        text = _decode(data, content_type, page_id)
    except InputError as exc:
        return failed(page_id, url, f"unreadable: {exc}", sha, bytes=len(data))
    if kind == "auto":
        kind = "html" if ctype in ("text/html", "application/xhtml+xml") else "text" if ctype else (
            "html" if looks_like_html(text, page_id) else "text")
    from checker.documents import DocumentError, check_documents
    from checker.input.files import Document

    try:
        (checked,) = check_documents([Document(page_id, text, kind == "html")], include_all=settings.include_all,
                                     checker=_checker(settings.judge))
    except DocumentError as exc:
        return failed(page_id, url, f"unreadable HTML: {exc.reason}", sha, bytes=len(data))
    report = checked.report
    s = report.summary
    return {
        "id": page_id, "url": url, "status": "ok", "error": None, "sha256": sha, "bytes": len(data), "kind": kind,
        "verdict": s.verdict, "warnings": s.warnings, "by_category": s.by_category, "by_severity": s.by_severity,
        "sentences": s.sentences,
        # The checked text (visible text for HTML; the report's offsets index it) and the
        # page's full report, as /v1/check returns it.
        # Each judged finding's nearest corpus sentences are left out: they are the same
        # few hundred sentences over and over, and would make the record ten times larger.
        "text": checked.text, "report": report.model_dump(mode="json", exclude=_NO_NEIGHBOURS),
    }
