"""One decision from rules, judge and assertion, per sentence.

- A rule warning stands unless the judge finds the sentence honest. The two pieces of
  evidence are weighed together: the rule's measured precision (the share of the corpus's
  train sentences it warned on that are claims), its log-odds scaled by `rule_weight`,
  and the judge's calibrated p(claim) are added as log-odds, and the rule is overruled
  only when the combined probability falls below `veto_below` (at most 0.5: honest must be
  the likelier reading; for a rule of critical severity the stricter `veto_below_critical`,
  at most 0.3: the judge must be confident) and the sentence has at least MIN_VETO_WORDS
  words, MIN_WORDS_BEYOND_MATCH of them outside the rules' matches. How far the
  rule's record counts beside the judge is chosen on grouped cross-validation; it may be
  nothing, when the judge (trained on the very sentences the rules fire on) already
  carries the rule's evidence.
- With no rule warning, the judge alone raises a warning when p(claim) reaches `flag_at`;
  the assertion classifier then still decides whether it is a warning (negated,
  attributed, questioned, research-framed and conditional claims are not).
Both thresholds are chosen on grouped cross-validation (training/train_judge.py) and stored
with the model, with the rules' precisions.
"""

from __future__ import annotations

import math
from enum import Enum

UNMEASURED_RULE_PRECISION = 0.5  # a rule the corpus never saw fire: no evidence either way
# The judge overrules a rule only on sentences long enough to carry more than the rule's
# match: in a short, plain sentence ("It is FDA approved for MS.") the match is the sentence,
# and a bag of words has less to go on than the rule (on cross-validation the judge gave
# such sentences p(claim) near 0.02 while the rules were right).
MIN_VETO_WORDS = 12
# Nor where the rules' matches are most of the sentence: "Every patient with MS is a
# candidate, including primary and secondary progressive MS." is 13 words, 7 of them the
# match. The judge must have at least this many words beyond the matches to go on (on
# grouped CV this costs no recall at the chosen false-alarm rate).
MIN_WORDS_BEYOND_MATCH = 8


class Decision(str, Enum):
    keep_rules = "keep_rules"  # rule warnings stand
    veto_rules = "veto_rules"  # the judge is confident it is honest: rule warnings become notes
    judge_flags = "judge_flags"  # no rule warning, the judge finds a claim
    clean = "clean"


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def combined(p_claim: float, rule_precision: float, rule_weight: float = 1.0) -> float:
    """p(claim) from the judge and the rule's precision as independent evidence, the rule's
    log-odds scaled by `rule_weight` (how far its corpus precision is trusted)."""
    return 1.0 / (1.0 + math.exp(-(_logit(p_claim) + rule_weight * _logit(rule_precision))))


def decide(
    rule_precision: float | None, p_claim: float | None, veto_below: float, flag_at: float, rule_weight: float = 1.0,
    words: int = MIN_VETO_WORDS, critical: bool = False, veto_below_critical: float | None = None,
    words_beyond_match: int = MIN_WORDS_BEYOND_MATCH,
) -> Decision:
    """`rule_precision`: the best measured precision of the rules warning in the sentence,
    None when no rule warns; `words`: the sentence's length in words; `critical`: whether
    one of those rules is of critical severity, which takes the stricter
    `veto_below_critical` to overrule (a missed "FDA-approved" or "cures MS" costs more
    than a missed "life-changing")."""
    if p_claim is None:  # no judge: rules alone
        return Decision.clean if rule_precision is None else Decision.keep_rules
    if rule_precision is not None:
        below = min(veto_below, veto_below_critical) if critical and veto_below_critical is not None else veto_below
        reach = words >= MIN_VETO_WORDS and words_beyond_match >= MIN_WORDS_BEYOND_MATCH
        veto = reach and combined(p_claim, rule_precision, rule_weight) < below
        return Decision.veto_rules if veto else Decision.keep_rules
    return Decision.judge_flags if p_claim >= flag_at else Decision.clean


def flagged(
    rule_precision: float | None, p_claim: float | None, veto_below: float, flag_at: float, rule_weight: float = 1.0,
    words: int = MIN_VETO_WORDS, critical: bool = False, veto_below_critical: float | None = None,
    words_beyond_match: int = MIN_WORDS_BEYOND_MATCH,
) -> bool:
    return decide(rule_precision, p_claim, veto_below, flag_at, rule_weight, words, critical, veto_below_critical,
                  words_beyond_match) in (
        Decision.keep_rules, Decision.judge_flags)
