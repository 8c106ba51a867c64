"""The disk cache of the compiled pack: used when valid, rebuilt when not."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.rules import compile_cache


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("STEMCHECK_NO_CACHE", raising=False)
    monkeypatch.setenv("STEMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_builds_once_then_reads_the_cache(cache_dir: Path) -> None:
    calls = []

    def build():
        calls.append(1)
        return {"value": 42}

    assert compile_cache.cached("hash-a", build) == {"value": 42}
    assert compile_cache.cached("hash-a", build) == {"value": 42}
    assert len(calls) == 1
    assert len(list(cache_dir.glob("compiled-*.pickle"))) == 1


def test_a_different_pack_hash_is_a_different_entry(cache_dir: Path) -> None:
    compile_cache.cached("hash-a", lambda: 1)
    assert compile_cache.cached("hash-b", lambda: 2) == 2


def test_a_corrupt_entry_is_rebuilt(cache_dir: Path) -> None:
    compile_cache.cached("hash-a", lambda: 1)
    for path in cache_dir.glob("compiled-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert compile_cache.cached("hash-a", lambda: 7) == 7
    assert compile_cache.cached("hash-a", lambda: 9) == 7  # the rebuilt entry was stored


def test_unwritable_cache_directory_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("STEMCHECK_CACHE_DIR", str(blocker / "sub"))
    assert compile_cache.cached("hash-a", lambda: 3) == 3


def test_can_be_turned_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEMCHECK_NO_CACHE", "1")
    assert compile_cache.cached("hash-a", lambda: 5) == 5
    assert not cache_dir.exists()


def test_cached_checker_matches_a_fresh_one(cache_dir: Path) -> None:
    from checker.pipeline import Checker, _default_compiled
    from checker.text.nlp import get_nlp
    from checker.rules.loader import load_pack

    _default_compiled(get_nlp())  # writes the cache
    cached_pack, cached_compiled = _default_compiled(get_nlp())  # reads it
    fresh = Checker(load_pack())
    text = "Our stem cell therapy cures MS. It is FDA-approved and has no side effects."
    doc = get_nlp()(text)
    assert sorted((m.rule.id, m.start, m.end) for m in cached_compiled.find(doc)) == sorted(
        (m.rule.id, m.start, m.end) for m in fresh.compiled.find(doc)
    )
    assert cached_pack.info == fresh.pack.info
