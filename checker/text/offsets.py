"""Offsets: the map from a derived text back to its source (SpanMap, shared by
normalisation and HTML extraction), the map between a text and the consecutive parts it is
made of (Parts, shared by chunking and the batch API's segments), and conversions between
Python code-point offsets and UTF-16 code-unit offsets.

Python strings index by code point, while JavaScript/JSON clients index by
UTF-16 code unit; the two differ by one for every astral (> U+FFFF)
character before the position. Astral characters are located once with a
regex; each position is then converted by binary search over them, which in
CPython beats sorting the positions and merging (no per-item Python loop
beyond one list comprehension), and keeps the caller's order for free.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

__all__ = ["Parts", "SpanMap", "utf16_len", "utf16_offsets", "utf16_to_codepoint"]

_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


class SpanMap:
    """For each character of a derived text, the half-open span of the source it came
    from: ``starts[i]``/``ends[i]``, both non-decreasing. Several characters may share one
    span (a ligature unfolded, a reference decoded) and a character may come from an empty
    span (a line break inserted for a tag). ``end`` is where the derived text's end lies in
    the source."""

    __slots__ = ("starts", "ends", "end")

    def __init__(self, starts: Sequence[int], ends: Sequence[int], end: int) -> None:
        self.starts, self.ends, self.end = starts, ends, end

    def __len__(self) -> int:
        return len(self.starts)

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        """The source span of the derived span ``[start, end)``: from the source start of its
        first character to the source end of its last, so whatever lies between in the
        source (removed characters, markup) is included. An empty span maps to an empty
        one just before the source of ``text[start]``, or at ``end`` past the last one."""
        n = len(self.starts)
        if not 0 <= start <= end <= n:
            raise ValueError(f"span [{start}, {end}) out of range for a text of length {n}")
        if start == end:
            pos = self.starts[start] if start < n else self.end
            return pos, pos
        return self.starts[start], self.ends[end - 1]


class Parts:
    """A whole text made of consecutive parts (chunks cut from a long text, a page's text
    nodes joined into one block): part ``k`` covers ``[starts[k], starts[k + 1])`` of the
    whole, with ``starts[0] == 0`` and ``starts[-1]`` the whole's length."""

    __slots__ = ("starts",)

    def __init__(self, lengths: Iterable[int]) -> None:
        starts = [0]
        for n in lengths:
            if n < 0:
                raise ValueError(f"a part cannot have length {n}")
            starts.append(starts[-1] + n)
        self.starts = starts

    @classmethod
    def of(cls, texts: Iterable[str]) -> Parts:
        return cls(len(t) for t in texts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def offset(self, k: int) -> int:
        """Where part ``k`` starts in the whole."""
        return self.starts[k]

    def split(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """The whole's span ``[start, end)`` cut at part boundaries: ``(k, a, b)`` for each
        part it covers, ``[a, b)`` in that part's own offsets; empty pieces are left out."""
        starts = self.starts
        if not 0 <= start <= end <= starts[-1]:
            raise ValueError(f"span [{start}, {end}) out of range for a text of length {starts[-1]}")
        pieces: list[tuple[int, int, int]] = []
        k = max(0, bisect_right(starts, start) - 1)
        while k < len(starts) - 1 and starts[k] < end:
            a = max(start, starts[k]) - starts[k]
            b = min(end, starts[k + 1]) - starts[k]
            if b > a:
                pieces.append((k, a, b))
            k += 1
        return pieces


def _astral_positions(text: str) -> list[int]:
    if text.isascii():
        return []
    return [m.start() for m in _ASTRAL_RE.finditer(text)]


def _check_range(values: list[int], limit: int, what: str) -> None:
    if values and (min(values) < 0 or max(values) > limit):
        bad = next(v for v in values if not 0 <= v <= limit)
        raise ValueError(f"{what} {bad} out of range 0..{limit}")


def utf16_len(s: str) -> int:
    """Length of ``s`` in UTF-16 code units."""
    if s.isascii():
        return len(s)
    return len(s) + len(_ASTRAL_RE.findall(s))


def utf16_offsets(text: str, positions: Iterable[int]) -> list[int]:
    """Map code-point offsets into ``text`` to UTF-16 offsets (same order)."""
    pos = list(positions)
    _check_range(pos, len(text), "offset")
    astral = _astral_positions(text)
    if not astral:
        return pos
    # Each astral char strictly before p adds one extra code unit.
    return [p + bisect_left(astral, p) for p in pos]


def utf16_to_codepoint(text: str, positions: Iterable[int]) -> list[int]:
    """Map UTF-16 offsets into ``text`` back to code-point offsets.

    Raises ``ValueError`` for offsets outside the text or pointing between the
    two halves of a surrogate pair.
    """
    units = list(positions)
    astral = _astral_positions(text)
    _check_range(units, len(text) + len(astral), "UTF-16 offset")
    if not astral:
        return units
    # The k-th astral char starts at UTF-16 offset astral[k] + k.
    unit_starts = [a + k for k, a in enumerate(astral)]
    result: list[int] = []
    for u in units:
        k = bisect_left(unit_starts, u)  # astral chars starting before u
        if k and unit_starts[k - 1] + 1 == u:
            raise ValueError(f"UTF-16 offset {u} splits a surrogate pair")
        result.append(u - k)
    return result
