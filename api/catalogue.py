"""The read-only answers about the rule pack (/v1/rules, /v1/rules/{id}, /v1/info), built
once as JSON bytes from a loaded checker.

Built where the checker lives (a check worker process, or the server itself when checks run
on threads), so the server process needs only these bytes, not a second copy of the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker import __version__
from checker.findings import report
from checker.pipeline import Checker
from checker.models import Severity

from .models import (
    CategoryOut, InfoResponse, Limits, RuleDetail, RuleExamples, RulesResponse, RuleSummary, VerdictPolicy,
)
from .settings import Settings


@dataclass(frozen=True)
class Catalogue:
    rules: bytes  # GET /v1/rules
    rule_details: dict[str, bytes]  # GET /v1/rules/{rule_id}
    info: bytes  # GET /v1/info


def build_catalogue(checker: Checker, settings: Settings) -> Catalogue:
    pack = checker.pack
    rules = RulesResponse(
        rule_pack=pack.info,
        categories=[
            CategoryOut(
                name=name, caution=m.caution, title=m.title, summary=m.summary, plain=m.plain, questions=m.questions
            )
            for name, m in pack.meta.categories.items()
        ],
        rules=[_rule_summary(pack, r) for r in pack.rules],
    )
    details = {}
    for r in pack.rules:
        detail = RuleDetail(
            **_rule_summary(pack, r).model_dump(),
            confidence=r.confidence,
            explanation=r.explanation,
            suggestion=r.suggestion,
            sources=[{"title": s.title, "url": s.url} for s in pack.sources_for(r)],
            examples=RuleExamples(fire=r.examples.fire_texts, not_fire=list(r.examples.not_fire)),
            patterns=dict(r.named_patterns),
        )
        details[r.id] = detail.model_dump_json().encode()
    info = InfoResponse(
        checker_version=__version__,
        rule_pack=pack.info,
        judge=checker.judge_info,
        categories=list(pack.categories),
        severities=sorted(Severity, key=lambda v: v.rank),
        limits=Limits(
            max_body_bytes=settings.max_body_bytes,
            max_segments=settings.max_segments,
            max_documents=settings.max_documents,
            rate_limit_per_minute=settings.rate_limit_per_minute,
            rate_burst=settings.rate_burst,
            check_timeout_s=settings.check_timeout_s,
        ),
        verdict_policy=VerdictPolicy(
            severity_weight={s.value: w for s, w in report.SEVERITY_WEIGHT.items()},
            serious_single=report.SERIOUS_SINGLE, serious_total=report.SERIOUS_TOTAL,
            misleading_total=report.MISLEADING_TOTAL,
        ),
    )
    return Catalogue(rules.model_dump_json().encode(), details, info.model_dump_json().encode())


def _rule_summary(pack, r) -> RuleSummary:
    cat = pack.category_of(r.id)
    meta = pack.meta.categories[cat.category]
    return RuleSummary(
        id=r.id,
        category=cat.category,
        caution=cat.caution,
        caution_title=meta.title,
        severity=r.severity,
        message=r.message,
    )
