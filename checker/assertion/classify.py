"""Assertion status of a matched claim: is it said, hedged, denied, asked, reported?

The cue words, each kind's reach (direction, clause or sentence, how many tokens, whether a
cue inside the claim counts, which cues cancel it) and the precedence of the statuses are
data, in checker/rules/pack/assertion.yaml, after medspaCy's ConText rules. This module
applies them, plus a few refinements that are not a matter of reach, each named below:
  - "no" as the object of a verb ("had no hope", "is no barrier") negates one token only;
  - when the negation is the claim ("no MRI, no referral needed"), a listed "no" before it
    is part of the same list, and a cue inside it is the claim itself;
  - a trailing "is not" does not reach back across "and", "or" or a comma;
  - a reporting verb just after "we" or "our" is the clinic's own voice, not a report;
  - a conditional reaches across a comma only with "would", "could" or "might" between;
  - a question mark ending the sentence makes it a question, unless a rhetorical opener
    ("Why wait?") starts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span

from checker.rules.matching import AuxHits
from checker.models import Assertion
from checker.rules.schema import AssertionCues, CueScope

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
        self.precedence = list(cues.precedence)
        # status -> its cue kinds with their reach, in the pack's order
        self.kinds: dict[Assertion, list[tuple[str, CueScope]]] = {}
        for kind, reach in cues.scope.items():
            self.kinds.setdefault(reach.status, []).append((kind, reach))

    def _text(self, sent: Span, span: tuple[int, int]) -> str:
        return sent.doc[span[0] : span[1]].text

    def _first_person_before(self, sent: Span, cue_start: int) -> bool:
        doc = sent.doc
        lo = max(sent.start, cue_start - FIRST_PERSON_WINDOW)
        return any(doc[i].lower_ in self.first_person for i in range(lo, cue_start))

    def _object_of_verb(self, sent: Span, cue: tuple[int, int]) -> bool:
        """"no" as the object of a verb ("had no hope", "is no barrier") negates only its
        noun phrase, not what the sentence goes on to claim."""
        doc = sent.doc
        return doc[cue[0]].lower_ == "no" and cue[0] > sent.start and doc[cue[0] - 1].lower_ in _OBJECT_VERBS

    def _reaches(
        self, kind: str, reach: CueScope, sent: Span, cue: tuple[int, int], match: tuple[int, int],
        clause: tuple[int, int], negation_is_claim: bool,
    ) -> bool:
        """Does this cue, of this kind, reach the claim `match`?"""
        start, end = match
        if _overlaps(cue, match):
            if reach.inside_claim == "overlap":
                return True
            inside = reach.inside_claim == "within" and start <= cue[0] and cue[1] <= end
            return inside and not (kind == "negation" and negation_is_claim)
        if cue[1] <= start:
            if reach.direction == "backward":
                return False
            distance = start - cue[1]
            if reach.within == "clause" and cue[0] < clause[0]:
                return False
            if reach.stops_at_boundary_words and any(sent.doc[i].lower_ in self.boundaries for i in range(cue[1], start)):
                return False
        else:
            if reach.direction == "forward":
                return False
            distance = cue[0] - end
            if reach.within == "clause" and cue[1] > clause[1]:
                return False
        limit = reach.max_tokens
        if kind == "negation":
            if negation_is_claim and self._text(sent, cue).lower() in _LIST_NEGATORS:
                return False
            if self._object_of_verb(sent, cue):
                limit = 1
        if limit is not None and distance > limit:
            return False
        return self._refined(kind, sent, cue, match, clause)

    def _refined(self, kind: str, sent: Span, cue: tuple[int, int], match: tuple[int, int], clause: tuple[int, int]) -> bool:
        """The refinements that are not a matter of reach (module docstring)."""
        doc = sent.doc
        if kind == "negation_after":
            return not any(t.lower_ in ("and", "or", ",") for t in doc[match[1] : cue[0]])
        if kind == "attribution":
            return not self._first_person_before(sent, cue[0])
        if kind == "conditional":
            between = doc[cue[1] : match[0]]
            same_clause = clause[0] <= cue[0] and not any(t.text == "," for t in between)
            return same_clause or any(t.lower_ in ("would", "could", "might", "'d") for t in between)
        return True

    def _questioned(self, sent: Span, hits: AuxHits) -> AssertionResult | None:
        last = next((t for t in reversed(sent) if not t.is_space), None)
        rhetorical = any(cue[0] <= sent.start + 1 for cue in hits.get("rhetorical_question"))
        if last is not None and last.text in self.question_marks and not rhetorical:
            return AssertionResult(Assertion.questioned, [last.text])
        return None

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
        clause = _clause(sent, start, end, self.boundaries, self.after_comma)
        for status in self.precedence:
            if status in ignore:
                continue
            if status is Assertion.questioned:
                asked = self._questioned(sent, hits)
                if asked is not None:
                    return asked
                continue
            for kind, reach in self.kinds.get(status, ()):
                cancelling = hits.get(reach.cancelled_by) if reach.cancelled_by else ()
                for cue in hits.get(kind):
                    if any(_overlaps(cue, c) for c in cancelling):
                        continue
                    if self._reaches(kind, reach, sent, cue, match, clause, negation_is_claim):
                        return AssertionResult(status, [self._text(sent, cue)])
        return AssertionResult(Assertion.asserted)
