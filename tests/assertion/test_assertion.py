"""Assertion status: negation scope, hedges, questions, attribution, conditionals,
research framing, pseudo-negation, and negation that is itself the claim."""

from __future__ import annotations

import pytest

from checker import Assertion
from checker.assertion.classify import AssertionClassifier
from checker.pipeline import Checker, rules_checker

check = rules_checker().check  # the assertion classifier as the rules use it


def statuses(text: str, category: str) -> list[Assertion]:
    return [f.assertion for f in check(text, include_all=True).findings if f.category == category]


def warned(text: str, category: str) -> bool:
    return any(f.category == category for f in check(text).findings)


@pytest.mark.parametrize(
    ("text", "category", "expected"),
    [
        ("Our stem cells cure MS.", "cure-claim", Assertion.asserted),
        ("Stem cells are not a cure for MS.", "cure-claim", Assertion.negated),
        ("HSCT does not cure MS.", "cure-claim", Assertion.negated),
        ("No stem cell product has been approved by the FDA for MS.", "fda-approval", Assertion.negated),
        ("A complete cure for MS is not possible.", "cure-claim", Assertion.negated),
        ("Our infusions may reverse MS.", "cure-claim", Assertion.hedged),
        ("These cells can help repair nerves.", "regeneration-overclaim", Assertion.hedged),
        ("Is stem cell therapy a cure for MS?", "cure-claim", Assertion.questioned),
        ("If it worked, it would cure MS.", "cure-claim", Assertion.conditional),
        ("Should it succeed, scientists think it could eventually lead to a cure for MS.", "cure-claim", Assertion.investigational),
        ("If the approach succeeds, it could become a cure for MS.", "cure-claim", Assertion.conditional),
        ("Whether stem cells can repair myelin is being studied in trials.", "regeneration-overclaim", Assertion.investigational),
        ("Early research suggests stem cells might one day regrow myelin.", "regeneration-overclaim", Assertion.investigational),
        ("The FDA warns that clinics falsely claim their cells cure MS.", "cure-claim", Assertion.attributed),
        ("The attorney general said the clinic promoted stem cells as a cure for MS.", "cure-claim", Assertion.attributed),
        ("Be wary of clinics that say their stem cells cure MS.", "cure-claim", Assertion.attributed),
        # Weak negation after the verb.
        ("Nerve cells regenerate very poorly after an injury.", "regeneration-overclaim", Assertion.negated),
        ("After an injury, nerve cells regenerate little or not at all.", "regeneration-overclaim", Assertion.negated),
        ("Nobody has shown that these stem cells, once infused, dependably turn into nerve cells.",
         "regeneration-overclaim", Assertion.negated),
        ("None of these cell types has given regulators solid evidence that it can improve autism.",
         "proven-efficacy", Assertion.negated),
        ("Results with stem cells in spinal cord injury have been mixed as far as regaining function goes.",
         "regeneration-overclaim", Assertion.negated),
        # Research framing.
        ("Cell therapy is one approach being explored to repair damaged nerve tissue.",
         "regeneration-overclaim", Assertion.investigational),
        ("Putting human glial cells into mice with damaged myelin drove widespread repair.",
         "regeneration-overclaim", Assertion.investigational),
        ("Larger trials must still confirm that the treatment works.", "proven-efficacy", Assertion.investigational),
        ("The ideal MS therapy would also regenerate tissue in the brain.", "regeneration-overclaim",
         Assertion.investigational),
        ("With such small samples, it is too soon to conclude that stem cell therapy helps people with autism.",
         "proven-efficacy",
         Assertion.investigational),
        ("This study will assess how safe and effective cord cells are in hereditary ataxia.", "proven-efficacy",
         Assertion.investigational),
        ("The review called for bigger trials to prove these therapies work in Parkinson's.", "proven-efficacy",
         Assertion.investigational),
        ("Any stem cell therapy must pass clinical trials showing it is safe and effective.", "proven-efficacy",
         Assertion.investigational),
        ("She had hoped the transplant would reverse her MS.", "cure-claim", Assertion.investigational),
        ("Early human trials report that these cell transplants can regenerate lung tissue.",
         "regeneration-overclaim", Assertion.investigational),
        ("Researchers see stem cells as a tool for repairing damaged tissue.", "regeneration-overclaim",
         Assertion.investigational),
        ("The trials include tests of whether stem cells can repair the damage MS does.", "regeneration-overclaim",
         Assertion.investigational),
        ("Getting stem cells to regenerate tissue in a lab dish is one thing; in a patient it is another.",
         "regeneration-overclaim", Assertion.investigational),
        ("Several outcomes got significantly better in the group treated with stem cells through the spinal fluid.",
         "proven-efficacy", Assertion.investigational),
        ("Mesenchymal stem cells have shown a notable capacity to reset immune responses in research.",
         "hsct-msc-conflation", Assertion.investigational),
        ("Two women went abroad for a stem cell treatment they hope will transform their lives.",
         "marketing-red-flag", Assertion.investigational),
        # Somebody else's claim.
        ("The leaflets told me that the saved stem cells could be used to heal him.", "hsct-msc-conflation",
         Assertion.attributed),
        ("The therapy is sold on the premise that it may help neurons regenerate.", "regeneration-overclaim",
         Assertion.attributed),
        ("Parents were given the impression that the stem cell treatment would cure autism.", "cure-claim",
         Assertion.attributed),
        ("Any clinic, in whatever country, that sells such stem cell treatments does so with no scientific proof.",
         "candidacy", Assertion.attributed),
        ("In most videos, patients gushed about how stem cells had restored their sight.", "regeneration-overclaim",
         Assertion.attributed),
        ("She was told that stem cells could grow back the cartilage in her knee.", "regeneration-overclaim",
         Assertion.attributed),
    ],
)
def test_status(text: str, category: str, expected: Assertion) -> None:
    assert expected in statuses(text, category), statuses(text, category)


