"""Doubling the input at most about doubles the work, whatever its shape (issue [4/8]).

Work is counted in a deterministic unit, not in seconds: the profiler events (Python and
C function calls) of one check, after a warm-up run of the same input so that every cache
is equally warm. Work inside one C call is not counted, so the quadratic cases there are
bounded by construction and tested as such: no token the tokenizer sees is longer than
normalise.MAX_RUN (tests/test_normalise.py), and HTML is extracted by a linear parser
(tests/test_extract_html.py).

Hypothesis draws a repeated unit from characters that have made the checker slow before
(giant tokens, entities, negation cues, expansion characters, leetspeak, emoji between
letters, invisible characters, tiny blocks) and compares the work at k and 2k repeats.
"""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.pipeline import default_checker
from checker.input.html import HtmlInputError, extract_html

# At most this many times the work for twice the input: 2 plus slack for what does not
# scale exactly (a sentence cut one token later, one more chunk).
MAX_GROWTH = 2.3
FIXED = 2_000  # events any check costs whatever its size (report, summary)

PIECES = [
    "&", "&amp;", "not ", "no ", "never ", "\ufdfa", "5t0p ", "cur3s ", "c✨u✨r✨e✨s ", "c u r e ",
    "F.D.A.-", "\u200b", "Cures MS.\n\n", "our stem cell therapy helps ", "a", " ", "\n", ".", "?",
    "<p>", "</p>", "<b>", "<!--", "-->", "é", "с", "ﬁ", "１", "💉",
]
CLAIM = " Our stem cell therapy cures multiple sclerosis."


def _events(fn) -> int:
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        count += 1

    sys.setprofile(tracer)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def _work(text: str, html: bool) -> int:
    checker = default_checker()

    def run() -> None:
        try:
            body = extract_html(text).text if html else text
        except HtmlInputError:
            return  # refused (nested too deeply): the work up to the refusal is what counts
        checker.check(body)

    run()  # warm every cache for this input
    return _events(run)


def _assert_linear(unit: str, reps: int, html: bool) -> None:
    small = (unit * reps) + CLAIM
    large = (unit * 2 * reps) + CLAIM
    w1, w2 = _work(small, html), _work(large, html)
    assert w2 <= MAX_GROWTH * w1 + FIXED, f"{unit!r}: {w1:,} events at {len(small):,} chars, {w2:,} at {len(large):,}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    unit=st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join),
    html=st.booleans(),
)
def test_doubling_any_repeated_shape_about_doubles_the_work(unit: str, html: bool) -> None:
    reps = max(1, 3000 // len(unit))  # ~3,000 and ~6,000 characters
    _assert_linear(unit, reps, html)


@pytest.mark.parametrize("unit, html", [
    ("&", False),
    ("&amp;", True),
    ("our stem cell therapy helps patients and ", False),  # one run-on sentence
    ("not ", False),
    ("\ufdfa", False),
    ("Cures MS.\n\n", False),
    ("5t0p cur3s 51de 4ppr0v3d ", False),
    ("c✨u✨r✨e✨s ", False),
])
def test_doubling_each_known_adversarial_shape_about_doubles_the_work(unit: str, html: bool) -> None:
    _assert_linear(unit, max(1, 4000 // len(unit)), html)
