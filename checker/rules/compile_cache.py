"""A disk cache of the compiled rule pack, so a command-line run starts fast.

Compiling the pack (validating the YAML, expanding lemmas into inflections,
indexing thousands of token patterns) takes most of a cold start. The result
is pickled under a key made of the pack's content hash and the source of the
modules that compile it, so any change to either makes a new entry. A missing,
stale or unreadable entry is simply rebuilt; a cache directory that cannot be
written is skipped. STEMCHECK_NO_CACHE=1 turns it off, STEMCHECK_CACHE_DIR
moves it (default: $XDG_CACHE_HOME/stemcheck or ~/.cache/stemcheck).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

from checker import __version__

T = TypeVar("T")
# The modules whose code shapes the pickled object, relative to checker/; their paths are
# part of the key too, since pickles name classes by module.
_SOURCES = ("rules/loader.py", "rules/schema.py", "rules/pattern_syntax.py", "rules/token_matcher.py",
            "rules/matching.py", "models.py", "text/normalise.py")


def cache_dir() -> Path | None:
    if os.environ.get("STEMCHECK_NO_CACHE"):
        return None
    explicit = os.environ.get("STEMCHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stemcheck"


def cache_key(pack_hash: str) -> str:
    digest = hashlib.sha256(f"{__version__}\0{pack_hash}\0".encode())
    package = Path(__file__).resolve().parent.parent
    for name in _SOURCES:
        digest.update(name.encode() + b"\0")
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:32]


def cached(pack_hash: str, build: Callable[[], T]) -> T:
    """The cached object for this pack, or build() it and store it."""
    directory = cache_dir()
    if directory is None:
        return build()
    path = directory / f"compiled-{cache_key(pack_hash)}.pickle"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 (our own file, keyed by content hash)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    value = build()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".compiled-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: readers see the old file or the new one
    except OSError:
        pass
    return value
