"""Read what the user gives us, refusing bad input with a clear message.

Input is never modified: files are only read, and decoding problems are
reported, not papered over with replacement characters.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_BINARY_SNIFF = 8192
_HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}


class InputError(ValueError):
    """Input that cannot be checked; the message says why and what to do."""


@dataclass(frozen=True)
class Document:
    source: str  # path or "<stdin>"
    text: str  # decoded content, exactly as given (minus a UTF-8 BOM)
    is_html: bool


def max_bytes_from_env() -> int:
    raw = os.environ.get("STEMCHECK_MAX_BYTES")
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"STEMCHECK_MAX_BYTES must be a whole number of bytes, not {raw!r}") from None
    if value <= 0:
        raise InputError("STEMCHECK_MAX_BYTES must be positive")
    return value


def decode(data: bytes, source: str) -> str:
    """Strict UTF-8 (a BOM is allowed); binary and other encodings are refused."""
    if b"\x00" in data[:_BINARY_SNIFF]:
        raise InputError(f"{source}: looks like a binary file (it contains NUL bytes); give a text or HTML file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{source}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {line}); "
            "convert it first, e.g. `iconv -f latin1 -t utf-8`"
        ) from None


def looks_like_html(text: str, source: str = "") -> bool:
    if Path(source).suffix.lower() in _HTML_EXTENSIONS:
        return True
    head = text.lstrip()[:512].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body")) or (
        head.startswith("<") and ("</p>" in text[:20000].lower() or "</div>" in text[:20000].lower())
    )


def _read_limited(stream: BinaryIO, source: str, max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(
            f"{source}: larger than the limit of {max_bytes:,} bytes; split it, or raise the limit "
            "with --max-bytes or STEMCHECK_MAX_BYTES"
        )
    return data


def read_document(source: str, *, max_bytes: int | None = None, stdin: BinaryIO | None = None) -> Document:
    """Read a path, or standard input for "-"."""
    limit = max_bytes if max_bytes is not None else max_bytes_from_env()
    if source == "-":
        name = "<stdin>"
        data = _read_limited(stdin or sys.stdin.buffer, name, limit)
    else:
        path = Path(source)
        name = source
        try:
            if path.is_dir():
                raise InputError(f"{source}: is a directory; give a file")
            size = path.stat().st_size
            if size > limit:
                raise InputError(
                    f"{source}: {size:,} bytes is larger than the limit of {limit:,} bytes; split it, "
                    "or raise the limit with --max-bytes or STEMCHECK_MAX_BYTES"
                )
            with path.open("rb") as fh:
                data = _read_limited(fh, name, limit)
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except PermissionError:
            raise InputError(f"{source}: permission denied") from None
        except IsADirectoryError:
            raise InputError(f"{source}: is a directory; give a file") from None
        except OSError as exc:
            raise InputError(f"{source}: cannot read: {exc.strerror or exc}") from None
    text = decode(data, name)
    return Document(source=name, text=text, is_html=looks_like_html(text, source))
