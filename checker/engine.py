"""Orchestrates one check: normalise -> nlp -> rules -> assertion -> findings -> report."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from spacy.tokens import Doc

from . import __version__
from .assertion import AssertionClassifier
from .chunking import Chunk, split_chunks
from .matching import AuxHits, CompiledPack, RawMatch, longest_per_rule
from .models import WARNING_ASSERTIONS, Assertion, Evidence, Finding, Report, Source
from .nlp import get_nlp
from .normalise import Normalised, export_tables, normalise, prime_tables
from .offsets import utf16_offsets
from .compile_cache import cached
from .pack import DEFAULT_PACK_DIR, RulePack, default_pack, pack_hash
from .report import build_report

HEDGE_FACTOR = 0.7
BOOST_STEP = 0.05
LOWER_STEP = 0.25
MIN_WARNING_CONFIDENCE = 0.5


@dataclass
class _Candidate:
    """A finding before its offsets are mapped back to the original text."""

    raw: RawMatch
    n_start: int  # char offsets into the normalised chunk
    n_end: int
    sent_start: int
    sent_end: int
    assertion: Assertion
    cues: list[str]
    context: list[str]
    adjustments: list[str]
    confidence: float


class Checker:
    """Holds the pipeline and the compiled pack; build once per process and reuse."""

    def __init__(self, pack: RulePack | None = None):
        self.nlp = get_nlp()
        if pack is None:
            # The default pack, compiled, comes from the disk cache when it can.
            self.pack, self.compiled = _default_compiled(self.nlp)
        else:
            self.pack = pack
            self.compiled = CompiledPack(pack, self.nlp)
        self.classifier = AssertionClassifier(self.pack.cues)
        self._source_cache: dict[str, list[Source]] = {}

    # -- public -------------------------------------------------------------
    def check(self, text: str, *, include_all: bool = False) -> Report:
        return next(self.check_many([text], include_all=include_all))

    def check_many(
        self, texts: Iterable[str], *, include_all: bool = False, batch_size: int = 64
    ) -> Iterator[Report]:
        """Stream reports, one per text, in order, through nlp.pipe."""

        def chunks() -> Iterator[tuple[str, tuple[int, Chunk, Normalised, bool]]]:
            for idx, text in enumerate(texts):
                if not isinstance(text, str):
                    raise TypeError(f"text #{idx} is {type(text).__name__}, not str")
                pieces = split_chunks(text)
                if not pieces:
                    yield "", (idx, Chunk(0, ""), normalise(""), True)
                for n, chunk in enumerate(pieces):
                    norm = normalise(chunk.text)
                    yield norm.text, (idx, chunk, norm, n == len(pieces) - 1)

        current: list[Finding] = []
        sentences = 0
        original_parts: list[str] = []
        for doc, (idx, chunk, norm, last) in self.nlp.pipe(chunks(), as_tuples=True, batch_size=batch_size):
            original_parts.append(chunk.text)
            text = norm.text  # doc.text would rebuild the string from tokens
            sentences += sum(1 for s in doc.sents if text[s.start_char : s.end_char].strip())
            current.extend(self._findings(doc, chunk, norm))
            if last:
                original = "".join(original_parts)
                _add_utf16(current, original)
                visible = current if include_all else [f for f in current if f.warning]
                yield build_report(visible, self.pack.info, sentences, include_all, __version__)
                current, sentences, original_parts = [], 0, []

    def candidates(self, text: str) -> list[tuple[str, Assertion, str]]:
        """Every rule match before same-category overlaps are merged, as
        (rule_id, assertion, matched text): for rule authors and tests."""
        doc = self.nlp(normalise(text).text)
        return [
            (c.raw.rule.id, c.assertion, doc.text[c.n_start : c.n_end])
            for c in self._candidates(doc)
        ]

    # -- stages -------------------------------------------------------------
    def _findings(self, doc: Doc, chunk: Chunk, norm: Normalised) -> list[Finding]:
        candidates = self._candidates(doc)
        return [self._to_finding(c, chunk, norm) for c in _best_per_category(candidates)]

    def _candidates(self, doc: Doc) -> list[_Candidate]:
        raw = longest_per_rule(self.compiled.find(doc))
        if not raw:
            return []
        hits_cache: dict[int, AuxHits] = {}
        doc_keys: set[tuple[str, str]] | None = None
        candidates: list[_Candidate] = []
        sents = {m.start: doc[m.start].sent for m in raw}
        rules_in: dict[int, set[str]] = {}
        for m in raw:
            rules_in.setdefault(sents[m.start].start, set()).add(m.rule.id)
        for m in raw:
            sent = sents[m.start]
            hits = hits_cache.get(sent.start)
            if hits is None:
                hits = hits_cache[sent.start] = self.compiled.aux_hits(sent, rules_in[sent.start])
            rule = m.rule
            if hits.get("sentence_exception", rule.id):
                continue
            if any(s < m.end and m.start < e for s, e in hits.get("exception", rule.id)):
                continue
            if rule.context.requires:
                found = bool(hits.get("requires", rule.id))
                if not found and rule.context.requires_scope == "document":
                    if doc_keys is None:
                        scoped = {r.rule.id for r in raw if r.rule.context.requires_scope == "document"}
                        doc_keys = set(self.compiled.aux_hits(doc[:], scoped, cues=False).spans)
                    found = ("requires", rule.id) in doc_keys
                if not found:
                    continue
            result = self.classifier.classify(
                sent, m.start, m.end, hits, frozenset(rule.assertion_ignore),
                rule.claim_includes_negation,
            )
            confidence = rule.confidence
            adjustments: list[str] = []
            context: list[str] = []
            if result.status == Assertion.hedged:
                confidence *= HEDGE_FACTOR
                adjustments.append(f"hedged x{HEDGE_FACTOR}")
            for s, e in hits.get("boost", rule.id)[:2]:
                confidence = min(1.0, confidence + BOOST_STEP)
                context.append(doc[s:e].text)
                adjustments.append(f"+{BOOST_STEP} context '{doc[s:e].text}'")
            for s, e in hits.get("lower", rule.id):
                confidence -= LOWER_STEP
                context.append(doc[s:e].text)
                adjustments.append(f"-{LOWER_STEP} context '{doc[s:e].text}'")
            confidence = round(max(0.01, min(1.0, confidence)), 3)
            span = doc[m.start : m.end]
            candidates.append(
                _Candidate(
                    m, span.start_char, span.end_char, sent.start_char, sent.end_char,
                    result.status, result.cues, context, adjustments, confidence,
                )
            )
        return candidates

    def _to_finding(self, c: _Candidate, chunk: Chunk, norm: Normalised) -> Finding:
        rule = c.raw.rule
        cat = self.pack.category_of(rule.id)
        meta = self.pack.meta.categories[cat.category]
        start, end = norm.to_original(c.n_start, c.n_end)
        s_start, s_end = norm.to_original(c.sent_start, c.sent_end)
        sentence = chunk.text[s_start:s_end].strip()
        lead = len(chunk.text[s_start:s_end]) - len(chunk.text[s_start:s_end].lstrip())
        s_start += lead
        s_end = s_start + len(sentence)
        warning = c.assertion in WARNING_ASSERTIONS and c.confidence >= MIN_WARNING_CONFIDENCE
        pattern = rule.patterns[c.raw.pattern_index]
        # model_construct: every value here comes from the validated pack or our
        # own code, so pydantic's validation would only cost time per finding.
        return Finding.model_construct(
            category=cat.category,
            rule_id=rule.id,
            severity=rule.severity,
            confidence=c.confidence,
            assertion=c.assertion,
            warning=warning,
            start=chunk.offset + start,
            end=chunk.offset + end,
            start_utf16=0,
            end_utf16=0,
            text=chunk.text[start:end],
            sentence=sentence,
            sentence_start=chunk.offset + s_start,
            sentence_end=chunk.offset + s_end,
            caution=cat.caution,
            caution_title=meta.title,
            message=rule.message,
            explanation=rule.explanation,
            suggestion=rule.suggestion,
            sources=self._sources(rule),
            evidence=Evidence.model_construct(
                pattern=pattern if isinstance(pattern, str) else "raw spaCy pattern",
                assertion_cues=c.cues,
                context=c.context,
                base_confidence=rule.confidence,
                adjustments=c.adjustments,
            ),
            html_start=None,
            html_end=None,
        )

    def _sources(self, rule) -> list[Source]:
        cached = self._source_cache.get(rule.id)
        if cached is None:
            cached = self._source_cache[rule.id] = [
                Source(title=s.title, url=s.url) for s in self.pack.sources_for(rule)
            ]
        return list(cached)


def _best_per_category(cands: list[_Candidate]) -> list[_Candidate]:
    """Overlapping candidates of one category say the same thing once: keep the
    warning over the non-warning, then the most severe, then the longest."""
    def rank(c: _Candidate) -> tuple:
        warn = c.assertion in WARNING_ASSERTIONS
        return (warn, c.raw.rule.severity.rank, c.confidence, c.n_end - c.n_start)

    kept: list[_Candidate] = []
    for c in sorted(cands, key=rank, reverse=True):
        cat = c.raw.rule.id.split(".", 1)[0]
        if any(
            k.raw.rule.id.split(".", 1)[0] == cat and k.n_start < c.n_end and c.n_start < k.n_end
            for k in kept
        ):
            continue
        kept.append(c)
    kept.sort(key=lambda c: (c.n_start, c.n_end))
    return kept


def _add_utf16(findings: list[Finding], original: str) -> None:
    if not findings:
        return
    positions = [p for f in findings for p in (f.start, f.end)]
    mapped = utf16_offsets(original, positions)
    for i, f in enumerate(findings):
        f.start_utf16, f.end_utf16 = mapped[2 * i], mapped[2 * i + 1]


def _default_compiled(nlp) -> tuple[RulePack, CompiledPack]:
    def build() -> tuple[RulePack, CompiledPack, dict]:
        pack = default_pack()
        return pack, CompiledPack(pack, nlp), export_tables()

    pack, compiled, tables = cached(pack_hash(DEFAULT_PACK_DIR), build)
    prime_tables(tables)
    return pack, compiled


@lru_cache(maxsize=1)
def default_checker() -> Checker:
    return Checker()


def check(text: str, *, include_all: bool = False) -> Report:
    """Check one text with the default rule pack."""
    return default_checker().check(text, include_all=include_all)


def check_many(texts: Iterable[str], *, include_all: bool = False) -> Iterator[Report]:
    """Check many texts, streaming through nlp.pipe; yields one report per text."""
    return default_checker().check_many(texts, include_all=include_all)
