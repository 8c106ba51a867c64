"""Pages for the audit tests, and a local web server with the failures a crawl meets."""

from __future__ import annotations

import http.server
import threading
import time
from pathlib import Path

import pytest

from audit_pages import HONEST, page_html


@pytest.fixture()
def sample_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    (folder / "more").mkdir(parents=True)
    for i in range(6):
        (folder / f"clinic-{i}.html").write_text(page_html(i), encoding="utf-8")
    (folder / "more" / "honest.txt").write_text(HONEST + "\n", encoding="utf-8")
    (folder / "more" / "latin1.txt").write_bytes("Caf\xe9 cells cure MS.".encode("latin-1"))
    (folder / "more" / "ignored.pdf").write_bytes(b"%PDF-1.4")
    return folder


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path
        self.server.hits.append(path)
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private\n", "text/plain")
        elif path.startswith("/page/"):
            self._send(200, page_html(int(path.rsplit("/", 1)[1])).encode())
        elif path == "/slow":
            time.sleep(3)
            self._send(200, b"<p>late</p>")
        elif path == "/missing":
            self._send(404, b"<p>Not found</p>")
        elif path == "/loop":
            self._send(302, b"", headers=[("Location", "/loop")])
        elif path == "/report.pdf":
            self._send(200, b"%PDF-1.4 ...", "application/pdf")
        elif path == "/huge":
            self._send(200, b"<p>" + b"a" * 300_000 + b"</p>")
        elif path == "/private/page":
            self._send(200, b"<p>secret cures</p>")
        else:
            self._send(404, b"")


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up (the slow page's timeout) is expected here


@pytest.fixture()
def web_server():
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
