"""A rule match's confidence: the rule's base figure, lowered when hedged, moved by the
context words the rule names (boost and lower), with each step written down.

In: the rule, the match's assertion status, its sentence's auxiliary matches and the doc.
Out: confidence, the context words that moved it, and the adjustments as text.
"""

from __future__ import annotations

from spacy.tokens import Doc

from checker.models import Assertion
from checker.rules.matching import AuxHits
from checker.rules.schema import Rule

HEDGE_FACTOR = 0.7
BOOST_STEP = 0.05
LOWER_STEP = 0.25
MAX_BOOSTS = 2  # context words that raise the score, at most


def score(rule: Rule, status: Assertion, hits: AuxHits, doc: Doc) -> tuple[float, list[str], list[str]]:
    confidence = rule.confidence
    adjustments: list[str] = []
    context: list[str] = []
    if status == Assertion.hedged:
        confidence *= HEDGE_FACTOR
        adjustments.append(f"hedged x{HEDGE_FACTOR}")
    for s, e in hits.get("boost", rule.id)[:MAX_BOOSTS]:
        confidence = min(1.0, confidence + BOOST_STEP)
        context.append(doc[s:e].text)
        adjustments.append(f"+{BOOST_STEP} context '{doc[s:e].text}'")
    for s, e in hits.get("lower", rule.id):
        confidence -= LOWER_STEP
        context.append(doc[s:e].text)
        adjustments.append(f"-{LOWER_STEP} context '{doc[s:e].text}'")
    return round(max(0.01, min(1.0, confidence)), 3), context, adjustments
