"""Cut long texts into pieces spaCy can take, at paragraph or sentence breaks.

The pieces are consecutive (their texts joined give the original back) and each keeps
its offset in the original, taken from the shared ``Parts`` map, so findings map back
exactly.
A claim is a sentence, so cutting between paragraphs loses nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checker.text.offsets import Parts

CHUNK_CHARS = 100_000
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?]\s+"), re.compile(r"\s+"))


@dataclass(frozen=True)
class Chunk:
    offset: int  # code-point offset of text in the original
    text: str


def _cut_point(text: str, start: int, limit: int) -> int:
    """The last good break in text[start:start+limit], or the hard limit."""
    window_end = start + limit
    for pattern in _BREAKS:
        last = None
        for m in pattern.finditer(text, start + limit // 2, window_end):
            last = m
        if last is not None:
            return last.end()
    return window_end


def split_chunks(text: str, limit: int = CHUNK_CHARS) -> list[Chunk]:
    if not text:
        return []
    cuts = [0]
    while len(text) - cuts[-1] > limit:
        cuts.append(_cut_point(text, cuts[-1], limit))
    cuts.append(len(text))
    parts = Parts(b - a for a, b in zip(cuts, cuts[1:]))
    return [Chunk(parts.offset(k), text[a:b]) for k, (a, b) in enumerate(zip(cuts, cuts[1:]))]
