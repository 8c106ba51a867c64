"""Rules and judge combined into one decision per sentence (decide.py): a rule warning
stands unless the judge finds the sentence honest; the judge alone warns where it is
confident of a claim no rule saw, with the clause it finds most claim-like as the span.

In: a doc's best candidates and the judge. Out: its findings, each with the judge's
evidence (score, decision, nearest corpus sentences).
"""

from __future__ import annotations

from spacy.tokens import Doc

from checker.assertion.classify import AssertionClassifier, clause_spans
from checker.findings.build import FindingBuilder
from checker.findings.candidates import Candidate, is_warning
from checker.findings.decide import Decision, combined, decide
from checker.judge.classifier import MIN_JUDGED_WORDS, Judge, sentence_shaped
from checker.models import WARNING_ASSERTIONS, Evidence, Finding, JudgeEvidence, JudgeNeighbour, Severity
from checker.rules.matching import CompiledPack
from checker.rules.token_matcher import sentence_spans
from checker.text.chunking import Chunk
from checker.text.normalise import Normalised
from checker.text.words import WordCounts


class JudgedFindings:
    def __init__(self, judge: Judge, builder: FindingBuilder, classifier: AssertionClassifier,
                 compiled: CompiledPack) -> None:
        self.judge = judge
        self.builder = builder
        self.classifier = classifier
        self.compiled = compiled
        self.pack = builder.pack

    def findings(self, doc: Doc, chunk: Chunk, norm: Normalised, best: list[Candidate]) -> list[Finding]:
        by_sentence: dict[int, list[Candidate]] = {}
        for c in best:
            by_sentence.setdefault(c.sent_start, []).append(c)
        judge, text = self.judge, norm.text  # the doc's text (doc.text would rebuild it token by token)
        counts = WordCounts(doc)
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
            warning_rules = [c.raw.rule.id for c in cands if is_warning(c)]
            precision = max((judge.rule_precision(r) for r in warning_rules), default=None)
            warned = [c for c in cands if is_warning(c)]
            critical = any(c.raw.rule.severity is Severity.critical for c in warned)
            beyond = counts.words_outside(sent.start, sent.end, [(c.n_start, c.n_end) for c in warned])
            d = decide(precision, p, judge.veto_below, judge.flag_at, judge.rule_weight, words,
                       critical, judge.veto_below_critical, beyond)
            # The sentence's neighbours, looked up once however many warnings it vetoes.
            near = neighbours(judge, stext) if d is Decision.veto_rules else []
            for c in cands:
                f = self.builder.rule_finding(c, chunk, norm)
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
                cautions=dict(judgement.cautions[:3]), neighbours=neighbours(judge, stext),
            ),
        )
        stated = judge.confidence("judge", p)
        if stated is not None:
            evidence.adjustments = [f"calibrated on cross-validation: p(claim) {p:.3f} -> {stated}"]
        return self.builder.finding(
            chunk, norm, n_start, n_end, sent.start_char, sent.end_char,
            category=category, rule_id=f"{category}.judge", severity=Severity(words.severity),
            confidence=round(p, 3) if stated is None else stated, assertion=result.status,
            warning=result.status in WARNING_ASSERTIONS, caution=meta.caution, caution_title=meta.title,
            message=words.message, explanation=words.explanation, suggestion=words.suggestion,
            sources=self.builder.sources_of(f"{category}.judge", words.sources), evidence=evidence,
        )


def neighbours(judge: Judge, text: str) -> list[JudgeNeighbour]:
    return [
        JudgeNeighbour.model_construct(id=n.id, text=n.text, label=n.label, cautions=list(n.cautions), similarity=n.similarity)
        for n in judge.neighbours(text)
    ]


def _calibrate(f: Finding, stated: float | None) -> None:
    """Give a kept rule warning the confidence measured for its score on grouped CV (the
    rule pack's own figure and its adjustments stay in the evidence)."""
    if stated is None:
        return
    f.evidence.adjustments = [*f.evidence.adjustments, f"calibrated on cross-validation: {f.confidence} -> {stated}"]
    f.confidence = stated
