"""The labelled corpus (corpus/): well formed, split by site, free of the pages kept aside
for measurement, and the shipped judge trained on exactly its train split."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SENTENCES = CORPUS / "sentences.jsonl"
PAGES = CORPUS / "pages.jsonl"
SOURCE_ALLOWED = ROOT.parent / "shared" / "tools" / "source_allowed.py"
DEV = ROOT.parent / "shared" / "data" / "dev.jsonl"
CAUTIONS = {f"C{i}" for i in range(1, 11)}

sys.path.insert(0, str(CORPUS / "tools"))
import build  # noqa: E402  (corpus/tools/build.py)


def rows() -> list[dict]:
    return [json.loads(line) for line in SENTENCES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_sentence_is_well_formed() -> None:
    data = rows()
    assert data
    ids = Counter(r["id"] for r in data)
    assert max(ids.values()) == 1
    texts = Counter(r["text"].lower() for r in data)
    assert max(texts.values()) == 1
    for r in data:
        assert r["label"] in ("claim", "honest", "ambiguous"), r["id"]
        assert set(r["cautions"]) <= CAUTIONS, r["id"]
        assert r["source"].startswith(("http://", "https://")), r["id"]
        assert r["site"] == build.host_of(r["source"]) and r["split"] == build.split_of(r["site"]), r["id"]
        assert len(r["readings"]) == 2, r["id"]
        if r["label"] == "claim":
            assert r["cautions"], r["id"]
            start, end = r["span"]
            assert 0 <= start < end <= len(r["text"]), r["id"]
        else:
            assert r["span"] is None, r["id"]


def test_disagreements_were_settled_by_a_third_reading() -> None:
    for r in rows():
        a, b = r["readings"]
        if build.needs_third(a, b):
            assert "adjudication" in r, r["id"]


def test_split_is_by_site() -> None:
    data = rows()
    train = {r["site"] for r in data if r["split"] == "train"}
    test = {r["site"] for r in data if r["split"] == "test"}
    assert train and test and not train & test
    assert len(test) / (len(train) + len(test)) >= 0.15


def test_stats_match_the_sentences() -> None:
    stats = json.loads((CORPUS / "stats.json").read_text(encoding="utf-8"))
    data = rows()
    assert stats["sentences"] == len(data)
    assert stats["labels"] == dict(Counter(r["label"] for r in data))


def test_whole_pages_are_well_formed() -> None:
    pages = [json.loads(line) for line in PAGES.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert pages
    for p in pages:
        assert p["page_label"] in ("selling", "honest") and p["sentences"], p.get("id")
        assert all(s["label"] in ("claim", "honest", "unscored") and s["text"] for s in p["sentences"]), p.get("id")


@pytest.mark.skipif(not SOURCE_ALLOWED.is_file(), reason="../shared not present")
@pytest.mark.parametrize("path", [SENTENCES, PAGES], ids=["sentences", "pages"])
def test_no_source_is_kept_aside_for_measurement(path: Path) -> None:
    done = subprocess.run([sys.executable, str(SOURCE_ALLOWED), "--jsonl", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and " 0 excluded" in done.stdout, done.stdout[-2000:]


def test_shipped_judge_was_trained_on_this_corpus() -> None:
    from checker.judge import MODEL_DIR

    meta = json.loads((MODEL_DIR / "judge.json").read_text(encoding="utf-8"))
    train = [r for r in rows() if r["split"] == "train" and r["label"] in ("claim", "honest")]
    if DEV.is_file():  # training adds dev.jsonl when ../shared is there
        train += [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
        digest = hashlib.sha256(b"".join(r["text"].encode() + b"\n" for r in train)).hexdigest()
        assert meta["trained_on"]["sha256"] == digest, "corpus changed since the judge was trained: run make train"
    assert meta["trained_on"]["sentences"] >= len([r for r in train if "site" in r])
    assert (MODEL_DIR / "MODEL_CARD.md").is_file()
