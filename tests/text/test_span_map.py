"""SpanMap, the one map from a derived text back to its source (normalisation, HTML
extraction): its laws, on generated maps, and the two users agreeing with it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.input.html import extract_html
from checker.text.normalise import normalise
from checker.text.offsets import SpanMap


@st.composite
def span_maps(draw) -> SpanMap:
    """Per-character source spans, non-decreasing, some empty, some shared."""
    n = draw(st.integers(0, 40))
    pos, last_end, starts, ends = 0, 0, [], []
    for _ in range(n):
        pos += draw(st.integers(0, 3))  # source characters skipped (removed, markup)
        width = draw(st.integers(0, 3))  # 0: an inserted character; >1: a reference
        last_end = max(last_end, pos + width)  # both sequences are non-decreasing
        starts.append(pos)
        ends.append(last_end)
        if draw(st.booleans()):  # else the next character shares this source
            pos = last_end
    end = (max(ends) if ends else 0) + draw(st.integers(0, 3))
    return SpanMap(starts, ends, end)


@given(span_maps(), st.data())
def test_a_span_runs_from_its_first_characters_source_to_its_lasts(m: SpanMap, data) -> None:
    n = len(m)
    i = data.draw(st.integers(0, n))
    j = data.draw(st.integers(i, n))
    a, b = m.to_source(i, j)
    assert 0 <= a <= b <= m.end
    if i < j:
        assert (a, b) == (m.starts[i], m.ends[j - 1])
    else:
        assert a == b == (m.starts[i] if i < n else m.end)


@given(span_maps(), st.data())
def test_a_sub_span_maps_inside_its_span_and_order_is_kept(m: SpanMap, data) -> None:
    n = len(m)
    if n == 0:
        return
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(i + 1, n))
    k = data.draw(st.integers(i, j - 1))
    l = data.draw(st.integers(k + 1, j))
    outer, inner = m.to_source(i, j), m.to_source(k, l)
    assert outer[0] <= inner[0] and inner[1] <= outer[1]
    assert m.to_source(i, i + 1)[0] <= m.to_source(k, k + 1)[0]


@given(span_maps(), st.integers(-3, 3))
def test_a_span_outside_the_text_is_refused(m: SpanMap, past: int) -> None:
    n = len(m)
    for start, end in ((-1, 0), (0, n + 1 + abs(past)), (min(n, 1), 0) if n else (1, 0)):
        with pytest.raises(ValueError, match="out of range"):
            m.to_source(start, end)


@settings(max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("ab cﬁ\u200b\u00ad.Ⅻ\u00e9e\u0301")), max_size=30))
def test_normalisation_maps_through_it(text: str) -> None:
    norm = normalise(text)
    m = SpanMap(norm.starts, norm.ends, len(text))
    for i in range(len(norm.text) + 1):
        for j in range(i, len(norm.text) + 1):
            assert norm.to_original(i, j) == m.to_source(i, j)


@settings(max_examples=200)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<b>", "</b>", "&amp;", "x", " ", "<br>", "&eacute;", "y z"]), max_size=15))
def test_html_extraction_maps_through_it(parts: list[str]) -> None:
    html = "".join(parts)
    ex = extract_html(html)
    past_end = ex.source_ends[-1] if ex.text else 0
    m = SpanMap(ex.source_starts, ex.source_ends, past_end)
    for i in range(len(ex.text) + 1):
        for j in range(i, len(ex.text) + 1):
            assert ex.to_source(i, j) == m.to_source(i, j)


# --- Parts: a text and the consecutive parts it is made of (chunks, batch segments) ---

from checker.text.chunking import split_chunks  # noqa: E402
from checker.text.offsets import Parts  # noqa: E402


@given(st.lists(st.text(max_size=8), max_size=12), st.data())
def test_a_span_split_at_part_boundaries_gives_back_the_same_text(texts: list[str], data) -> None:
    whole = "".join(texts)
    parts = Parts.of(texts)
    start = data.draw(st.integers(0, len(whole)))
    end = data.draw(st.integers(start, len(whole)))
    pieces = parts.split(start, end)
    assert "".join(texts[k][a:b] for k, a, b in pieces) == whole[start:end]
    assert all(b > a for _, a, b in pieces)  # no empty pieces
    assert [k for k, _, _ in pieces] == sorted({k for k, _, _ in pieces})  # each part once, in order
    for k, a, b in pieces:
        assert whole[parts.offset(k) + a : parts.offset(k) + b] == texts[k][a:b]


def test_a_span_outside_the_whole_is_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        Parts.of(["ab", "cd"]).split(3, 5)


@settings(max_examples=60)
@given(st.text(alphabet="ab .\n", max_size=300), st.integers(5, 60))
def test_chunks_are_consecutive_parts_of_the_text(text: str, limit: int) -> None:
    chunks = split_chunks(text, limit)
    assert "".join(c.text for c in chunks) == text
    parts = Parts.of(c.text for c in chunks)
    assert [c.offset for c in chunks] == [parts.offset(k) for k in range(len(parts))]
    assert all(len(c.text) <= limit for c in chunks)
