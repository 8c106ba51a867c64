"""Findings as the report gives them: a candidate's category, message, explanation,
sources, rewrite and evidence, with its offsets mapped from the normalised chunk back to
the original text.

In: candidates (or the judge's own warnings) in a normalised chunk. Out: Finding models.
"""

from __future__ import annotations

from checker.findings.candidates import Candidate, is_warning
from checker.models import Evidence, Finding, Source
from checker.rules.loader import RulePack
from checker.text.chunking import Chunk
from checker.text.normalise import Normalised


class FindingBuilder:
    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self._source_cache: dict[str, list[Source]] = {}

    def rule_finding(self, c: Candidate, chunk: Chunk, norm: Normalised) -> Finding:
        rule = c.raw.rule
        cat = self.pack.category_of(rule.id)
        meta = self.pack.meta.categories[cat.category]
        name, pattern = list(rule.named_patterns.items())[c.raw.pattern_index]
        return self.finding(
            chunk, norm, c.n_start, c.n_end, c.sent_start, c.sent_end,
            category=cat.category, rule_id=rule.id, severity=rule.severity, confidence=c.confidence,
            assertion=c.assertion, warning=is_warning(c), caution=cat.caution, caution_title=meta.title,
            message=rule.message, explanation=rule.explanation, suggestion=rule.suggestion,
            sources=self.sources_of(rule.id, rule.sources),
            evidence=Evidence.model_construct(
                pattern=pattern,
                pattern_name=name,
                assertion_cues=c.cues,
                context=c.context,
                base_confidence=rule.confidence,
                adjustments=c.adjustments,
                judge=None,
            ),
        )

    def finding(
        self, chunk: Chunk, norm: Normalised, n_start: int, n_end: int, sent_start: int, sent_end: int, **fields
    ) -> Finding:
        """A finding with its offsets mapped from the normalised chunk back to the original."""
        start, end = norm.to_original(n_start, n_end)
        s_start, s_end = norm.to_original(sent_start, sent_end)
        sentence = chunk.text[s_start:s_end].strip()
        lead = len(chunk.text[s_start:s_end]) - len(chunk.text[s_start:s_end].lstrip())
        s_start += lead
        s_end = s_start + len(sentence)
        # model_construct: every value here comes from the validated pack or our
        # own code, so pydantic's validation would only cost time per finding.
        return Finding.model_construct(
            start=chunk.offset + start,
            end=chunk.offset + end,
            start_utf16=0,
            end_utf16=0,
            text=chunk.text[start:end],
            sentence=sentence,
            sentence_start=chunk.offset + s_start,
            sentence_end=chunk.offset + s_end,
            html_start=None,
            html_end=None,
            **fields,
        )

    def sources_of(self, key: str, source_keys: list[str]) -> list[Source]:
        cached = self._source_cache.get(key)
        if cached is None:
            cached = self._source_cache[key] = [
                Source(title=s.title, url=s.url) for s in (self.pack.meta.sources[k] for k in source_keys)
            ]
        return list(cached)
