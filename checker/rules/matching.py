"""Compile the rule pack into token matchers (checker/rules/token_matcher.py) and
find candidate claims.

Two matchers: the main one holds every rule pattern and runs over whole
documents; the auxiliary one (exceptions, context words, assertion cues) runs
only over the few sentences where the main one found something.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from checker.rules.loader import RulePack
from checker.rules.schema import CUE_KINDS, Rule
from checker.rules.spans import DisjointSpans
from checker.rules.token_matcher import TokenMatcher

# Keys of the auxiliary matcher: "<kind>\t<owner>" where owner is a rule id or
# "cue" for the pack-wide assertion cues.
AUX_KINDS_RULE = ("exception", "sentence_exception", "requires", "boost", "lower")
AUX_KINDS_CUE = CUE_KINDS


@dataclass(frozen=True)
class RawMatch:
    rule: Rule
    pattern_index: int
    start: int  # token index in the doc
    end: int


@dataclass
class AuxHits:
    """Auxiliary matches inside one sentence, as (kind, owner) -> token spans."""

    spans: dict[tuple[str, str], list[tuple[int, int]]]

    def get(self, kind: str, owner: str = "cue") -> list[tuple[int, int]]:
        return self.spans.get((kind, owner), [])


class CompiledPack:
    def __init__(self, pack: RulePack, nlp: Language):
        self.pack = pack
        compile_all = pack.compiler.compile_all
        self.main = TokenMatcher()
        self.aux = TokenMatcher()
        self._rules: dict[str, tuple[Rule, int]] = {}
        for rule in pack.rules:
            for i, pattern in enumerate(rule.patterns):
                key = f"{rule.id}#{i}"
                self.main.add(key, compile_all([pattern]))
                self._rules[key] = (rule, i)
            groups = {
                "exception": rule.exceptions,
                "sentence_exception": rule.sentence_exceptions,
                "requires": rule.context.requires,
                "boost": rule.context.boost,
                "lower": rule.context.lower,
            }
            for kind, patterns in groups.items():
                if patterns:
                    self.aux.add(f"{kind}\t{rule.id}", compile_all(patterns))
        cues = pack.cues
        self._cue_keys = frozenset(f"{kind}\tcue" for kind in AUX_KINDS_CUE)
        for kind in AUX_KINDS_CUE:
            token_patterns = compile_all(getattr(cues, kind))
            if token_patterns:
                self.aux.add(f"{kind}\tcue", token_patterns)

    def find(self, doc: Doc) -> list[RawMatch]:
        out = []
        for key, start, end in self.main(doc):
            rule, idx = self._rules[key]
            out.append(RawMatch(rule, idx, start, end))
        return out

    def aux_hits(self, doclike: Doc | Span, rule_ids: Iterable[str] | None = None, *, cues: bool = True) -> AuxHits:
        """Cue matches (unless cues=False), and the exception/context matches
        of the given rules (all rules when None), in a sentence or document."""
        only = None if rule_ids is None else self._aux_keys(rule_ids, cues)
        return _aux_hits(self.aux(doclike, only))

    def aux_hits_in(self, doc: Doc, rules_by_sentence: dict[tuple[int, int], Iterable[str]]) -> dict[tuple[int, int], AuxHits]:
        """aux_hits(sentence, rule_ids) for each sentence (a token range of doc) and its rules,
        in one pass over the doc rather than one call a sentence."""
        wanted = {r: self._aux_keys(ids, True) for r, ids in rules_by_sentence.items()}
        return {r: _aux_hits(found) for r, found in self.aux.in_sentences(doc, wanted).items()}

    def _aux_keys(self, rule_ids: Iterable[str], cues: bool) -> frozenset[str]:
        only = {f"{kind}\t{rid}" for rid in rule_ids for kind in AUX_KINDS_RULE}
        return frozenset(only | self._cue_keys) if cues else frozenset(only)


def _aux_hits(found: Iterable[tuple[str, int, int]]) -> AuxHits:
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for key, start, end in found:
        kind, owner = key.split("\t", 1)
        spans.setdefault((kind, owner), []).append((start, end))
    for got in spans.values():
        got.sort()
    return AuxHits(spans)

def longest_per_rule(matches: Iterable[RawMatch]) -> list[RawMatch]:
    """Keep, per rule, the longest of overlapping matches (spaCy returns all)."""
    by_rule: dict[str, list[RawMatch]] = {}
    for m in matches:
        by_rule.setdefault(m.rule.id, []).append(m)
    kept: list[RawMatch] = []
    for group in by_rule.values():
        group.sort(key=lambda m: (-(m.end - m.start), m.start))
        taken = DisjointSpans()
        for m in group:
            if not taken.overlaps(m.start, m.end):
                taken.add(m.start, m.end)
                kept.append(m)
    # Rule id last: where two rules match the same words, which one a later step keeps must
    # not depend on the order the matcher happened to report them in.
    kept.sort(key=lambda m: (m.start, m.end, m.rule.id, m.pattern_index))
    return kept
