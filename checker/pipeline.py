"""The pipeline: wires the stages, in order, for one text or a stream of them.

  text -> checker/text (chunks, normalise, tokens and sentences)
       -> checker/rules (matches, exceptions, required context)
       -> checker/assertion (status of each match)
       -> checker/findings (score, one per category, the judge's decision, findings)
       -> report (checker/findings/report.py)

Each stage's work is in its own package; this module only calls them.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from functools import lru_cache
from typing import Iterable, Iterator

from spacy.tokens import Doc

from checker import __version__
from checker.assertion.classify import AssertionClassifier
from checker.deadline import enforce
from checker.findings.build import FindingBuilder
from checker.findings.candidates import Candidate, best_per_category, is_warning
from checker.findings.judged import JudgedFindings
from checker.findings.report import build_report
from checker.findings.score import score
from checker.judge.classifier import Judge, default_judge
from checker.models import Assertion, Finding, JudgeInfo, Report
from checker.rules.compile_cache import cached
from checker.rules.context import context_met, excepted
from checker.rules.loader import DEFAULT_PACK_DIR, RulePack, default_pack, pack_hash
from checker.rules.matching import CompiledPack, longest_per_rule
from checker.rules.token_matcher import sentence_spans
from checker.text.chunking import Chunk, split_chunks
from checker.text.leet import Deleeter
from checker.text.nlp import get_nlp
from checker.text.normalise import Normalised, export_tables, normalise, prime_tables
from checker.text.offsets import utf16_offsets


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
        self.builder = FindingBuilder(self.pack)
        self.judged = (
            JudgedFindings(self.judge, self.builder, self.classifier, self.compiled) if self.judge is not None else None
        )

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
        return {(c.raw.rule.id, c.raw.pattern_index) for c in self._candidates(doc) if is_warning(c)}

    # -- stages -------------------------------------------------------------
    def _findings(self, doc: Doc, chunk: Chunk, norm: Normalised) -> list[Finding]:
        best = best_per_category(self._candidates(doc))
        if self.judged is None:
            return [self.builder.rule_finding(c, chunk, norm) for c in best]
        return self.judged.findings(doc, chunk, norm, best)

    def _candidates(self, doc: Doc) -> list[Candidate]:
        raw = longest_per_rule(self.compiled.find(doc))
        if not raw:
            return []
        doc_keys: set[tuple[str, str]] | None = None
        candidates: list[Candidate] = []
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
                Candidate(
                    m, span.start_char, span.end_char, sent.start_char, sent.end_char,
                    result.status, result.cues, context, adjustments, confidence,
                )
            )
        return candidates


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
