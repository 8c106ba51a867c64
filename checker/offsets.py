"""Conversions between Python code-point offsets and UTF-16 code-unit offsets.

Python strings index by code point, while JavaScript/JSON clients index by
UTF-16 code unit; the two differ by one for every astral (> U+FFFF)
character before the position. Conversions locate astral characters once
with a regex and walk the sorted positions in a single merge pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["utf16_len", "utf16_offsets", "utf16_to_codepoint"]

_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")


def _astral_positions(text: str) -> list[int]:
    if text.isascii():
        return []
    return [m.start() for m in _ASTRAL_RE.finditer(text)]


def utf16_len(s: str) -> int:
    """Length of ``s`` in UTF-16 code units."""
    if s.isascii():
        return len(s)
    return len(s) + len(_ASTRAL_RE.findall(s))


def utf16_offsets(text: str, positions: Iterable[int]) -> list[int]:
    """Map code-point offsets into ``text`` to UTF-16 offsets (same order)."""
    pos = list(positions)
    n = len(text)
    for p in pos:
        if not 0 <= p <= n:
            raise ValueError(f"offset {p} out of range for text of length {n}")
    astral = _astral_positions(text)
    if not astral:
        return pos
    result = [0] * len(pos)
    k = 0  # astral chars strictly before the current position
    n_astral = len(astral)
    for idx in sorted(range(len(pos)), key=pos.__getitem__):
        p = pos[idx]
        while k < n_astral and astral[k] < p:
            k += 1
        result[idx] = p + k
    return result


def utf16_to_codepoint(text: str, positions: Iterable[int]) -> list[int]:
    """Map UTF-16 offsets into ``text`` back to code-point offsets.

    Raises ``ValueError`` for offsets outside the text or pointing between the
    two halves of a surrogate pair.
    """
    units = list(positions)
    astral = _astral_positions(text)
    total = len(text) + len(astral)
    for u in units:
        if not 0 <= u <= total:
            raise ValueError(f"UTF-16 offset {u} out of range for length {total}")
    if not astral:
        return units
    result = [0] * len(units)
    k = 0  # astral chars whose surrogate pair starts before the current offset
    n_astral = len(astral)
    for idx in sorted(range(len(units)), key=units.__getitem__):
        u = units[idx]
        # The k-th astral char starts at UTF-16 offset astral[k] + k.
        while k < n_astral and astral[k] + k < u:
            k += 1
        if k and astral[k - 1] + (k - 1) + 1 == u:
            raise ValueError(f"UTF-16 offset {u} splits a surrogate pair")
        result[idx] = u - k
    return result
