"""The learned judge: its features match scikit-learn's, its decision combines with the rules
as checker/findings/decide.py says, and its warnings carry their evidence."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from checker.findings.decide import Decision, decide, flagged
from checker.pipeline import Checker
from checker.judge.classifier import (
    CHAR_NGRAMS, MODEL_DIR, WORD_NGRAMS, Judge, Judgement, Neighbour, _CharTfidf, _Tfidf, char_features, default_judge, word_features,
)

TEXTS = st.text(alphabet=st.sampled_from(list("abcde XYZ.,'-é\n\t0123")), max_size=60)


@given(TEXTS)
@settings(max_examples=300, deadline=None)
def test_char_features_match_scikit_learn_and_words_its_token_pattern(text: str) -> None:
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS).build_analyzer()
    assert char_features(text) == char(text)
    # Without negation cues, the words are scikit-learn's own 1-2-grams.
    if not any(n in text.lower().split() for n in ("no", "not", "nor", "none", "never", "without")) and "n't" not in text:
        word = TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS).build_analyzer()
        assert word_features(text) == word(text)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("It is not FDA approved for MS.", ["it", "is", "not", "not_fda", "not_approved", "not_for", "ms"]),
     ("It isn't approved, and it is safe.", ["it", "is", "not", "not_approved", "and", "it", "is", "safe"]),
     ("No side effects at all", ["no", "not_side", "not_effects", "not_at", "all"])],
)
def test_negation_marks_the_words_in_its_scope(text: str, tokens: list[str]) -> None:
    from checker.judge.classifier import word_tokens

    assert word_tokens(text) == tokens


def test_tfidf_transform_matches_scikit_learn() -> None:
    corpus = ["Our stem cells cure MS.", "Stem cells are not a cure.", "No side effects at all, cure guaranteed!",
              "Talk to your neurologist first.", "The FDA has approved no stem cell product for MS."]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True).fit(corpus)
    plain = _Tfidf(vec.get_feature_names_out().tolist(), vec.idf_, char_features)
    cached = _CharTfidf(vec.get_feature_names_out().tolist(), vec.idf_)
    for text in corpus + ["cure cure cure MS", "nothing known here qq", "Cure  CURE\tcure."]:
        expected = vec.transform([text]).toarray()[0]
        for ours in (plain, cached, cached):  # the cached one twice: from its cache the second time
            cols, vals = ours.transform_one(text)
            dense = np.zeros(len(vec.idf_))
            dense[cols] = vals
            assert np.allclose(dense, expected)


@pytest.mark.parametrize(
    ("rule", "p", "expected"),
    [(0.5, 0.01, Decision.veto_rules), (0.5, 0.5, Decision.keep_rules), (None, 0.95, Decision.judge_flags),
     (None, 0.5, Decision.clean), (0.5, None, Decision.keep_rules), (None, None, Decision.clean),
     # a precise rule takes a surer judge to overrule; an imprecise one gives way sooner
     (0.97, 0.05, Decision.keep_rules), (0.97, 0.001, Decision.veto_rules), (0.3, 0.2, Decision.veto_rules)],
)
def test_decide(rule: float | None, p: float | None, expected: Decision) -> None:
    assert decide(rule, p, veto_below=0.1, flag_at=0.9) is expected
    assert flagged(rule, p, 0.1, 0.9) == (expected in (Decision.keep_rules, Decision.judge_flags))


@pytest.mark.parametrize(("critical", "p", "expected"), [
    (False, 0.35, Decision.veto_rules), (True, 0.35, Decision.keep_rules), (True, 0.1, Decision.veto_rules),
    (False, 0.55, Decision.keep_rules)])
def test_a_critical_rule_takes_a_confident_judge_to_overrule(critical: bool, p: float, expected: Decision) -> None:
    assert decide(0.5, p, veto_below=0.5, flag_at=0.9, rule_weight=0.0, critical=critical, veto_below_critical=0.3) is expected
    # without a critical threshold (an older model) the one threshold applies to all
    assert decide(0.5, p, veto_below=0.5, flag_at=0.9, rule_weight=0.0, critical=critical) is (
        Decision.veto_rules if p < 0.5 else Decision.keep_rules)


def test_combined_evidence_is_symmetric_and_neutral_at_half() -> None:
    from checker.findings.decide import combined

    assert combined(0.3, 0.5) == pytest.approx(0.3) and combined(0.2, 0.7) == pytest.approx(combined(0.7, 0.2))
    assert combined(0.2, 0.9) > 0.5 > combined(0.2, 0.6)


@dataclass
class FakeJudge:
    """A judge whose score is set by the test, to check the wiring, not the model."""

    score: float
    veto_below: float = 0.1
    veto_below_critical: float = 0.1
    flag_at: float = 0.8
    rule_weight: float = 1.0
    name: str = "fake"
    version: str = "0"
    stated: dict | None = None  # confidence("rule"|"judge", score) -> this value

    def p_claims(self, texts: list[str], always: list[bool] | None = None) -> list[float]:
        return [self.score] * len(texts)

    def rule_precision(self, rule_id: str) -> float:
        return 0.5

    def confidence(self, kind: str, score: float) -> float | None:
        return self.stated.get(kind) if self.stated else None

    def judge(self, text: str, p_claim: float | None = None) -> Judgement:
        return Judgement(self.score, self.score, (("C9", 0.9), ("C5", 0.5), ("C1", 0.1)))

    def neighbours(self, text: str, k: int = 3) -> list[Neighbour]:
        return [Neighbour(f"n{i}", f"neighbour {i}", "claim", ("C9",), 0.5 - i / 10) for i in range(k)]


def test_confident_honest_judge_vetoes_a_rule_warning() -> None:
    text = "Our stem cell therapy cures MS in patients at every one of the clinics we run across the country."
    assert Checker(judge=FakeJudge(0.5)).check(text).warnings
    report = Checker(judge=FakeJudge(0.01)).check(text, include_all=True)
    assert report.findings and not report.warnings
    ev = report.findings[0].evidence.judge
    assert ev.decision == "vetoed" and ev.p_claim == 0.01 and ev.rule_precision == 0.5 and len(ev.neighbours) == 3


def test_warnings_state_the_confidence_calibrated_on_cv() -> None:
    text = "Our stem cell therapy cures MS in patients at every one of the clinics we run across the country."
    plain = Checker(judge=FakeJudge(0.5)).check(text).warnings[0]
    [f] = Checker(judge=FakeJudge(0.5, stated={"rule": 0.72})).check(text).warnings
    assert f.confidence == 0.72 and f.evidence.base_confidence == plain.evidence.base_confidence
    assert f.evidence.adjustments[-1] == f"calibrated on cross-validation: {plain.confidence} -> 0.72"
    story = "After her second infusion, Marta walked her daughter to school again."
    [g] = Checker(judge=FakeJudge(0.95, stated={"judge": 0.81})).check(story).warnings
    assert g.confidence == 0.81 and g.evidence.judge.p_claim == 0.95


def test_shipped_judge_calibrates_both_kinds_of_warning() -> None:
    judge = Judge()
    for kind in ("rule", "judge"):
        lo, hi = judge.confidence(kind, 0.0), judge.confidence(kind, 1.0)
        assert lo is not None and 0.0 <= lo <= hi <= 1.0


def test_critical_rule_warnings_stand_unless_the_judge_is_confident() -> None:
    critical = "Our stem cell therapy cures MS in patients at every one of the clinics we run across the country."
    milder = "Our stem cell treatment has a 92% success rate among the patients we treated over the last five years."
    judge = FakeJudge(0.35, veto_below=0.5, veto_below_critical=0.3, rule_weight=0.0)
    [f] = Checker(judge=judge).check(critical).warnings
    assert f.severity.value == "critical" and f.evidence.judge.decision == "confirmed"
    report = Checker(judge=judge).check(milder, include_all=True)
    assert report.findings and all(f.severity.value != "critical" for f in report.findings)
    assert not report.warnings and report.findings[0].evidence.judge.decision == "vetoed"


def test_a_rule_match_that_is_most_of_the_sentence_is_not_vetoed() -> None:
    assert decide(0.5, 0.01, 0.5, 0.9, words=13, words_beyond_match=6) is Decision.keep_rules
    assert decide(0.5, 0.01, 0.5, 0.9, words=13, words_beyond_match=8) is Decision.veto_rules
    text = "Every patient with MS is a candidate, including primary and secondary progressive MS."
    report = Checker(judge=FakeJudge(0.01)).check(text)
    assert [f.category for f in report.warnings] == ["candidacy"]
    assert report.warnings[0].evidence.judge.decision == "confirmed"


def test_short_plain_claims_are_not_vetoed() -> None:
    report = Checker(judge=FakeJudge(0.01)).check("Our stem cell therapy cures MS.")
    assert [f.rule_id for f in report.warnings] == ["cure-claim.cures-disease"]
    assert report.warnings[0].evidence.judge.decision == "confirmed"


def test_judge_flags_a_claim_no_rule_sees() -> None:
    original = "After her second infusion, Marta walked her daughter to school again."
    report = Checker(judge=FakeJudge(0.95)).check(original)
    assert Checker(judge=None).check(original).findings == []
    [f] = report.warnings
    assert f.rule_id == "regeneration-overclaim.judge" and f.category == "regeneration-overclaim"
    assert f.caution == "C9" and f.confidence == 0.95 and f.sources
    assert f.text == original[f.start : f.end] and f.text.endswith("again")
    assert f.evidence.judge.decision == "flagged" and [n.id for n in f.evidence.judge.neighbours] == ["n0", "n1", "n2"]
    assert f.message and f.suggestion and f.explanation


@pytest.mark.parametrize(
    "text",
    ["Does this therapy let patients walk their children to school again?",
     "The regulator said the clinic told families that their children would walk to school again."],
)
def test_judge_hits_still_get_an_assertion(text: str) -> None:
    report = Checker(judge=FakeJudge(0.95)).check(text, include_all=True)
    assert report.findings and not report.warnings
    assert report.findings[0].assertion.value in ("questioned", "attributed")


def test_short_lines_are_left_to_the_rules() -> None:
    assert Checker(judge=FakeJudge(0.99)).check("Home. About us. Contact us").findings == []


@pytest.mark.skipif(default_judge() is None, reason="no judge model built")
def test_shipped_judge_loads_and_scores() -> None:
    judge = default_judge()
    meta = json.loads((MODEL_DIR / "judge.json").read_text(encoding="utf-8"))
    assert judge.version == meta["version"] and 0.0 < judge.veto_below < judge.flag_at < 1.0
    claim = judge.judge("Our stem cells repair damaged nerves, regrow myelin and reverse your MS for good.")
    honest = judge.judge("Talk with your neurologist before you stop or change any medicine.")
    assert 0.0 <= honest.p_claim < claim.p_claim <= 1.0
    assert [c for c, _ in claim.cautions][:1] and len(claim.cautions) == 10
    near = judge.neighbours("stem cells regrow myelin")
    assert len(near) == 3 and near[0].similarity >= near[-1].similarity


@pytest.mark.parametrize("text", ["FAQ: Stem Cell and Multiple Sclerosis Treatment", "Stem cells and MS: what we know"])
def test_headings_are_left_to_the_rules(text: str) -> None:
    assert Checker(judge=FakeJudge(0.99)).check(text).findings == []


def test_long_unpunctuated_prose_is_judged() -> None:
    text = "after her second infusion Marta walked her daughter to school again for the first time"
    assert Checker(judge=FakeJudge(0.99)).check(text).warnings


@pytest.mark.parametrize("text", [
    "Cures MS.",
    "No side effects.",
    "It is FDA approved for MS.",
    "Book now!",
    "Our stem cell therapy repairs damaged nerves and reverses multiple sclerosis for good.",
])
def test_p_claim_small_and_numpy_paths_agree(text: str) -> None:
    # p_claim scores inputs of few features in plain floats, others through numpy; both are
    # the same model, so both must give judge()'s probability.
    from checker.judge import classifier as judge_module

    j = default_judge()
    small = j.p_claim(text)
    saved = judge_module._SMALL_INPUT
    judge_module._SMALL_INPUT = -1  # force numpy
    try:
        big = j.p_claim(text)
    finally:
        judge_module._SMALL_INPUT = saved
    assert abs(small - big) < 1e-12
    assert round(small, 4) == j.judge(text).p_claim
