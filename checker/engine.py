"""Orchestrates one check: normalise -> nlp -> rules -> assertion -> findings -> report."""

from __future__ import annotations

import os
from dataclasses import dataclass
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import Iterable, Iterator

from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH
from spacy.tokens import Doc

from checker import __version__
from checker.assertion.classify import AssertionClassifier, clause_spans
from checker.text.chunking import Chunk, split_chunks
from checker.deadline import enforce
from checker.rules.matching import CompiledPack, RawMatch, longest_per_rule
from checker.findings.decide import Decision, combined, decide
from checker.rules.spans import DisjointSpans
from checker.rules.token_matcher import sentence_spans
from checker.text.leet import Deleeter
from checker.judge.classifier import MIN_JUDGED_WORDS, Judge, default_judge, sentence_shaped
from checker.models import (
    WARNING_ASSERTIONS, Assertion, Evidence, Finding, JudgeEvidence, JudgeInfo, JudgeNeighbour, Report, Severity, Source,
)
from checker.text.nlp import get_nlp
from checker.text.normalise import Normalised, export_tables, normalise, prime_tables
from checker.text.offsets import utf16_offsets
from checker.rules.compile_cache import cached
from checker.rules.loader import DEFAULT_PACK_DIR, RulePack, default_pack, pack_hash
from checker.findings.report import build_report
from checker.findings.score import score
from checker.rules.context import context_met, excepted

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

    def __init__(self, pack: RulePack | None = None, judge: Judge | None | str = "default"):
        """`judge`: "default" for the shipped model (rules alone when none is built), a
        Judge, or None for the rules alone."""
        self.judge = default_judge() if judge == "default" else judge
        self.judge_info = (
            JudgeInfo(name=self.judge.name, version=self.judge.version, hash=getattr(self.judge, "hash", ""))
            if self.judge is not None else None
        )
        self.nlp = get_nlp()
        if pack is None:
            # The default pack, compiled, comes from the disk cache when it can.
            self.pack, self.compiled = _default_compiled(self.nlp)
        else:
            self.pack = pack
            self.compiled = CompiledPack(pack, self.nlp)
        self.classifier = AssertionClassifier(self.pack.cues)
        self.deleet = Deleeter(self.compiled.main.words())
        self._source_cache: dict[str, list[Source]] = {}

    # -- public -------------------------------------------------------------
    def check(self, text: str, *, include_all: bool = False, deadline: float | None = None) -> Report:
        return next(self.check_many([text], include_all=include_all, deadline=deadline))

    def check_many(
        self, texts: Iterable[str], *, include_all: bool = False, batch_size: int = 64,
        deadline: float | None = None,
    ) -> Iterator[Report]:
        """Stream reports, one per text, in order, through nlp.pipe. With a ``deadline``
        (time.monotonic() value), raises deadline.CheckTimeout once it has passed, tested
        before each chunk is normalised and after each chunk is matched."""

        def chunks() -> Iterator[tuple[str, tuple[int, Chunk, Normalised, bool]]]:
            for idx, text in enumerate(texts):
                if not isinstance(text, str):
                    raise TypeError(f"text #{idx} is {type(text).__name__}, not str")
                pieces = split_chunks(text)
                if not pieces:
                    yield "", (idx, Chunk(0, ""), normalise(""), True)
                for n, chunk in enumerate(pieces):
                    enforce(deadline)
                    norm = normalise(chunk.text, self.deleet)
                    yield norm.text, (idx, chunk, norm, n == len(pieces) - 1)

        current: list[Finding] = []
        sentences = 0
        original_parts: list[str] = []
        for doc, (idx, chunk, norm, last) in self.nlp.pipe(chunks(), as_tuples=True, batch_size=batch_size):
            original_parts.append(chunk.text)
            text = norm.text  # doc.text would rebuild the string from tokens
            sentences += sum(1 for s in sentence_spans(doc) if text[s.start_char : s.end_char].strip())
            current.extend(self._findings(doc, chunk, norm))
            enforce(deadline)
            if last:
                original = "".join(original_parts)
                _add_utf16(current, original)
                visible = current if include_all else [f for f in current if f.warning]
                yield build_report(visible, self.pack.info, sentences, include_all, __version__, self.judge_info)
                current, sentences, original_parts = [], 0, []

    def candidates(self, text: str) -> list[tuple[str, Assertion, str]]:
        """Every rule match before same-category overlaps are merged, as
        (rule_id, assertion, matched text): for rule authors and tests."""
        doc = self.nlp(normalise(text, self.deleet).text)
        return [
            (c.raw.rule.id, c.assertion, doc.text[c.n_start : c.n_end])
            for c in self._candidates(doc)
        ]

    def pattern_hits(self, text: str) -> set[tuple[str, int]]:
        """(rule id, pattern index) of every rule match that would warn: which patterns an
        example exercises (the coverage test, `stemcheck explain`)."""
        doc = self.nlp(normalise(text, self.deleet).text)
        return {(c.raw.rule.id, c.raw.pattern_index) for c in self._candidates(doc) if _is_warning(c)}

    # -- stages -------------------------------------------------------------
    def _findings(self, doc: Doc, chunk: Chunk, norm: Normalised) -> list[Finding]:
        best = _best_per_category(self._candidates(doc))
        if self.judge is None:
            return [self._to_finding(c, chunk, norm) for c in best]
        by_sentence: dict[int, list[_Candidate]] = {}
        for c in best:
            by_sentence.setdefault(c.sent_start, []).append(c)
        judge, text = self.judge, norm.text  # the doc's text (doc.text would rebuild it token by token)
        counts = _WordCounts(doc)
        out: list[Finding] = []
        # The sentences the judge reads, scored together (the encoder runs in batches).
        judged = []
        for sent in sentence_spans(doc):
            cands = by_sentence.get(sent.start_char, [])
            words = counts.words(sent.start, sent.end)
            if cands or words >= MIN_JUDGED_WORDS:
                judged.append((sent, cands, words, text[sent.start_char : sent.end_char]))
        scores = judge.p_claims([j[3] for j in judged], [bool(j[1]) for j in judged])
        for (sent, cands, words, stext), p in zip(judged, scores):
            warning_rules = [c.raw.rule.id for c in cands if _is_warning(c)]
            precision = max((judge.rule_precision(r) for r in warning_rules), default=None)
            warned = [c for c in cands if _is_warning(c)]
            critical = any(c.raw.rule.severity is Severity.critical for c in warned)
            beyond = counts.words_outside(sent.start, sent.end, [(c.n_start, c.n_end) for c in warned])
            d = decide(precision, p, judge.veto_below, judge.flag_at, judge.rule_weight, words,
                       critical, judge.veto_below_critical, beyond)
            # The sentence's neighbours, looked up once however many warnings it vetoes.
            near = _neighbours(judge, stext) if d is Decision.veto_rules else []
            for c in cands:
                f = self._to_finding(c, chunk, norm)
                vetoed = d is Decision.veto_rules and f.warning
                f.evidence.judge = JudgeEvidence.model_construct(
                    model=judge.name, version=judge.version, p_claim=round(p, 4),
                    rule_precision=precision, decision="vetoed" if vetoed else "confirmed",
                    cautions={}, neighbours=[],
                )
                if vetoed:
                    f.warning = False
                    f.evidence.judge.neighbours = list(near)
                elif f.warning:
                    _calibrate(f, judge.confidence(
                        "rule", combined(p, judge.rule_precision(f.rule_id), judge.rule_weight)))
                out.append(f)
            # A rule that matched here and found the claim negated, reported, asked or
            # research-framed has read the sentence already: the judge adds nothing then.
            settled = any(c.assertion not in WARNING_ASSERTIONS for c in cands)
            if d is Decision.judge_flags and not settled and sentence_shaped(stext, words):
                out.append(self._judge_finding(sent, stext, p, chunk, norm))
        return out

    def _judge_finding(self, sent, stext: str, p: float, chunk: Chunk, norm: Normalised) -> Finding:
        """A warning the judge raised where no rule fired: the clause it finds most
        claim-like is the span; the assertion classifier still applies."""
        judge, doc = self.judge, sent.doc
        span = (sent.start, sent.end)
        clauses = [c for c in clause_spans(sent, self.classifier) if c[1] - c[0] >= MIN_JUDGED_WORDS]
        if len(clauses) > 1:
            ps = judge.p_claims([doc[a:b].text for a, b in clauses], [True] * len(clauses))
            top, where = max(zip(ps, clauses))
            if top >= judge.flag_at:
                span = where
        while span[1] > span[0] + 1 and (doc[span[1] - 1].is_punct or doc[span[1] - 1].is_space):
            span = (span[0], span[1] - 1)
        hits = self.compiled.aux_hits(sent, [])
        # The span's last word anchors the assertion: cues before it in the sentence
        # (a reporting verb, a negation, research framing) then scope over the claim.
        anchor = max(span[0], span[1] - 1)
        result = self.classifier.classify(sent, anchor, span[1], hits, negation_is_claim=True)
        judgement = judge.judge(stext, p)
        category = self.pack.category_for_caution(judgement.caution)
        meta = self.pack.meta.categories[category]
        words = meta.judge
        n_start, n_end = doc[span[0]].idx, doc[span[1] - 1].idx + len(doc[span[1] - 1].text)
        evidence = Evidence.model_construct(
            pattern="judge", assertion_cues=result.cues, context=[], base_confidence=round(p, 4), adjustments=[],
            judge=JudgeEvidence.model_construct(
                model=judge.name, version=judge.version, p_claim=round(p, 4), rule_precision=None, decision="flagged",
                cautions=dict(judgement.cautions[:3]), neighbours=_neighbours(judge, stext),
            ),
        )
        stated = judge.confidence("judge", p)
        if stated is not None:
            evidence.adjustments = [f"calibrated on cross-validation: p(claim) {p:.3f} -> {stated}"]
        return self._finding(
            chunk, norm, n_start, n_end, sent.start_char, sent.end_char,
            category=category, rule_id=f"{category}.judge", severity=Severity(words.severity),
            confidence=round(p, 3) if stated is None else stated, assertion=result.status,
            warning=result.status in WARNING_ASSERTIONS, caution=meta.caution, caution_title=meta.title,
            message=words.message, explanation=words.explanation, suggestion=words.suggestion,
            sources=self._sources_of(f"{category}.judge", words.sources), evidence=evidence,
        )

    def _candidates(self, doc: Doc) -> list[_Candidate]:
        raw = longest_per_rule(self.compiled.find(doc))
        if not raw:
            return []
        doc_keys: set[tuple[str, str]] | None = None
        candidates: list[_Candidate] = []
        # Token.sent walks the tokens to the sentence's edges on every call; the sentence
        # list and a bisect keep this linear however many sentences the doc has.
        spans = sentence_spans(doc)
        starts = [sp.start for sp in spans]
        sents = {m.start: spans[bisect_right(starts, m.start) - 1] for m in raw}
        rules_in: dict[tuple[int, int], set[str]] = {}
        for m in raw:
            sent = sents[m.start]
            rules_in.setdefault((sent.start, sent.end), set()).add(m.rule.id)
        hits_in = self.compiled.aux_hits_in(doc, rules_in)

        def in_document(rule_id: str) -> bool:
            # Document-wide required context, searched once per doc and only when needed.
            nonlocal doc_keys
            if doc_keys is None:
                scoped = {r.rule.id for r in raw if r.rule.context.requires_scope == "document"}
                doc_keys = set(self.compiled.aux_hits(doc[:], scoped, cues=False).spans)
            return ("requires", rule_id) in doc_keys

        for m in raw:
            sent = sents[m.start]
            hits = hits_in[(sent.start, sent.end)]
            rule = m.rule
            if excepted(m, hits) or not context_met(m, hits, in_document):
                continue
            result = self.classifier.classify(
                sent, m.start, m.end, hits, frozenset(rule.assertion_ignore),
                rule.claim_includes_negation,
            )
            confidence, context, adjustments = score(rule, result.status, hits, doc)
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
        name, pattern = list(rule.named_patterns.items())[c.raw.pattern_index]
        return self._finding(
            chunk, norm, c.n_start, c.n_end, c.sent_start, c.sent_end,
            category=cat.category, rule_id=rule.id, severity=rule.severity, confidence=c.confidence,
            assertion=c.assertion, warning=_is_warning(c), caution=cat.caution, caution_title=meta.title,
            message=rule.message, explanation=rule.explanation, suggestion=rule.suggestion,
            sources=self._sources_of(rule.id, rule.sources),
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

    def _finding(
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

    def _sources_of(self, key: str, source_keys: list[str]) -> list[Source]:
        cached = self._source_cache.get(key)
        if cached is None:
            cached = self._source_cache[key] = [
                Source(title=s.title, url=s.url) for s in (self.pack.meta.sources[k] for k in source_keys)
            ]
        return list(cached)


class _WordCounts:
    """Words (tokens neither punctuation nor space) of a doc, counted from arrays read once
    in C, so that no Token object is made per token of every sentence."""

    def __init__(self, doc: Doc) -> None:
        if len(doc):
            cols = doc.to_array([IS_PUNCT, IS_SPACE, IDX, LENGTH])
            self.is_word = ((cols[:, 0] == 0) & (cols[:, 1] == 0)).tolist()
            self.start = cols[:, 2].tolist()
            self.end = (cols[:, 2] + cols[:, 3]).tolist()
        else:
            self.is_word, self.start, self.end = [], [], []
        self.prefix = list(accumulate(self.is_word, initial=0))

    def words(self, a: int, b: int) -> int:
        """Words among tokens [a, b)."""
        return self.prefix[b] - self.prefix[a]

    def words_outside(self, a: int, b: int, spans: list[tuple[int, int]]) -> int:
        """Words among tokens [a, b) overlapping none of the character spans."""
        if not spans:
            return self.words(a, b)
        is_word, start, end = self.is_word, self.start, self.end
        return sum(
            1 for i in range(a, b)
            if is_word[i] and not any(s < end[i] and start[i] < e for s, e in spans)
        )


def _is_warning(c: _Candidate) -> bool:
    return c.assertion in WARNING_ASSERTIONS and c.confidence >= MIN_WARNING_CONFIDENCE


def _calibrate(f: Finding, stated: float | None) -> None:
    """Give a kept rule warning the confidence measured for its score on grouped CV (the
    rule pack's own figure and its adjustments stay in the evidence)."""
    if stated is None:
        return
    f.evidence.adjustments = [*f.evidence.adjustments, f"calibrated on cross-validation: {f.confidence} -> {stated}"]
    f.confidence = stated


def _neighbours(judge: Judge, text: str) -> list[JudgeNeighbour]:
    return [
        JudgeNeighbour.model_construct(id=n.id, text=n.text, label=n.label, cautions=list(n.cautions), similarity=n.similarity)
        for n in judge.neighbours(text)
    ]


def _best_per_category(cands: list[_Candidate]) -> list[_Candidate]:
    """Overlapping candidates of one category say the same thing once: keep the
    warning over the non-warning, then the most severe, then the longest."""
    def rank(c: _Candidate) -> tuple:
        warn = c.assertion in WARNING_ASSERTIONS
        return (warn, c.raw.rule.severity.rank, c.confidence, c.n_end - c.n_start)

    kept: list[_Candidate] = []
    taken: dict[str, DisjointSpans] = {}
    for c in sorted(cands, key=rank, reverse=True):
        spans = taken.setdefault(c.raw.rule.id.split(".", 1)[0], DisjointSpans())
        if spans.overlaps(c.n_start, c.n_end):
            continue
        spans.add(c.n_start, c.n_end)
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
    """The rules and the shipped judge (rules alone if STEMCHECK_JUDGE=off)."""
    if os.environ.get("STEMCHECK_JUDGE", "on").strip().lower() in ("off", "0", "false", "no"):
        return rules_checker()
    return Checker()


@lru_cache(maxsize=1)
def rules_checker() -> Checker:
    """The rules alone, without the learned judge."""
    return Checker(judge=None)


def check(text: str, *, include_all: bool = False) -> Report:
    """Check one text with the default rule pack."""
    return default_checker().check(text, include_all=include_all)


def check_many(texts: Iterable[str], *, include_all: bool = False) -> Iterator[Report]:
    """Check many texts, streaming through nlp.pipe; yields one report per text."""
    return default_checker().check_many(texts, include_all=include_all)
