"""Tests for checker.text.normalise and checker.text.offsets."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.text.normalise import (
    _EXTRA_INVISIBLE,
    _PUNCT_FOLD,
    _fold_table,
    _nfkc_stage,
    normalise,
)
from checker.text.offsets import utf16_len, utf16_offsets, utf16_to_codepoint

# Warm the lazily built tables so hypothesis timing is not skewed.
_fold_table()
normalise("\u0441ure \u00e9")


def _check_map(text: str) -> None:
    """Structural invariants of the offset map."""
    n = normalise(text)
    out, starts, ends, orig = n.text, n.starts, n.ends, n.original
    assert orig == text
    assert len(starts) == len(ends) == len(out)
    for i in range(len(out)):
        assert 0 <= starts[i] < ends[i] <= len(orig)
        if i:
            assert starts[i - 1] <= starts[i]
            assert ends[i - 1] <= ends[i]
            same = (starts[i - 1], ends[i - 1]) == (starts[i], ends[i])
            assert same or ends[i - 1] <= starts[i]


def _fold_variants(s: str) -> set[str]:
    """Characters the original slice may legitimately turn into."""
    stripped = "".join(
        c for c in s if c not in _EXTRA_INVISIBLE and unicodedata.category(c) != "Cf"
    )
    nfkc = unicodedata.normalize("NFKC", stripped)
    fold = _fold_table()
    chars = set(nfkc)
    chars |= {_PUNCT_FOLD.get(c, c) for c in nfkc}
    chars |= {fold.get(c, c) for c in chars}
    return chars


# ---------------------------------------------------------------- examples


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("\ufb01nd a cure", "find a cure"),  # ligature
        ("\uff43\uff55\uff52\uff45", "cure"),  # fullwidth
        ("e\u0301", "\u00e9"),  # composes
        ("\u2460 stem", "1 stem"),  # circled digit
        ("\uff76\uff9e", "\u30ac"),  # halfwidth kana + voiced mark compose
        ("\u1112\u1161\u11ab", "\ud55c"),  # Hangul jamo compose
    ],
)
def test_nfkc(src: str, expected: str) -> None:
    assert normalise(src).text == expected


def test_expansion_maps_each_char_to_whole_source() -> None:
    n = normalise("\ufb01x")
    assert n.text == "fix"
    assert list(n.starts) == [0, 0, 1]
    assert list(n.ends) == [1, 1, 2]


def test_composition_maps_to_whole_sequence() -> None:
    n = normalise("cafe\u0301 ok")
    assert n.text == "caf\u00e9 ok"
    assert (n.starts[3], n.ends[3]) == (3, 5)
    assert n.to_original(0, 4) == (0, 5)


def test_invisible_between_base_and_mark_does_not_block_composition() -> None:
    n = normalise("e\u200b\u0301")
    assert n.text == "\u00e9"
    assert n.to_original(0, 1) == (0, 3)


@pytest.mark.parametrize(
    "hidden",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f",
     "\u202a", "\u202e", "\u2066", "\u2069", "\ufe0f", "\U000e0041"],
)
def test_invisible_removed(hidden: str) -> None:
    src = f"stem {hidden}c{hidden}ure"
    n = normalise(src)
    assert n.text == "stem cure"
    # The span of "cure" covers the hidden chars inside it but not before it.
    start = n.text.index("cure")
    assert n.to_original(start, start + 4) == (src.index("c"), len(src))


def test_typographic_punctuation() -> None:
    n = normalise("don\u2019t \u201cheal\u201d \u2014 now \u2018x\u2019")
    assert n.text == "don't \"heal\" - now 'x'"


def test_mixed_script_word_folded() -> None:
    src = "a \u0441ur\u0435 for MS"  # Cyrillic es and ie
    n = normalise(src)
    assert n.text == "a cure for MS"
    assert n.to_original(2, 6) == (2, 6)


def test_all_lookalike_word_in_latin_context_folded() -> None:
    # Every letter Cyrillic, but each has a Latin look-alike and the
    # neighbouring words are English.
    assert normalise("the \u0441\u043e\u0440\u0435 idea").text == "the cope idea"


def test_small_capitals_folded() -> None:
    assert normalise("\u1d04\u1d1c\u0280\u1d07").text == "cure"


def test_greek_word_untouched() -> None:
    for word in ["\u03bc\u03ad\u03b8\u03bf\u03b4\u03bf\u03c2", "\u0391\u03b8\u03ae\u03bd\u03b1"]:
        assert normalise(word).text == word


def test_russian_prose_untouched() -> None:
    src = "\u042d\u0442\u043e \u0441\u043e\u0440 \u0438 \u043c\u0443\u0441\u043e\u0440"
    assert normalise(src).text == src


def test_uppercase_iota_lookalike_becomes_capital_i() -> None:
    assert normalise("\u0399NJECTION").text == "INJECTION"


def test_letter_spaced_collapse() -> None:
    src = "a c u r e for MS"
    n = normalise("stem c u r e now")
    assert n.text == "stem cure now"
    # Each letter keeps its own source offset.
    assert [n.starts[i] for i in range(5, 9)] == [5, 7, 9, 11]
    assert n.to_original(5, 9) == (5, 12)
    assert normalise("c-u-r-e").text == "cure"
    # Known, accepted limitation: a preceding "a" joins the run.
    assert normalise(src).text == "acure for MS"


def test_two_letter_runs_left_alone() -> None:
    for s in ["a b test", "plan B or C", "x-y axis"]:
        assert normalise(s).text == s


def test_run_stops_before_real_word() -> None:
    assert normalise("a b c dog").text == "abc dog"


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("approved by the F.D.A. Next sentence", "approved by the FDA. Next sentence"),
        ("approved by the F. D. A. Next", "approved by the FDA. Next"),
        ("approved by the F.D.A.", "approved by the FDA."),
        ("approved by the F.D.A.\n\nOur team", "approved by the FDA.\n\nOur team"),
        # The sentence visibly continues: the dot goes too.
        ("It is F.D.A. approved", "It is FDA approved"),
        ("the F. D. A. says", "the FDA says"),
        ("U.S. clinics", "US clinics"),
        ("the U.S., and", "the US, and"),
        ("e.g. this", "eg this"),
        ("F.D.A approved", "FDA approved"),
        ("c.u.r.e", "cure"),
        ("\uff26\uff0e\uff24\uff0e\uff21\uff0e", "FDA."),  # fullwidth
        ("see x.y.com", "see x.y.com"),
        ("F. Scott", "F. Scott"),
    ],
)
def test_dotted_collapse(src: str, expected: str) -> None:
    assert normalise(src).text == expected


def test_final_dot_kept_and_mapped() -> None:
    src = "by the F.D.A. Next"
    n = normalise(src)
    i = n.text.index("FDA.")
    assert n.to_original(i, i + 4) == (7, 13)
    assert src[n.starts[i + 3]] == "."
    assert n.to_original(i + 3, i + 4) == (12, 13)


def test_identity_fast_path() -> None:
    src = "Stem cells can regenerate cartilage. Book now!"
    n = normalise(src)
    assert n.text == src
    assert isinstance(n.starts, range) and isinstance(n.ends, range)
    assert n.to_original(5, 10) == (5, 10)


def test_fast_path_is_lazy_for_large_text() -> None:
    src = "Stem cell therapy reverses ageing. " * 20000
    n = normalise(src)
    assert n.text is src
    assert isinstance(n.starts, range)


def test_to_original_zero_width_and_errors() -> None:
    n = normalise("\u200bab\u200b")
    assert n.text == "ab"
    assert n.to_original(0, 0) == (1, 1)
    assert n.to_original(2, 2) == (4, 4)
    assert n.to_original(0, 2) == (1, 3)
    with pytest.raises(ValueError):
        n.to_original(1, 0)
    with pytest.raises(ValueError):
        n.to_original(0, 3)


def test_empty_text() -> None:
    n = normalise("")
    assert n.text == "" and n.to_original(0, 0) == (0, 0)


# ---------------------------------------------------------------- properties

_PIECES = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    + [" ", " ", " ", ".", ". ", "-", ",", "'", "!", "\n", "\u00a0", "\u3000"]
    + ["\U0001f600", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
       "\u2764\ufe0f", "\U0001f1ec\U0001f1e7", "\U0001d41c"]
    + ["\u0301", "\u0308", "\u0323", "\u0338", "\u0345", "\u3099"]
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202e", "\u2066"]
    + ["\u0441", "\u0435", "\u043e", "\u0430", "\u0440", "\u0421", "\u0399", "\u03bf",
       "\u03b1", "\u03bc", "\u03b8", "\u0438", "\u1d04"]
    + ["\ufb01", "\ufb03", "\u01c5", "\u2474", "\u00bd", "\u338f", "\uff21", "\uff0e"]
    + ["\u2019", "\u201c", "\u2014", "\u2013"]
    + ["\uff76", "\uff9e", "\u1100", "\u1161", "\u11a8", "\u09c7", "\u09be", "\u0b47", "\u0b3e"]
)

mixed_text = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)
any_text = st.text(max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.one_of(mixed_text, any_text))
def test_map_invariants(text: str) -> None:
    _check_map(text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(mixed_text, any_text))
def test_each_char_comes_from_its_source(text: str) -> None:
    n = normalise(text)
    for i, ch in enumerate(n.text):
        assert ch in _fold_variants(text[n.starts[i] : n.ends[i]]), (i, ch)


@settings(max_examples=300, deadline=None)
@given(st.one_of(mixed_text, any_text))
def test_uncovered_original_chars_are_removable(text: str) -> None:
    n = normalise(text)
    covered = [False] * len(text)
    for s, e in zip(n.starts, n.ends):
        for k in range(s, e):
            covered[k] = True
    for k, c in enumerate(text):
        if covered[k]:
            continue
        if c in _EXTRA_INVISIBLE or unicodedata.category(c) == "Cf":
            continue
        if _strings_letters(text, k):
            continue  # a symbol or mark between single letters ("c✨u✨r✨e"), joined by step 4
        mapped = "".join(_PUNCT_FOLD.get(x, x) for x in unicodedata.normalize("NFKC", c))
        assert mapped and set(mapped) <= set(" .-"), (k, c)


def _strings_letters(text: str, k: int) -> bool:
    """Whether text[k] is a non-ASCII symbol or punctuation mark with a letter on each side
    (invisible characters and variation selectors between them skipped)."""
    c = text[k]
    if c.isascii() or unicodedata.category(c)[0] not in "SP":
        return False

    def neighbour(step: int) -> str:
        i = k + step
        while 0 <= i < len(text) and (text[i] in _EXTRA_INVISIBLE or unicodedata.category(text[i]) in ("Cf", "Mn")):
            i += step
        return text[i] if 0 <= i < len(text) else ""

    return neighbour(-1).isalpha() and neighbour(1).isalpha()


@settings(max_examples=300, deadline=None)
@given(st.one_of(mixed_text, any_text), st.data())
def test_to_original_spans(text: str, data: st.DataObject) -> None:
    n = normalise(text)
    size = len(n.text)
    i = data.draw(st.integers(0, size))
    j = data.draw(st.integers(i, size))
    a, b = n.to_original(i, j)
    assert 0 <= a <= b <= len(text)
    if i < j:
        assert (a, b) == (n.starts[i], n.ends[j - 1])
        # Monotonic: extending the span never shrinks the original span.
        if j < size:
            a2, b2 = n.to_original(i, j + 1)
            assert a2 == a and b2 >= b


@settings(max_examples=300, deadline=None)
@given(mixed_text)
def test_chunked_nfkc_matches_whole_string_nfkc(text: str) -> None:
    # Per-chunk NFKC must agree with NFKC of the whole (invisible-free) text.
    stripped = "".join(
        c for c in text if c not in _EXTRA_INVISIBLE and unicodedata.category(c) != "Cf"
    )
    whole = unicodedata.normalize("NFKC", stripped)
    whole = "".join(_PUNCT_FOLD.get(c, c) for c in whole)
    assert _nfkc_stage(text)[0] == whole


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_chunked_nfkc_matches_arbitrary_text(text: str) -> None:
    stripped = "".join(
        c for c in text if c not in _EXTRA_INVISIBLE and unicodedata.category(c) != "Cf"
    )
    whole = "".join(_PUNCT_FOLD.get(c, c) for c in unicodedata.normalize("NFKC", stripped))
    assert _nfkc_stage(text)[0] == whole


# ---------------------------------------------------------------- offsets


@settings(max_examples=400, deadline=None)
@given(st.one_of(mixed_text, any_text), st.data())
def test_utf16_round_trip(text: str, data: st.DataObject) -> None:
    s = data.draw(st.integers(0, len(text)))
    e = data.draw(st.integers(s, len(text)))
    a, b = utf16_offsets(text, [s, e])
    raw = text.encode("utf-16-le")
    assert raw[2 * a : 2 * b].decode("utf-16-le") == text[s:e]
    assert utf16_to_codepoint(text, [a, b]) == [s, e]
    assert utf16_len(text) == len(raw) // 2


def test_utf16_many_positions_unsorted() -> None:
    text = "a\U0001f600b\U0001f600\U0001f600c"
    positions = [6, 0, 3, 1, 2, 5, 4]
    units = utf16_offsets(text, positions)
    assert units == [9, 0, 4, 1, 3, 8, 6]
    assert utf16_to_codepoint(text, units) == positions
    assert utf16_len(text) == 9


def test_utf16_errors() -> None:
    text = "\U0001f600x"
    with pytest.raises(ValueError):
        utf16_offsets(text, [3])
    with pytest.raises(ValueError):
        utf16_to_codepoint(text, [1])  # inside the surrogate pair
    with pytest.raises(ValueError):
        utf16_to_codepoint(text, [4])


def test_utf16_ascii_fast() -> None:
    assert utf16_offsets("abc", [3, 0]) == [3, 0]
    assert utf16_to_codepoint("abc", [2]) == [2]


def test_greek_caps_inside_greek_prose_untouched() -> None:
    # "ΚΑΙ" is all look-alikes, but its neighbours are plainly Greek.
    src = (
        "\u0397 \u03b8\u03b5\u03c1\u03b1\u03c0\u03b5\u03af\u03b1 "
        "\u039a\u0391\u0399 \u03b7 \u03af\u03b1\u03c3\u03b7"
    )
    assert normalise(src).text == src


def test_one_to_one_changes_keep_identity_maps() -> None:
    # Curly quotes, accents, look-alikes and emoji map 1:1: no arrays needed.
    src = "Our clinic\u2019s \u0441ure \u2014 caf\u00e9 \U0001f600"
    n = normalise(src)
    assert n.text == "Our clinic's cure - caf\u00e9 \U0001f600"
    assert isinstance(n.starts, range)


def test_fold_next_to_emoji_and_astral_lookalike() -> None:
    # DESERET SMALL LETTER LONG O (astral) is a confusables entry for "o".
    n = normalise("\U0001f600 st\u0435m c\U0001042cre")
    assert n.text == "\U0001f600 stem core"
    assert n.to_original(2, 6) == (2, 6)


def test_combining_mark_on_lookalike_keeps_map() -> None:
    src = "x\u0441\u0301ure"
    n = normalise(src)
    assert len(n.text) == len(n.starts) == len(n.ends)
    assert n.to_original(0, len(n.text)) == (0, len(src))


# -- giant tokens --------------------------------------------------------------------------

GIANT = st.text(alphabet=st.sampled_from(list("&a;/-.é1 ")), min_size=0, max_size=900)


@given(GIANT)
@settings(max_examples=200, deadline=None)
def test_no_run_of_non_space_outlasts_max_run(text: str) -> None:
    """The tokenizer never sees a token longer than MAX_RUN (its cost on one is quadratic),
    and breaking runs keeps the text's length and its offset map."""
    import re

    from checker.text.normalise import MAX_RUN

    plain = text.replace(" ", "")  # one long run, whatever the alphabet drew
    for src in (text, plain, plain * 3):
        out = normalise(src)
        assert all(len(w) <= MAX_RUN for w in re.findall(r"\S+", out.text))
        assert len(out.starts) == len(out.ends) == len(out.text)


