"""A rule match on its way to being a finding: where it is in the normalised chunk, its
assertion and its confidence; which of them warn; and one per category where several
overlap.

In: the scored matches of one chunk. Out: the ones to report, in text order.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.models import WARNING_ASSERTIONS, Assertion
from checker.rules.matching import RawMatch
from checker.rules.spans import DisjointSpans

MIN_WARNING_CONFIDENCE = 0.5


@dataclass
class Candidate:
    """A finding before its offsets are mapped back to the original text."""

    raw: RawMatch
    n_start: int  # char offsets into the normalised chunk
    n_end: int
    sent_start: int
    sent_end: int
    assertion: Assertion
    cues: list[str]
    context: list[str]
    adjustments: list[str]
    confidence: float


def is_warning(c: Candidate) -> bool:
    return c.assertion in WARNING_ASSERTIONS and c.confidence >= MIN_WARNING_CONFIDENCE


def best_per_category(cands: list[Candidate]) -> list[Candidate]:
    """Overlapping candidates of one category say the same thing once: keep the
    warning over the non-warning, then the most severe, then the longest."""
    def rank(c: Candidate) -> tuple:
        warn = c.assertion in WARNING_ASSERTIONS
        return (warn, c.raw.rule.severity.rank, c.confidence, c.n_end - c.n_start)

    kept: list[Candidate] = []
    taken: dict[str, DisjointSpans] = {}
    for c in sorted(cands, key=rank, reverse=True):
        spans = taken.setdefault(c.raw.rule.id.split(".", 1)[0], DisjointSpans())
        if spans.overlaps(c.n_start, c.n_end):
            continue
        spans.add(c.n_start, c.n_end)
        kept.append(c)
    kept.sort(key=lambda c: (c.n_start, c.n_end))
    return kept
