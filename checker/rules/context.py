"""Whether a rule match stands before its assertion is read: the rule's exceptions and the
context it requires.

In: a rule match and the auxiliary matches of its sentence (checker/rules/matching.py).
Out: keep it or drop it.
"""

from __future__ import annotations

from typing import Callable

from checker.rules.matching import AuxHits, RawMatch


def excepted(m: RawMatch, hits: AuxHits) -> bool:
    """A sentence exception anywhere in the sentence, or an exception overlapping the match."""
    rule_id = m.rule.id
    if hits.get("sentence_exception", rule_id):
        return True
    return any(s < m.end and m.start < e for s, e in hits.get("exception", rule_id))


def context_met(m: RawMatch, hits: AuxHits, in_document: Callable[[str], bool]) -> bool:
    """The rule's required context is in the sentence, or (requires_scope: document)
    anywhere in the document; `in_document(rule_id)` answers the latter, lazily."""
    rule = m.rule
    if not rule.context.requires or hits.get("requires", rule.id):
        return True
    return rule.context.requires_scope == "document" and in_document(rule.id)