def test_long_runs_break_at_a_mark_and_leave_words_alone() -> None:
    from checker.text.normalise import MAX_RUN

    word = "a" * MAX_RUN
    assert normalise(word).text == word  # a run of MAX_RUN is left as it is
    url = "https://example.org/" + "b" * 60 + "/" + "c" * 150
    out = normalise(url).text
    head = "https://example.org/" + "b" * 60
    assert out.startswith(head + " ") and out.replace(" ", "/", 1)[: len(head) + 1] == head + "/"  # broken at the "/"
    assert out.replace(" ", "/", 1)[len(head) + 1 :].replace(" ", "") == "c" * 149  # then by length
    assert normalise("&" * 1000).text.count(" ") == 1000 // (MAX_RUN + 1)


def test_a_claim_after_a_giant_token_is_found_at_its_original_offsets() -> None:
    from checker.pipeline import rules_checker

    text = "&" * 20000 + " Stem cells cure MS."
    [f] = rules_checker().check(text).warnings
    assert text[f.start : f.end] == f.text == "cure MS"


def test_dotted_initialism_joined_by_a_hyphen() -> None:
    from checker.pipeline import rules_checker

    assert normalise("Our F.D.A.-approved cells").text == "Our FDA-approved cells"
    text = "Our F.D.A.-approved stem cell therapy is available for MS."
    [f] = rules_checker().check(text).warnings
    assert f.category == "fda-approval" and text[f.start : f.end] == f.text == "F.D.A.-approved"
    # a spaced dash after a sentence-final initialism still ends nothing early
    assert normalise("It was rejected by the F.D.A. - a blow.").text == "It was rejected by the FDA. - a blow."