def test_negation_does_not_cross_but() -> None:
    text = "It is not cheap, but our stem cell therapy cures MS."
    assert statuses(text, "cure-claim") == [Assertion.asserted]


def test_negation_does_not_cross_semicolon() -> None:
    text = "We do not rush anyone; our stem cells cure MS."
    assert statuses(text, "cure-claim") == [Assertion.asserted]


def test_negation_does_not_reach_next_sentence() -> None:
    text = "We are not a hospital. Our stem cells cure MS."
    assert statuses(text, "cure-claim") == [Assertion.asserted]


def test_pseudo_negation_not_only() -> None:
    assert warned("Our therapy not only cures MS but also restores energy.", "cure-claim")


def test_pseudo_negation_no_longer_need_medication() -> None:
    assert warned("After our stem cell infusion you no longer need medication for MS.", "stop-medication")


@pytest.mark.parametrize(
    "text",
    [
        "Our stem cell treatment has no side effects.",
        "The procedure is risk-free because it uses your own cells.",
        "Stem cells from your own body are never rejected.",
    ],
)
def test_negation_that_is_the_claim_fires(text: str) -> None:
    assert warned(text, "risk-denial")


def test_denying_the_denial_is_honest() -> None:
    # The seminar's promises are reported, not made.
    text = "The seminar promised that there were no side effects and that rejection could not happen."
    assert not warned(text, "risk-denial")


def test_hedged_warning_has_lower_confidence() -> None:
    plain = [f for f in check("Our cells repair damaged nerves.").findings if f.category == "regeneration-overclaim"]
    hedged = [f for f in check("Our cells may repair damaged nerves.").findings if f.category == "regeneration-overclaim"]
    assert plain and hedged
    assert hedged[0].assertion == Assertion.hedged
    assert hedged[0].confidence < plain[0].confidence


def test_non_warnings_hidden_unless_asked() -> None:
    text = "Stem cells are not a cure for MS."
    assert check(text).findings == []
    assert check(text, include_all=True).findings


def test_first_person_promise_is_not_attribution() -> None:
    assert warned("We promise that our stem cells cure MS.", "cure-claim")


def test_patient_testimonial_is_not_attribution() -> None:
    text = '"After two infusions I walk unaided," says Maria.'
    assert warned(text, "regeneration-overclaim")


def test_rhetorical_urgency_question_still_warns() -> None:
    assert warned("What are you waiting for?", "marketing-red-flag")


def test_object_negation_does_not_reach_the_claim() -> None:
    # "had no hope" negates the hope, not the recovery claimed afterwards.
    assert warned("Patients who once had no hope are now walking again thanks to our stem cell protocol.", "regeneration-overclaim")


