"""Summaries and the overall verdict of a report."""

from __future__ import annotations

from collections import Counter

from .models import Finding, PackInfo, Report, Severity, Summary

_VERDICTS = {
    Severity.critical: "seriously misleading",
    Severity.high: "misleading",
    Severity.medium: "caution",
    Severity.low: "caution",
}


def verdict(findings: list[Finding]) -> str:
    warnings = [f for f in findings if f.warning]
    if not warnings:
        return "clean"
    worst = max(warnings, key=lambda f: f.severity.rank).severity
    return _VERDICTS[worst]


def build_report(
    findings: list[Finding], pack: PackInfo, sentences: int, include_all: bool, version: str
) -> Report:
    warnings = [f for f in findings if f.warning]
    summary = Summary(
        warnings=len(warnings),
        findings=len(findings),
        by_category=dict(Counter(f.category for f in warnings)),
        by_severity=dict(Counter(f.severity.value for f in warnings)),
        verdict=verdict(findings),
        sentences=sentences,
    )
    return Report(
        findings=findings,
        summary=summary,
        rule_pack=pack,
        checker_version=version,
        include_all=include_all,
    )