@pytest.mark.parametrize(("src", "expected"), [
    ("Our cells c✨u✨r✨e✨s MS.", "Our cells cures MS."),
    ("It is F★D★A-approved.", "It is FDA-approved."),
    ("s\u2764t\u2764o\u2764p your drugs", "stop your drugs"),
])
def test_letters_strung_on_a_symbol_are_joined(src: str, expected: str) -> None:
    out = normalise(src)
    assert out.text == expected
    assert out.original[slice(*out.to_original(0, len(out.text)))] == src


@pytest.mark.parametrize("src", [
    "Rated ★★★★ by 300 patients.",  # no letters between the stars
    "I ❤ MS research and ❤ my family.",  # words, not single letters
    "Pair a✨b only.",  # two letters are not a strung word
    "x✨y★z",  # the separator must be one and the same
])
def test_symbols_between_words_are_left_alone(src: str) -> None:
    assert normalise(src).text == src


def test_a_claim_strung_on_emoji_is_found_at_its_original_offsets() -> None:
    from checker.pipeline import rules_checker

    text = "Our protocol c✨u✨r✨e✨s MS."
    [f] = rules_checker().check(text).warnings
    assert f.category == "cure-claim" and text[f.start : f.end] == f.text == "c✨u✨r✨e✨s MS"