def test_spaced_dash_ends_the_clause() -> None:
    assert warned("Money is no object - our stem cells cure MS.", "cure-claim")
    assert not warned("Stem cells do not - and cannot - cure MS.", "cure-claim")


@pytest.mark.parametrize(
    "text",
    [
        "The authors conclude that fat-derived stem cell therapy is safe and effective.",
        "In a phase II trial, walking improved significantly more with MSCs than with placebo.",
        "This meta-analysis set out to evaluate how safe and effective autologous MSCs are for MS.",
        "In laboratory mice, nerve tissue regenerated faster when stem cells were given.",
        "In the dogs, the injected cells helped the damaged myelin grow back.",
        "In those rats, the transplanted cells repaired part of the injured spinal cord.",
        "In this pilot study, 15 of the 20 participants (75%) had improved after thirty days.",
    ],
)
def test_trial_reports_are_investigational(text: str) -> None:
    report = check(text, include_all=True)
    assert not report.warnings, [(f.rule_id, f.text) for f in report.warnings]


@pytest.mark.parametrize(
    "text",
    [
        "Our stem cell treatment is safe and effective for MS.",
        "Nine out of ten of our patients improved after one infusion.",
        "Our cells regenerate damaged nerves.",
    ],
)
def test_sales_copy_without_trial_words_still_warns(text: str) -> None:
    assert check(text).warnings


@pytest.mark.parametrize(
    "text",
    [
        "The cells are infused in the hope that they will help the brain repair damaged neurons.",
        "Today's MS drugs reduce inflammation but do little to repair the damaged nervous system.",
        "In ALS, motor neurons are destroyed beyond repair.",
        "She travelled abroad hoping to reverse her paralysis.",
    ],
)
def test_hope_and_weak_negation_are_not_claims(text: str) -> None:
    assert not check(text).warnings, [(f.rule_id, f.text) for f in check(text).warnings]


@pytest.mark.parametrize(
    "text",
    ["Our cells repair the damaged nervous system.", "Our infusions reverse paralysis in weeks."],
)
def test_the_same_claims_asserted_still_warn(text: str) -> None:
    assert check(text).warnings


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # The cues above stay narrow: the clinic's own voice is still a claim.
        ("Our stem cells regenerate nerves, and the results are anything but mixed.", "regeneration-overclaim"),
        ("We have treated patients in our lab-certified clinic and our cells regrow myelin.", "regeneration-overclaim"),
        ("Our stem cells cure MS, and we have told that to every patient.", "cure-claim"),
        ("The ideal patient sees our cells regenerate damaged nerves within weeks.", "regeneration-overclaim"),
    ],
)
def test_new_cues_leave_own_claims_asserted(text: str, category: str) -> None:
    assert Assertion.asserted in statuses(text, category), statuses(text, category)


# Reach and precedence are data (assertion.yaml's `scope` and `precedence`): changing the
# data changes the status, with no code change.
def _with_cues(**update) -> Checker:
    checker = Checker(judge=None)
    checker.classifier = AssertionClassifier(checker.pack.cues.model_copy(update=update))
    return checker


def _status(checker: Checker, text: str) -> Assertion:
    (finding,) = [f for f in checker.check(text, include_all=True).findings if f.category == "cure-claim"]
    return finding.assertion


def test_a_cue_kinds_reach_comes_from_the_pack() -> None:
    text = "Our stem cells may well cure MS."  # "may" stands one token before the claim
    assert _status(_with_cues(), text) is Assertion.hedged
    scope = dict(rules_checker().pack.cues.scope)
    scope["hedge"] = scope["hedge"].model_copy(update={"max_tokens": 0})
    assert _status(_with_cues(scope=scope), text) is Assertion.asserted


def test_precedence_between_statuses_comes_from_the_pack() -> None:
    text = "Critics say our stem cells do not cure MS."  # a report and a denial
    default = rules_checker().pack.cues.precedence
    assert default.index(Assertion.negated) < default.index(Assertion.attributed)
    assert _status(_with_cues(), text) is Assertion.negated
    swapped = [Assertion.attributed, Assertion.negated, *[s for s in default if s not in (Assertion.attributed, Assertion.negated)]]
    assert _status(_with_cues(precedence=swapped), text) is Assertion.attributed
