"""One decision from rules, judge and assertion, per sentence.

- A rule warning stands unless the judge is confident the sentence is honest
  (calibrated p(claim) below `veto_below`).
- With no rule warning, the judge alone raises a warning when p(claim) reaches `flag_at`;
  the assertion classifier then still decides whether it is a warning (negated,
  attributed, questioned, research-framed and conditional claims are not).
Both thresholds are chosen on grouped cross-validation (training/train_judge.py) and stored
with the model.
"""

from __future__ import annotations

from enum import Enum


class Decision(str, Enum):
    keep_rules = "keep_rules"  # rule warnings stand
    veto_rules = "veto_rules"  # the judge is confident it is honest: rule warnings become notes
    judge_flags = "judge_flags"  # no rule warning, the judge finds a claim
    clean = "clean"


def decide(rule_warning: bool, p_claim: float | None, veto_below: float, flag_at: float) -> Decision:
    if p_claim is None:  # no judge: rules alone
        return Decision.keep_rules if rule_warning else Decision.clean
    if rule_warning:
        return Decision.veto_rules if p_claim < veto_below else Decision.keep_rules
    return Decision.judge_flags if p_claim >= flag_at else Decision.clean


def flagged(rule_warning: bool, p_claim: float | None, veto_below: float, flag_at: float) -> bool:
    return decide(rule_warning, p_claim, veto_below, flag_at) in (Decision.keep_rules, Decision.judge_flags)
