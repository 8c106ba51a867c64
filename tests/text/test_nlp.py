"""Our numpy sentence splitter against spaCy's Sentencizer, plus line breaks."""

from __future__ import annotations

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.text.nlp import get_nlp

SENTENCIZER = spacy.blank("en")
SENTENCIZER.add_pipe("sentencizer")
PIECES = ["Stem", "cells", "cure", "MS", ".", "!", "?", "...", '"', ")", "(", "-", "it", "3.5", "e.g.", "Dr.", ",", "?!"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25))
def test_same_sentences_as_spacy_without_line_breaks(words) -> None:
    text = " ".join(words)
    ours = [s.text for s in get_nlp()(text).sents]
    theirs = [s.text for s in SENTENCIZER(text).sents]
    assert ours == theirs


def test_blank_line_ends_a_sentence() -> None:
    doc = get_nlp()("Our cells are new\n\nthey cure MS")
    assert [s.text.strip() for s in doc.sents if s.text.strip()] == ["Our cells are new", "they cure MS"]


def test_heading_without_stop_is_its_own_sentence() -> None:
    doc = get_nlp()("Why choose us\nOur stem cells cure MS.")
    assert [s.text.strip() for s in doc.sents] == ["Why choose us", "Our stem cells cure MS."]


def test_hard_wrapped_sentence_stays_whole() -> None:
    line = "Our clinic has offered regenerative treatments to many patients over the years and"
    doc = get_nlp()(line + "\nwe are proud of the results.")
    assert len(list(doc.sents)) == 1


def test_a_bare_tag_pasted_as_text_is_a_token_of_its_own() -> None:
    doc = get_nlp()("<p>Our stem cells cure multiple sclerosis.</p><br/>Book today")
    assert [t.text for t in doc][:2] == ["<p>", "Our"]
    assert ["sclerosis", ".", "</p>", "<br/>", "Book"] == [t.text for t in doc][6:11]


def test_angle_brackets_that_are_not_tags_are_left_alone() -> None:
    assert [t.text for t in get_nlp()("I <3 you; a<b and c>d")] == ["I", "<3", "you", ";", "a", "<", "b", "and", "c", ">", "d"]
