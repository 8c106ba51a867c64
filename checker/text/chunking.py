"""Cut long texts into pieces spaCy can take, at paragraph or sentence breaks.

Each piece keeps its offset in the original text, so findings map back exactly.
A claim is a sentence, so cutting between paragraphs loses nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    chunks: list[Chunk] = []
    pos = 0
    while len(text) - pos > limit:
        cut = _cut_point(text, pos, limit)
        chunks.append(Chunk(pos, text[pos:cut]))
        pos = cut
    chunks.append(Chunk(pos, text[pos:]))
    return chunks
