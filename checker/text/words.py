"""Word counts over a doc's tokens (tokens neither punctuation nor space), from arrays read
once in C, so that no Token object is made per token of every sentence."""

from __future__ import annotations

from itertools import accumulate

from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH
from spacy.tokens import Doc


class WordCounts:
    def __init__(self, doc: Doc) -> None:
        if len(doc):
            cols = doc.to_array([IS_PUNCT, IS_SPACE, IDX, LENGTH])
            self.is_word = ((cols[:, 0] == 0) & (cols[:, 1] == 0)).tolist()
            self.start = cols[:, 2].tolist()
            self.end = (cols[:, 2] + cols[:, 3]).tolist()
        else:
            self.is_word, self.start, self.end = [], [], []
        self.prefix = list(accumulate(self.is_word, initial=0))

    def words(self, a: int, b: int) -> int:
        """Words among tokens [a, b)."""
        return self.prefix[b] - self.prefix[a]

    def words_outside(self, a: int, b: int, spans: list[tuple[int, int]]) -> int:
        """Words among tokens [a, b) overlapping none of the character spans."""
        if not spans:
            return self.words(a, b)
        is_word, start, end = self.is_word, self.start, self.end
        return sum(
            1 for i in range(a, b)
            if is_word[i] and not any(s < end[i] and start[i] < e for s, e in spans)
        )
