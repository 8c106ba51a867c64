"""Fetching an audit's URLs, politely, and keeping exactly what was fetched.

httpx does the HTTP (timeouts, redirects, streaming); this module adds what an audit of
other people's sites needs: robots.txt obeyed (urllib.robotparser), a clear user agent,
one request at a time per host with a delay between them, a size cap read as the body
streams in, a redirect limit, a content-type check, and retries with backoff for
connection errors, 429 and 5xx.

Every fetch is kept in the audit's ``store/``: the body under its SHA-256, and a line in
``store/index.jsonl`` with the URL, final URL, status, headers, time and hash (failures
too). ``from_store`` answers from there alone, so an audit re-run months later checks
exactly the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from checker import __version__
from checker.audit.sources import Page

USER_AGENT = f"stemcheck-audit/{__version__} (+https://github.com/stemcheck; checks health claims, obeys robots.txt)"
_TEXTUAL = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass(frozen=True)
class FetchSettings:
    timeout_s: float = 15.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    host_delay_s: float = 1.0
    retries: int = 2
    backoff_s: float = 1.0
    user_agent: str = USER_AGENT
    obey_robots: bool = True


class Store:
    """Fetched pages under ``root``: ``<sha256>.body`` files and ``index.jsonl``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._index: dict[str, dict] = {}
        path = root / "index.jsonl"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a torn last line from a killed run
                self._index[entry["url"]] = entry

    def get(self, url: str) -> tuple[dict, bytes | None] | None:
        entry = self._index.get(url)
        if entry is None:
            return None
        body = (self.root / f"{entry['sha256']}.body").read_bytes() if entry.get("sha256") else None
        return entry, body

    def put(self, entry: dict, body: bytes | None) -> None:
        with self._lock:
            if body is not None:
                path = self.root / f"{entry['sha256']}.body"
                if not path.exists():
                    tmp = path.with_suffix(".tmp")
                    tmp.write_bytes(body)
                    tmp.replace(path)
            with (self.root / "index.jsonl").open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, sort_keys=True) + "\n")
            self._index[entry["url"]] = entry


class _FetchFailed(Exception):
    def __init__(self, reason: str, status: int | None = None, retry: bool = False):
        super().__init__(reason)
        self.reason, self.status, self.retry = reason, status, retry


class Fetcher:
    """Call with a URL-only Page: fills its data, content type and meta, or its error."""

    def __init__(self, store: Store, settings: FetchSettings = FetchSettings(), *, from_store: bool = False,
                 transport=None) -> None:
        self.store = store
        self.settings = settings
        self.from_store = from_store
        self._transport = transport
        self._client = None
        self._host_locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}
        self._robots: dict[str, RobotFileParser | None] = {}
        self._lock = threading.Lock()

    def _http(self):
        import httpx

        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.settings.timeout_s), follow_redirects=True,
                max_redirects=self.settings.max_redirects, headers={"User-Agent": self.settings.user_agent},
                transport=self._transport,
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __call__(self, page: Page) -> None:
        url = page.url or ""
        stored = self.store.get(url)
        if self.from_store or stored is not None:
            if stored is None:
                page.error = f"{url}: not in the audit's store (run once without --from-store to fetch it)"
                return
            self._fill(page, *stored)
            return
        entry, body = self._fetch(url)
        self.store.put(entry, body)
        self._fill(page, entry, body)

    @staticmethod
    def _fill(page: Page, entry: dict, body: bytes | None) -> None:
        page.meta = {k: entry.get(k) for k in ("http_status", "final_url", "fetched_at", "sha256")}
        if entry.get("error"):
            page.error = f"{page.url}: {entry['error']}"
            return
        page.data = body
        page.content_type = entry.get("content_type")

    def _host_lock(self, host: str) -> threading.Lock:
        with self._lock:
            return self._host_locks.setdefault(host, threading.Lock())

    def _polite(self, host: str) -> None:
        # Called holding the host's lock: one request at a time per host, spaced out.
        wait = self._last.get(host, 0.0) + self.settings.host_delay_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last[host] = time.monotonic()

    def _allowed(self, url: str, host_key: str) -> bool:
        if not self.settings.obey_robots:
            return True
        if host_key not in self._robots:
            parts = urlsplit(url)
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            parser: RobotFileParser | None = RobotFileParser()
            try:
                self._polite(host_key)
                r = self._http().get(robots_url)
                if r.status_code == 200:
                    parser.parse(r.text.splitlines())
                elif r.status_code in (401, 403):
                    parser.disallow_all = True
                else:
                    parser = None  # no robots.txt: everything allowed
            except Exception:  # noqa: BLE001 - unreachable robots.txt: treat as none, the page fetch reports errors
                parser = None
            self._robots[host_key] = parser
        parser = self._robots[host_key]
        return parser is None or parser.can_fetch(self.settings.user_agent, url)

    def _fetch(self, url: str) -> tuple[dict, bytes | None]:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        entry: dict = {"url": url, "fetched_at": now, "sha256": None, "http_status": None, "final_url": None,
                       "headers": {}, "content_type": None, "error": None}
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            entry["error"] = "not an http(s) URL"
            return entry, None
        host = parts.netloc.lower()
        with self._host_lock(host):
            if not self._allowed(url, host):
                entry["error"] = "robots.txt does not allow fetching it"
                return entry, None
            attempt = 0
            while True:
                self._polite(host)
                try:
                    body = self._get(url, entry)
                    return entry, body
                except _FetchFailed as exc:
                    entry["http_status"] = exc.status
                    if exc.retry and attempt < self.settings.retries:
                        attempt += 1
                        time.sleep(self.settings.backoff_s * 2 ** (attempt - 1))
                        continue
                    entry["error"] = exc.reason
                    return entry, None

    def _get(self, url: str, entry: dict) -> bytes:
        import httpx

        limit = self.settings.max_bytes
        try:
            with self._http().stream("GET", url) as r:
                entry["http_status"] = r.status_code
                entry["final_url"] = str(r.url)
                entry["headers"] = dict(r.headers)
                entry["content_type"] = r.headers.get("content-type")
                if r.status_code == 429 or r.status_code >= 500:
                    raise _FetchFailed(f"HTTP {r.status_code}", r.status_code, retry=True)
                if r.status_code != 200:
                    raise _FetchFailed(f"HTTP {r.status_code}", r.status_code)
                ctype = (entry["content_type"] or "").split(";")[0].strip().lower()
                if ctype and not ctype.startswith(_TEXTUAL):
                    raise _FetchFailed(f"not a text or HTML page (content type {ctype})", r.status_code)
                declared = r.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise _FetchFailed(f"too big: {int(declared):,} bytes declared, the limit is {limit:,}", r.status_code)
                chunks, size = [], 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise _FetchFailed(f"too big: more than the limit of {limit:,} bytes", r.status_code)
                    chunks.append(chunk)
        except httpx.TooManyRedirects:
            raise _FetchFailed(f"more than {self.settings.max_redirects} redirects") from None
        except httpx.TimeoutException:
            raise _FetchFailed(f"timed out after {self.settings.timeout_s:g} s", retry=True) from None
        except httpx.TransportError as exc:
            raise _FetchFailed(f"cannot connect ({exc.__class__.__name__})", retry=True) from None
        body = b"".join(chunks)
        entry["sha256"] = hashlib.sha256(body).hexdigest()
        return body
