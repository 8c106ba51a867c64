"""checker/rules/spans.py: the logarithmic overlap test agrees with comparing against every kept span."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.rules.spans import DisjointSpans

SPANS = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12)).map(lambda t: (t[0], t[0] + t[1])), max_size=80)


@given(SPANS)
@settings(max_examples=300, deadline=None)
def test_greedy_keeping_matches_the_quadratic_reference(spans: list[tuple[int, int]]) -> None:
    fast, kept = DisjointSpans(), []
    for s, e in spans:
        clash = any(a < e and s < b for a, b in kept)
        assert fast.overlaps(s, e) == clash
        if not clash:
            fast.add(s, e)
            kept.append((s, e))
    assert len(fast) == len(kept)


def test_touching_spans_do_not_overlap() -> None:
    d = DisjointSpans()
    d.add(5, 10)
    assert not d.overlaps(0, 5) and not d.overlaps(10, 12)
    assert d.overlaps(9, 11) and d.overlaps(0, 6) and d.overlaps(6, 7) and d.overlaps(0, 20)
