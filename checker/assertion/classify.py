"""Assertion status of a matched claim: is it said, hedged, denied, asked, reported?

Cue words come from checker/rules/pack/assertion.yaml; this module only applies scope:
  - negation reaches forward inside its clause (clauses end at ';', ':',
    'but', 'however', ...), within a window, and a few cues ("is not") reach
    back to a claim just before them; pseudo-negations ("not only", "no
    longer") and cues inside the claim itself ("no side effects") never negate;
  - attribution and critical framing cover the sentence, unless the reporting
    verb is first person ("we promise" is the clinic speaking);
  - research framing covers the sentence; conditionals cover their clause;
  - a question mark ending the sentence makes it a question;
  - a modal or "help" just before the claim hedges it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span

from checker.rules.matching import AuxHits
from checker.models import Assertion
from checker.rules.schema import AssertionCues

NEGATION_WINDOW = 10  # tokens between a negation cue and the claim it negates
NEGATION_AFTER_GAP = 1  # tokens between the claim's end and a trailing "is not"
HEDGE_WINDOW = 4
_LIST_NEGATORS = frozenset({"no", "without", "zero", "nil"})
_OBJECT_VERBS = frozenset({"had", "have", "has", "having", "is", "was", "are", "were", "with", "saw", "see", "felt", "feel", "gave", "give"})
FIRST_PERSON_WINDOW = 3


@dataclass
class AssertionResult:
    status: Assertion
    cues: list[str] = field(default_factory=list)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _is_boundary(sent: Span, i: int, boundaries: frozenset[str], after_comma: frozenset[str]) -> bool:
    doc = sent.doc
    word = doc[i].lower_
    if word in boundaries:
        return True
    if word == "-" and _spaced_dash(doc, i, sent.start):
        # A lone dash joins two clauses ("Age is no barrier - we treat all");
        # a pair sets off an aside ("do not - and cannot - cure"), which
        # stays inside its clause.
        return sum(1 for j in range(sent.start, sent.end) if _spaced_dash(doc, j, sent.start)) == 1
    return word in after_comma and i > sent.start and sent.doc[i - 1].text == ","


def _spaced_dash(doc, i: int, floor: int) -> bool:
    return doc[i].text == "-" and i > floor and bool(doc[i - 1].whitespace_) and bool(doc[i].whitespace_)


def _clause(
    sent: Span, start: int, end: int, boundaries: frozenset[str], after_comma: frozenset[str]
) -> tuple[int, int]:
    """Token range of the clause holding the claim [start, end)."""
    c_start = sent.start
    for i in range(start - 1, sent.start - 1, -1):
        if _is_boundary(sent, i, boundaries, after_comma):
            c_start = i + 1
            break
    c_end = sent.end
    for i in range(end, sent.end):
        if _is_boundary(sent, i, boundaries, after_comma):
            c_end = i
            break
    return c_start, c_end


def clause_spans(sent: Span, classifier: "AssertionClassifier") -> list[tuple[int, int]]:
    """The sentence cut into clauses (token ranges) at the pack's clause boundaries."""
    spans, start = [], sent.start
    for i in range(sent.start, sent.end):
        if _is_boundary(sent, i, classifier.boundaries, classifier.after_comma):
            if i > start:
                spans.append((start, i))
            start = i + 1
    if sent.end > start:
        spans.append((start, sent.end))
    return spans


