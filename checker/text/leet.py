"""Leetspeak: digits and symbols standing in for letters inside words ("cur3s", "51de",
"4ppr0v3d", "$afe"), read back as the letters, one character for one.

Only a word the rule pack knows is restored: a word that mixes letters with stand-ins is
rewritten when its letter form is one of ``words`` (the pack's own pattern words) and the
word as written is not. Numbers, prices, dates and codes ("CD34", "B12", "COVID-19",
"T2", "$500", "3rd") have no letter form among those words, or no letters at all, and stay
as they are. One character becomes one, so the offset map is untouched.
"""

from __future__ import annotations

import itertools
import re
from typing import Iterable

# Stand-in -> the letters it may stand for, in order of preference.
_STAND_INS: dict[str, str] = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
_LETTER_OR_STAND_IN = "A-Za-z" + re.escape("".join(_STAND_INS))
# A run of letters and stand-ins holding a letter next to a stand-in, started at a run's
# start (the look-behind keeps the search linear: one attempt per run).
_CANDIDATE = re.compile(
    rf"(?<![{_LETTER_OR_STAND_IN}\w])[{_LETTER_OR_STAND_IN}]*"
    rf"(?:[A-Za-z][{re.escape(''.join(_STAND_INS))}]|[{re.escape(''.join(_STAND_INS))}][A-Za-z])"
    rf"[{_LETTER_OR_STAND_IN}]*(?![\w])"
)
_EDGE_MARKS = "!|"  # sentence punctuation, or a pipe, when at a word's edge
MAX_WORD = 30
MAX_AMBIGUOUS = 3  # stand-ins with two readings ("1": i or l) tried per word: 2**3 forms


class Deleeter:
    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(w.lower() for w in words if w.isalpha())

    def __call__(self, text: str) -> str:
        chars: list[str] | None = None
        for m in _CANDIDATE.finditer(text):
            start, end = m.start(), m.end()
            while start < end and text[start] in _EDGE_MARKS:
                start += 1
            while end > start and text[end - 1] in _EDGE_MARKS:
                end -= 1
            word = text[start:end]
            restored = self.restore(word)
            if restored is not None:
                if chars is None:
                    chars = list(text)
                chars[start:end] = restored
        return text if chars is None else "".join(chars)

    def restore(self, word: str) -> str | None:
        """The letter form of ``word`` when it is a known word and ``word`` is not."""
        if not 2 <= len(word) <= MAX_WORD or word.lower() in self.words:
            return None
        letters = [c for c in word if c.isalpha()]
        if not letters or len(letters) == len(word):
            return None
        upper = all(c.isupper() for c in letters) and len(letters) > 1
        slots = [i for i, c in enumerate(word) if not c.isalpha()]
        choices = []
        for i in slots:
            readings = _STAND_INS.get(word[i])
            if readings is None:
                return None  # a digit with no letter reading ("2", "6"): a code or a number
            choices.append(readings)
        if sum(len(c) > 1 for c in choices) > MAX_AMBIGUOUS:
            return None
        for combo in itertools.product(*choices):
            chars = list(word)
            for i, letter in zip(slots, combo):
                chars[i] = letter
            candidate = "".join(chars)
            if candidate.lower() in self.words:
                return candidate.upper() if upper else candidate
        return None
