"""Summaries and the overall verdict of a report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable

from checker.models import Finding, JudgeInfo, PackInfo, Report, Severity, Summary

# A page's verdict weighs its warnings: each counts its confidence times the weight of its
# severity, a sentence counts once (its strongest warning), and the sum decides. One
# borderline sentence on an otherwise honest page stays "caution"; one confident critical
# claim, or several ordinary ones, make a page "seriously misleading".
SEVERITY_WEIGHT = {Severity.critical: 1.0, Severity.high: 0.8, Severity.medium: 0.5, Severity.low: 0.3}
SERIOUS_SINGLE = 0.85  # one warning this strong is enough
SERIOUS_TOTAL = 2.0
MISLEADING_TOTAL = 0.7


def strength(f: Finding) -> float:
    return f.confidence * SEVERITY_WEIGHT[f.severity]


# Which sentence a finding is in. One text: its start. Findings gathered from several
# texts (a batch's blocks or documents) need the text too, or sentences of different
# texts that start at the same offset would count as one.
SentenceKey = Callable[[Finding], Hashable]


def _start(f: Finding) -> Hashable:
    return f.sentence_start


def page_score(findings: list[Finding], sentence: SentenceKey = _start) -> float:
    per_sentence: dict[Hashable, float] = {}
    for f in findings:
        if f.warning:
            key = sentence(f)
            per_sentence[key] = max(per_sentence.get(key, 0.0), strength(f))
    return round(sum(per_sentence.values()), 3)


def verdict(findings: list[Finding], sentence: SentenceKey = _start) -> str:
    warnings = [f for f in findings if f.warning]
    if not warnings:
        return "clean"
    score = page_score(warnings, sentence)
    if score >= SERIOUS_TOTAL or max(strength(f) for f in warnings) >= SERIOUS_SINGLE:
        return "seriously misleading"
    return "misleading" if score >= MISLEADING_TOTAL else "caution"


def build_report(
    findings: list[Finding], pack: PackInfo, sentences: int, include_all: bool, version: str,
    judge: JudgeInfo | None = None, sentence: SentenceKey = _start,
) -> Report:
    warnings = [f for f in findings if f.warning]
    summary = Summary(
        warnings=len(warnings),
        findings=len(findings),
        by_category=dict(Counter(f.category for f in warnings)),
        by_severity=dict(Counter(f.severity.value for f in warnings)),
        verdict=verdict(findings, sentence),
        score=page_score(findings, sentence),
        sentences=sentences,
    )
    return Report(
        findings=findings,
        summary=summary,
        rule_pack=pack,
        judge=judge,
        checker_version=version,
        include_all=include_all,
    )
