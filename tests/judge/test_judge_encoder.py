"""The judge's encoder (fine-tuned MiniLM, int8 ONNX): shipped, pinned into the judge's hash,
and read only where it can change a decision."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.judge.classifier import ENCODER_FILES, MODEL_DIR, default_judge
from checker.judge.encoder import Encoder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def judge():
    j = default_judge()
    assert j is not None and j.has_encoder, "the shipped judge has no encoder: run `make train`"
    return j


def _corpus_sample(n: int) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "corpus" / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["label"] in ("claim", "honest")]
    return [r["text"] for r in rows[:: max(1, len(rows) // n)]][:n]


def test_encoder_files_ship_and_are_in_the_judge_hash(judge) -> None:
    import hashlib

    digest = hashlib.sha256()
    for f in ("judge.json", "judge.npz", "neighbours.jsonl", *ENCODER_FILES):
        digest.update((MODEL_DIR / f).read_bytes())
    assert judge.hash == digest.hexdigest()
    assert judge.name == "stemcheck-judge-tfidf-minilm"
    assert (MODEL_DIR / "LICENSE-encoder").read_text(encoding="utf-8").count("Apache License") >= 1


def test_encoder_reads_claims_higher_than_honest_sentences(judge) -> None:
    enc = judge.encoder()
    claims = ["Our stem cell treatment cures multiple sclerosis.", "Every patient is a candidate for our therapy."]
    honest = ["No stem cell therapy has been approved by the FDA for multiple sclerosis.",
              "Talk to your neurologist before making any change to your medication."]
    c, h = enc.proba(claims), enc.proba(honest)
    assert min(c) > max(h)
    assert all(0.0 <= p <= 1.0 for p in [*c, *h])


def test_a_sentence_scores_the_same_whatever_is_beside_it(judge) -> None:
    # Reports must be reproducible: a sentence's score may not depend on its page.
    texts = _corpus_sample(12)
    together = judge.encoder().proba(texts)
    alone = [judge.encoder().proba([t])[0] for t in texts]
    assert list(together) == alone


def test_skipping_the_encoder_changes_no_decision(judge) -> None:
    texts = _corpus_sample(400)
    gated = judge.p_claims(texts)
    full = judge.p_claims(texts, [True] * len(texts))
    skipped = 0
    for g, f in zip(gated, full):
        assert (g >= judge.flag_at) == (f >= judge.flag_at)
        if g != f:
            skipped += 1
            assert g >= f  # a skipped sentence carries the highest score it could have had
    assert skipped > 0  # the gate does skip sentences (else this test proves nothing)


def test_p_claim_blends_both_scorers(judge) -> None:
    text = "Our stem cell treatment cures multiple sclerosis."
    w = judge.meta["encoder"]["tfidf_weight"]
    raw = w * judge.tfidf_raw(text) + (1 - w) * judge.encoder().proba([text])[0]
    assert judge.p_claim(text) == pytest.approx(judge._calibrated(raw), abs=1e-12)


def test_encoder_without_torch() -> None:
    # Run time must not need torch: the module imports only onnxruntime and tokenizers.
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None\n"
            "from checker.judge.encoder import Encoder\n"
            f"e = Encoder(__import__('pathlib').Path({str(MODEL_DIR / ENCODER_FILES[0])!r}), "
            f"__import__('pathlib').Path({str(MODEL_DIR / ENCODER_FILES[1])!r}))\n"
            "print(e.proba(['Stem cells cure MS.'])[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert 0.0 <= float(out.stdout) <= 1.0
    assert Encoder  # imported here too, for the module's own import check


def test_a_repeated_sentence_runs_the_encoder_once_with_the_same_score() -> None:
    fresh = Encoder(MODEL_DIR / "encoder.onnx", MODEL_DIR / "tokenizer.json")
    runs = []
    real_run = fresh.session.run

    class Counting:  # onnxruntime's session cannot take new attributes; wrap it
        def run(self, *args, **kwargs):
            runs.append(1)
            return real_run(*args, **kwargs)

    fresh.session = Counting()
    texts = _corpus_sample(20)
    first = fresh.proba(texts)
    assert len(runs) == len(set(texts))
    flood = fresh.proba(texts * 50 + texts[:3])  # a page of one slogan a block, say
    assert len(runs) == len(set(texts))  # nothing new to run
    assert list(flood[: len(texts)]) == list(first) and list(flood[-3:]) == list(first[:3])
