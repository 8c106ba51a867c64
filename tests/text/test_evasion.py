"""Disguised claims (issue [4/8], evasion; tests/data/evasion.jsonl, written by
tests/data/make_evasion.py): leetspeak, letters strung on symbols, dotted
abbreviations before a hyphen, and the older tricks, found at their exact original offsets,
and no change at all to ordinary numbers, prices, dates and codes, or to any corpus or dev
sentence."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from checker.pipeline import default_checker
from checker.text.leet import Deleeter
from checker.text.normalise import normalise

ROOT = Path(__file__).resolve().parents[2]
CASES = [json.loads(line) for line in (ROOT / "tests" / "data" / "evasion.jsonl").read_text(encoding="utf-8").splitlines()]
DEV = ROOT.parent / "shared" / "data" / "dev.jsonl"
MIN_CAUGHT = 0.95


@pytest.fixture(scope="module")
def checker():
    return default_checker()


def test_the_evasion_set_covers_every_kind():
    kinds = Counter(c["kind"] for c in CASES)
    assert len(CASES) >= 60
    assert {"leet", "symbol-between-letters", "dotted-then-hyphen"} <= set(kinds)
    assert kinds["leet"] >= 15 and kinds["symbol-between-letters"] >= 10 and kinds["dotted-then-hyphen"] >= 5


def test_every_plain_form_is_caught(checker):
    # So that a miss below is the disguise's doing.
    for case in CASES:
        assert case["category"] in {f.category for f in checker.check(case["plain"]).findings if f.warning}, case


def test_at_least_95_percent_of_disguised_claims_are_caught_at_their_original_offsets(checker):
    missed = []
    for case in CASES:
        findings = [f for f in checker.check(case["text"]).findings if f.warning]
        for f in findings:
            assert case["text"][f.start : f.end] == f.text  # offsets index the text as sent
        if case["category"] not in {f.category for f in findings}:
            missed.append(case["text"])
    caught = 1 - len(missed) / len(CASES)
    assert caught >= MIN_CAUGHT, f"caught {caught:.1%}; missed: {missed}"


def test_a_leet_finding_quotes_the_disguised_words(checker):
    f = checker.check("Our therapy is FDA-4ppr0v3d and has no 51de effects.").findings
    assert {x.text for x in f if x.warning} == {"FDA-4ppr0v3d", "no 51de effects"}


HONEST_WITH_NUMBERS = [
    "The consultation costs $500 and the infusion $4,000, paid before 12/05/2024.",
    "Vitamin B12, CD34 counts and the COVID-19 vaccine were discussed on 3/4/2025.",
    "T1 and T2 MRI scans at 1.5T and 3T showed lesions from L1 to L5.",
    "Call 1-800-555-0199 or write to info@clinic.example by the 3rd of May.",
    "Our lab runs 24/7 and is open 365 days a year, with 5G Wi-Fi and 4K screens.",
    "The 1st and 2nd cohorts had HbA1c and IL-6 measured at 0, 3 and 12 months.",
    "Product code MSC-100 and lot A1B2C3 are kept in the log for 7 years.",
    "H2O, CO2 and p53 were named in the 2019 paper by Smith et al.",
    "Scores fell 10% to 20% in 4 of 5 patients; 1 in 3 had side effects.",
    "Room 101, floor 3, building 7A; parking costs $5 per hour.",
]


@pytest.mark.parametrize("text", HONEST_WITH_NUMBERS)
def test_numbers_prices_dates_and_codes_are_left_alone(checker, text):
    assert normalise(text, checker.deleet).text == normalise(text).text
    assert checker.deleet(text) == text


def _corpus_texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in (ROOT / "corpus" / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    for line in (ROOT / "corpus" / "pages.jsonl").read_text(encoding="utf-8").splitlines():
        texts.extend(s["text"] for s in json.loads(line)["sentences"])
    if DEV.exists():
        texts.extend(json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip())
    return texts


def test_leet_reading_changes_no_corpus_page_or_dev_sentence(checker):
    # So it adds no false alarm on them: the checker sees exactly what it saw before.
    changed = [t for t in _corpus_texts() if checker.deleet(t) != t]
    assert changed == []


# --- the Deleeter itself ---------------------------------------------------------------------


WORDS = ["cures", "side", "stop", "approved", "safe", "miracle", "still", "ill", "pills"]


@pytest.mark.parametrize("written, read", [
    ("cur3s", "cures"),
    ("CUR3S", "CURES"),
    ("51de", "side"),
    ("5t0p", "stop"),
    ("4ppr0v3d", "approved"),
    ("$afe", "safe"),
    ("m1racle", "miracle"),  # "1" read as i
    ("st1ll", "still"),  # "1" read as i, then l: both are tried
    ("p1lls", "pills"),
    ("m!racle", "miracle"),
])
def test_known_words_are_restored(written, read):
    assert Deleeter(WORDS).restore(written) == read


@pytest.mark.parametrize("written", [
    "cures",  # already a word
    "c0res",  # its letter form is not a known word
    "b12", "cd34", "a1c", "3rd", "1st", "t2", "5g", "2nd",  # codes and ordinals
    "500", "$500", "24",  # no letters
    "c2res",  # "2" has no letter reading
    "s1111111de",  # too many ambiguous stand-ins
])
def test_other_words_are_left_alone(written):
    assert Deleeter(WORDS).restore(written) is None


def test_edge_marks_are_punctuation_not_letters():
    d = Deleeter(WORDS)
    assert d("It cur3s! Really!") == "It cures! Really!"
    assert d("|safe|") == "|safe|"
    assert d("cur3s!!") == "cures!!"


def test_deleeting_keeps_the_length_on_long_input():
    d = Deleeter(WORDS)
    text = "5t0p " * 1000 + "a1" * 5000 + " x"
    out = d(text)
    assert len(out) == len(text) and out.startswith("stop stop")