class AssertionClassifier:
    def __init__(self, cues: AssertionCues):
        self.boundaries = frozenset(b.lower() for b in cues.clause_boundaries)
        self.after_comma = frozenset(b.lower() for b in cues.comma_clause_boundaries)
        self.first_person = frozenset(w.lower() for w in cues.first_person)
        self.question_marks = frozenset(cues.question_marks)

    def _text(self, sent: Span, span: tuple[int, int]) -> str:
        return sent.doc[span[0] : span[1]].text

    def _first_person_before(self, sent: Span, cue_start: int) -> bool:
        doc = sent.doc
        lo = max(sent.start, cue_start - FIRST_PERSON_WINDOW)
        return any(doc[i].lower_ in self.first_person for i in range(lo, cue_start))

    def _reach(self, sent: Span, cue: tuple[int, int]) -> int:
        """How far a negation cue reaches. "no" as the object of a verb ("had
        no hope", "is no barrier") negates only its noun phrase, not what the
        sentence goes on to claim."""
        doc = sent.doc
        if doc[cue[0]].lower_ == "no" and cue[0] > sent.start and doc[cue[0] - 1].lower_ in _OBJECT_VERBS:
            return 1
        return NEGATION_WINDOW

    def classify(
        self,
        sent: Span,
        start: int,
        end: int,
        hits: AuxHits,
        ignore: frozenset[Assertion] = frozenset(),
        negation_is_claim: bool = False,
    ) -> AssertionResult:
        match = (start, end)
        c_start, c_end = _clause(sent, start, end, self.boundaries, self.after_comma)
        pseudo = hits.get("pseudo_negation")

        def live(span: tuple[int, int]) -> bool:
            return not _overlaps(span, match) and not any(_overlaps(span, p) for p in pseudo)

        def check(status: Assertion) -> bool:
            return status not in ignore

        if check(Assertion.negated):
            for cue in hits.get("sentence_negation"):
                if cue[1] <= start and not any(
                    sent.doc[i].lower_ in self.boundaries for i in range(cue[1], start)
                ):
                    return AssertionResult(Assertion.negated, [self._text(sent, cue)])
            for cue in hits.get("negation"):
                if any(_overlaps(cue, p) for p in pseudo):
                    continue
                # When the negation is the claim ("no MRI, no referral needed"),
                # a "no" before it is usually part of the same list, not a denial.
                listed = negation_is_claim and self._text(sent, cue).lower() in _LIST_NEGATORS
                before = (
                    not listed
                    and c_start <= cue[0]
                    and cue[1] <= start
                    and start - cue[1] <= self._reach(sent, cue)
                )
                inside = not negation_is_claim and start <= cue[0] and cue[1] <= end
                if before or inside:
                    return AssertionResult(Assertion.negated, [self._text(sent, cue)])
            for cue in hits.get("negation_after"):
                gap = sent.doc[end : cue[0]]
                if (
                    live(cue)
                    and end <= cue[0] <= end + NEGATION_AFTER_GAP
                    and cue[1] <= c_end
                    and not any(t.lower_ in ("and", "or", ",") for t in gap)
                ):
                    return AssertionResult(Assertion.negated, [self._text(sent, cue)])

        if check(Assertion.attributed):
            for cue in hits.get("critical_framing"):
                if not _overlaps(cue, match):
                    return AssertionResult(Assertion.attributed, [self._text(sent, cue)])
            own_voice = hits.get("pseudo_attribution")
            for cue in hits.get("attribution"):
                if any(_overlaps(cue, p) for p in own_voice):
                    continue
                if not _overlaps(cue, match) and not self._first_person_before(sent, cue[0]):
                    return AssertionResult(Assertion.attributed, [self._text(sent, cue)])

        if check(Assertion.investigational):
            # Research framing counts even inside a long match ("MSCs are under
            # investigation for their ability to modulate immunity").
            for cue in hits.get("investigational"):
                return AssertionResult(Assertion.investigational, [self._text(sent, cue)])

        if check(Assertion.conditional):
            for cue in hits.get("conditional"):
                if cue[1] <= start and sent.start <= cue[0]:
                    between = sent.doc[cue[1] : start]
                    same_clause = c_start <= cue[0] and not any(t.text == "," for t in between)
                    counterfactual = any(
                        t.lower_ in ("would", "could", "might", "'d") for t in between
                    )
                    if same_clause or counterfactual:
                        return AssertionResult(Assertion.conditional, [self._text(sent, cue)])

        if check(Assertion.questioned):
            last = next((t for t in reversed(sent) if not t.is_space), None)
            rhetorical = any(cue[0] <= sent.start + 1 for cue in hits.get("rhetorical_question"))
            if last is not None and last.text in self.question_marks and not rhetorical:
                return AssertionResult(Assertion.questioned, [last.text])

        if check(Assertion.hedged):
            for cue in hits.get("hedge"):
                if c_start <= cue[0] and cue[1] <= start and start - cue[1] <= HEDGE_WINDOW:
                    return AssertionResult(Assertion.hedged, [self._text(sent, cue)])
                if _overlaps(cue, match):
                    return AssertionResult(Assertion.hedged, [self._text(sent, cue)])

        return AssertionResult(Assertion.asserted)
