"""The fast token matcher must agree with spaCy's own Matcher on the pattern
language the rule pack compiles to."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher

from checker.rules.token_matcher import TokenMatcher, UnsupportedPattern

NLP = spacy.blank("en")
WORDS = ["stem", "cells", "cure", "ms", "no", "not", "the", "Our", "FDA", "3", "!", "-", "safe"]
OPS = [None, "?", "*", "+", "{0,2}", "{1,3}"]


def spaCy_longest(patterns: dict[str, list[list[dict]]], text: str) -> set[tuple[str, int, int]]:
    doc = NLP(text)
    m = Matcher(NLP.vocab)
    for key, pats in patterns.items():
        m.add(key, pats)
    best: dict[tuple[str, int], int] = {}
    for mid, s, e in m(doc):
        k = (NLP.vocab.strings[mid], s)
        best[k] = max(best.get(k, 0), e)
    return {(k, s, e) for (k, s), e in best.items()}


def matcher_of(patterns: dict[str, list[list[dict]]], prefilter: bool = True) -> TokenMatcher:
    m = TokenMatcher(prefilter=prefilter)
    for key, pats in patterns.items():
        m.add(key, pats)
    return m


def ours(patterns: dict[str, list[list[dict]]], text: str, prefilter: bool = True) -> set[tuple[str, int, int]]:
    return set(matcher_of(patterns, prefilter)(NLP(text)))


token_spec = st.one_of(
    st.builds(lambda w: {"LOWER": w.lower()}, st.sampled_from(WORDS)),
    st.builds(lambda ws: {"LOWER": {"IN": sorted({w.lower() for w in ws})}}, st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)),
    st.builds(lambda ws: {"LOWER": {"NOT_IN": sorted({w.lower() for w in ws})}}, st.lists(st.sampled_from(WORDS), min_size=1, max_size=2)),
    st.just({}),
    st.just({"IS_PUNCT": True}),
    st.just({"LIKE_NUM": True}),
    st.just({"IS_TITLE": True}),
)


@st.composite
def pattern(draw):
    specs = draw(st.lists(token_spec, min_size=1, max_size=4))
    out = []
    unbounded = 0
    for spec in specs:
        op = draw(st.sampled_from(OPS))
        # spaCy's Matcher keeps every partial match, so several unbounded
        # wildcards make it blow up in time and memory; our pack never has them.
        if op in ("*", "+") and (unbounded or not spec or set(spec) <= {"LOWER"} and "NOT_IN" in str(spec)):
            op = "{0,2}"
        unbounded += op in ("*", "+")
        out.append(dict(spec, OP=op) if op else dict(spec))
    # spaCy refuses patterns whose every token is optional; so do we, in effect.
    if all(s.get("OP") in ("?", "*", "{0,2}") for s in out):
        out[0].pop("OP", None)
    return out


def expand(pattern: list[dict]) -> list[list[dict]]:
    """Multiply out our PHRASES steps into plain spaCy patterns."""
    out: list[list[dict]] = [[]]
    for step in pattern:
        step = dict(step)
        phrases = step.pop("PHRASES", None)
        op = step.get("OP")
        if phrases is None:
            out = [seq + [step] for seq in out]
            continue
        alts = [[dict(step)]] if set(step) - {"OP"} else []
        alts = [[{k: v for k, v in a[0].items() if k != "OP"}] for a in alts] + phrases
        if op == "?":
            alts = [[]] + alts
        out = [seq + alt for seq in out for alt in alts]
    return [seq for seq in out if seq]


phrase = st.lists(st.builds(lambda w: {"LOWER": w.lower()}, st.sampled_from(WORDS)), min_size=2, max_size=3)


@st.composite
def phrase_pattern(draw):
    steps = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            steps.append({"LOWER": draw(st.sampled_from(WORDS)).lower()})
        else:
            step = {"PHRASES": draw(st.lists(phrase, min_size=1, max_size=3))}
            if draw(st.booleans()):
                step["LOWER"] = draw(st.sampled_from(WORDS)).lower()
            if draw(st.booleans()) and len(steps) > 0:
                step["OP"] = "?"
            steps.append(step)
    return steps


@settings(max_examples=200, deadline=None)
@given(pats=st.lists(phrase_pattern(), min_size=1, max_size=3), words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=12))
def test_phrase_steps_agree_with_expanded_patterns(pats, words) -> None:
    text = " ".join(words)
    native = {f"k{i}": [p] for i, p in enumerate(pats)}
    expanded = {f"k{i}": expand(p) for i, p in enumerate(pats)}
    assert ours(native, text) == spaCy_longest(expanded, text)


@settings(max_examples=300, deadline=None)
@given(
    pats=st.lists(pattern(), min_size=1, max_size=4),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=12),
)
def test_agrees_with_spacy_matcher(pats, words) -> None:
    patterns = {f"k{i}": [p] for i, p in enumerate(pats)}
    text = " ".join(words)
    expected = spaCy_longest(patterns, text)
    # With the Hyperscan prefilter (what runs) and without it (every pattern tried).
    assert ours(patterns, text) == expected
    assert ours(patterns, text, prefilter=False) == expected


SENT_NLP = spacy.blank("en")
SENT_NLP.add_pipe("sentencizer")


@settings(max_examples=200, deadline=None)
@given(
    pats=st.lists(pattern(), min_size=1, max_size=4),
    words=st.lists(st.sampled_from(WORDS + [".", "?"]), min_size=1, max_size=24),
    chosen=st.lists(st.tuples(st.integers(0, 30), st.lists(st.integers(0, 3), min_size=1, max_size=3)), max_size=6),
)
def test_in_sentences_agrees_with_one_call_a_sentence(pats, words, chosen) -> None:
    m = matcher_of({f"k{i}": [p] for i, p in enumerate(pats)})
    doc = SENT_NLP(" ".join(words))
    sents = list(doc.sents)
    wanted = {}
    for n, keys in chosen:
        sent = sents[n % len(sents)]
        wanted[(sent.start, sent.end)] = frozenset(f"k{k}" for k in keys)
    got = {r: set(found) for r, found in m.in_sentences(doc, wanted).items()}
    assert got == {(s, e): set(m(doc[s:e], keys)) for (s, e), keys in wanted.items()}


def test_prefilter_survives_pickling_and_threads() -> None:
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    patterns = {
        "cure": [[{"LOWER": {"IN": ["cure", "cures"]}}, {"OP": "{0,2}"}, {"LOWER": "ms"}]],
        "fda": [[{"LOWER": "fda"}, {"LOWER": {"NOT_IN": ["not"]}, "OP": "?"}, {"LOWER": "approved"}]],
    }
    m = matcher_of(patterns)
    texts = [f"Our cells {'cure' if i % 3 else 'help'} ms. FDA {'not ' if i % 2 else ''}approved." for i in range(200)]
    expected = [sorted(m(NLP(t))) for t in texts]
    assert any(expected) and not all(expected)  # the texts differ in what they hold
    copy = pickle.loads(pickle.dumps(m))
    assert [sorted(copy(NLP(t))) for t in texts] == expected
    # Hyperscan's scratch space is per thread: two threads scanning at once agree too.
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda t: sorted(m(NLP(t))), texts)) == expected


def test_pack_patterns_agree_on_example_sentences() -> None:
    from checker.rules.loader import default_pack

    # The checker runs compact patterns (phrases kept whole); spaCy's Matcher
    # runs the same patterns multiplied out. They must find the same spans.
    # Patterns whose expansion is small enough for spaCy's Matcher to run in
    # reasonable time (it slows down sharply with thousands of patterns).
    pack = default_pack()
    checked = 0
    for rule in pack.rules:
        native, expanded = {}, {}
        for i, p in enumerate(rule.patterns):
            plain = pack.compiler.expand(p)
            if len(plain) <= 60:
                native[f"{rule.id}#{i}"] = pack.compiler.compile_all([p])
                expanded[f"{rule.id}#{i}"] = plain
        for text in rule.examples.fire_texts[:2] + rule.examples.not_fire[:1]:
            assert ours(native, text) == spaCy_longest(expanded, text), (rule.id, text)
        checked += len(native)
    assert checked > 200  # most of the pack is covered


def test_matches_cross_into_the_next_sentence_only_after_questions_or_fragments() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    m = TokenMatcher()
    m.add("k", [[{"LOWER": "stem"}, {"OP": "*"}, {"LOWER": "cure"}]])
    m.add("q", [[{"LOWER": "cells"}, {"OP": "*"}, {"LOWER": "nothing"}]])
    m.add("a", [[{"LOWER": "incurable"}, {"OP": "*"}, {"LOWER": "anymore"}]])
    # A fragment reaches the next sentence, never the one after.
    assert m(nlp("Stem cells. Nothing here. Cure ms now.")) == [("q", 1, 4)]
    # A question reaches its answer.
    assert m(nlp("Is your MS really incurable? Not anymore.")) == [("a", 4, 8)]
    # An ordinary sentence does not run into the next.
    assert m(nlp("Our stem cells work on many patients here. Nothing else can cure ms.")) == []


def test_unsupported_attributes_are_refused() -> None:
    m = TokenMatcher()
    with pytest.raises(UnsupportedPattern):
        m.add("x", [[{"POS": "NOUN"}]])
    with pytest.raises(UnsupportedPattern):
        m.add("x", [[{"LOWER": "a", "OP": "!"}]])
