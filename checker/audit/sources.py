"""What an audit checks: the pages named by its inputs, in a fixed order.

Inputs are files (.txt .md as text, .html .htm .xhtml as HTML), folders (their files of
those kinds, recursively, in sorted order), JSON Lines files (``.jsonl``, one page a line:
``{"id", "url"?, "text" | "html"}``), WARC files (``.warc``, ``.warc.gz``: every HTTP
response record), and lists of URLs (a ``.txt`` or ``.urls`` file whose every line, blank
lines and ``#`` comments aside, is an http(s) URL; the pages are fetched).

An input that cannot be read at all (missing file, broken archive) and a line or record
that cannot be used become failed pages, never a stopped run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".md", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
WARC_SUFFIXES = (".warc", ".warc.gz")
_URL_RE = re.compile(r"^https?://\S+$", re.I)


@dataclass
class Page:
    """One page to check. ``data`` holds its bytes when they are at hand (files, JSONL,
    WARC); a page with only a ``url`` is fetched. ``error`` marks a page that failed before
    checking (the input could not be read)."""

    id: str
    origin: str  # the input it came from (a path), for the record
    kind: str  # "html", "text", or "auto" (decided from the bytes and the content type)
    url: str | None = None
    data: bytes | None = None
    content_type: str | None = None
    error: str | None = None
    meta: dict = field(default_factory=dict)  # fetch status, headers, WARC date...


def is_url_list(path: Path) -> bool:
    if path.suffix.lower() not in (".txt", ".urls"):
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
        lines = [ln.strip() for ln in head.decode("utf-8").splitlines()]
    except (OSError, UnicodeDecodeError):
        return False
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    return bool(lines) and all(_URL_RE.match(ln) for ln in lines)


def pages_from(inputs: list[str]) -> Iterator[Page]:
    """Every page the inputs name, in the order given (folders sorted). Ids are unique: a
    repeated id gets ``#2``, ``#3``..."""
    seen: dict[str, int] = {}
    for raw in inputs:
        for page in _pages_of(raw):
            n = seen.get(page.id, 0) + 1
            seen[page.id] = n
            if n > 1:
                page.id = f"{page.id}#{n}"
            yield page


def _pages_of(raw: str) -> Iterator[Page]:
    path = Path(raw)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES)
        for p in files:
            yield _file_page(p)
        return
    if not path.exists():
        yield Page(id=raw, origin=raw, kind="auto", error=f"{raw}: no such file or folder")
        return
    name = path.name.lower()
    if name.endswith(WARC_SUFFIXES):
        yield from _warc_pages(path)
    elif name.endswith(".jsonl"):
        yield from _jsonl_pages(path)
    elif is_url_list(path):
        yield from _url_pages(path)
    else:
        yield _file_page(path)


def _file_page(path: Path) -> Page:
    suffix = path.suffix.lower()
    kind = "html" if suffix in HTML_SUFFIXES else "text" if suffix in TEXT_SUFFIXES else "auto"
    fh = _open(path)
    if isinstance(fh, Page):
        fh.kind = kind
        return fh
    with fh:
        return Page(id=str(path), origin=str(path), kind=kind, data=fh.read())


def _open(path: Path):
    """The file open for reading, or the failed page that says why it is not."""
    try:
        return path.open("rb")
    except OSError as exc:
        return Page(id=str(path), origin=str(path), kind="auto", error=f"{path}: cannot read: {exc.strerror or exc}")


def _jsonl_pages(path: Path) -> Iterator[Page]:
    fh = _open(path)
    if isinstance(fh, Page):
        yield fh
        return
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
            except (ValueError, UnicodeDecodeError) as exc:
                yield Page(id=where, origin=where, kind="auto", error=f"{where}: not a JSON object ({exc})")
                continue
            pid = str(obj.get("id") or obj.get("url") or where)
            url = obj.get("url") if isinstance(obj.get("url"), str) else None
            html, text = obj.get("html"), obj.get("text")
            if isinstance(html, str) == isinstance(text, str):
                if html is None and text is None and url:
                    yield Page(id=pid, origin=where, kind="auto", url=url)  # to fetch
                else:
                    yield Page(id=pid, origin=where, kind="auto", url=url,
                               error=f"{where}: give exactly one of 'text' or 'html' (as a string)")
                continue
            body = html if isinstance(html, str) else text
            yield Page(id=pid, origin=where, kind="html" if isinstance(html, str) else "text", url=url,
                       data=body.encode("utf-8"))


def _url_pages(path: Path) -> Iterator[Page]:
    for line in path.read_text(encoding="utf-8").splitlines():
        url = line.strip()
        if url and not url.startswith("#"):
            yield Page(id=url, origin=str(path), kind="auto", url=url)


def _warc_pages(path: Path) -> Iterator[Page]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    fh = _open(path)
    if isinstance(fh, Page):
        yield fh
        return
    with fh:
        n = 0
        try:
            for record in ArchiveIterator(fh):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                n += 1
                url = record.rec_headers.get_header("WARC-Target-URI")
                status = record.http_headers.get_statuscode()
                ctype = record.http_headers.get_header("Content-Type")
                page = Page(id=url or f"{path}#{n}", origin=str(path), kind="auto", url=url, content_type=ctype,
                            meta={"http_status": int(status) if status and status.isdigit() else None,
                                  "warc_date": record.rec_headers.get_header("WARC-Date")})
                data = record.content_stream().read()
                if page.meta["http_status"] != 200:
                    page.error = f"{url}: the archived response has HTTP status {status}"
                else:
                    page.data = data
                yield page
        except (ArchiveLoadFailed, OSError, ValueError) as exc:
            yield Page(id=f"{path}#broken", origin=str(path), kind="auto",
                       error=f"{path}: the archive is damaged after {n} records ({exc})")
