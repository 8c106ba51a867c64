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



def _parent_sites(url: str) -> list[str]:
    """The site's parent domains: fr.example.org -> example.org (never a bare suffix)."""
    from urllib.parse import urlsplit

    labels = urlsplit(url.strip()).netloc.lower().split("@")[-1].split(":")[0].split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels) - 1)]


def test_parent_sites() -> None:
    assert _parent_sites("https://fr.clinic.example.org/page") == ["clinic.example.org", "example.org"]
    assert _parent_sites("https://www.example.org/") == ["example.org"]
    assert _parent_sites("https://example.org/") == []


def _embedded_urls(url: str) -> list[str]:
    from urllib.parse import parse_qsl, urlsplit

    return [v for _, v in parse_qsl(urlsplit(url.strip()).query) if v.lower().startswith(("http://", "https://"))]


@pytest.mark.parametrize("path", [SENTENCES, PAGES], ids=["sentences", "pages"])
def test_no_source_is_a_redirect(path: Path) -> None:
    """A search engine's redirect (google.com/url?q=<page>) names its own host, so the
    kept-aside check would pass a page it should refuse: sources are the page itself."""
    assert _embedded_urls("http://www.google.co.in/url?q=https://example.org/a&sa=U") == ["https://example.org/a"]
    sources = {json.loads(line)["source"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    wrapped = sorted(u for u in sources if _embedded_urls(u))
    assert not wrapped, wrapped[:20]


@pytest.mark.skipif(not SOURCE_ALLOWED.is_file(), reason="../shared not present")
@pytest.mark.parametrize("path", [SENTENCES, PAGES], ids=["sentences", "pages"])
def test_no_source_is_a_subdomain_of_a_site_kept_aside(path: Path) -> None:
    """source_allowed.py matches a kept-aside selling site's exact host; a language or
    regional subdomain of it (fr.<site>) passes that check but is the same site's copy."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("source_allowed", SOURCE_ALLOWED)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    listed = tool._listed()
    sources = {json.loads(line)["source"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    bad = sorted(f"{u} (under {p})" for u in sources for p in _parent_sites(u) if not tool.allowed(f"https://{p}/", listed))
    assert not bad, bad[:20]

def test_shipped_judge_was_trained_on_this_corpus() -> None:
    from checker.judge.classifier import MODEL_DIR

    meta = json.loads((MODEL_DIR / "judge.json").read_text(encoding="utf-8"))
    train = [r for r in rows() if r["split"] == "train" and r["label"] in ("claim", "honest")]
    if DEV.is_file():  # training adds dev.jsonl when ../shared is there
        train += [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
        digest = hashlib.sha256(b"".join(r["text"].encode() + b"\n" for r in train)).hexdigest()
        assert meta["trained_on"]["sha256"] == digest, "corpus changed since the judge was trained: run make train"
    assert meta["trained_on"]["sentences"] >= len([r for r in train if "site" in r])
    assert (MODEL_DIR / "MODEL_CARD.md").is_file()


def test_shipped_judge_was_trained_on_these_rule_examples() -> None:
    """The rule pack's examples are training data too: editing them means running make train."""
    from checker.judge.classifier import MODEL_DIR
    from training.train_judge import digest, rule_example_rows

    meta = json.loads((MODEL_DIR / "judge.json").read_text(encoding="utf-8"))
    extra = rule_example_rows()
    assert {r["label"] for r in extra} == {"claim", "honest"}
    assert meta["trained_on"]["rule_examples"] == {"sentences": len(extra), "sha256": digest(extra)}, \
        "rule examples changed since the judge was trained: run make train"
