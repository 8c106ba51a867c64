"""The checker core end to end: offsets, evasion, reports, honest text, limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import __version__, check, check_many
from checker.rules.loader import default_pack

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
CLAIMS = [
    "Our stem cell therapy cures multiple sclerosis.",
    "It is FDA-approved.",
    "The procedure has no side effects.",
    "Every patient with MS is a candidate.",
    "You can stop your MS medication after the stem cell infusion.",
]


def assert_offsets(text: str, report) -> None:
    utf16 = text.encode("utf-16-le")
    for f in report.findings:
        assert f.text == text[f.start : f.end]
        assert utf16[2 * f.start_utf16 : 2 * f.end_utf16].decode("utf-16-le") == f.text
        assert text[f.sentence_start : f.sentence_end] == f.sentence
        assert f.sentence_start <= f.start and f.end <= f.sentence_end


def test_report_carries_versions_and_hash() -> None:
    report = check(CLAIMS[0])
    pack = default_pack()
    assert report.checker_version == __version__
    assert report.rule_pack.version == pack.info.version
    assert len(report.rule_pack.hash) == 64
    f = report.findings[0]
    assert f.category == "cure-claim" and f.severity.value == "critical" and f.caution == "C1"
    assert f.message and f.explanation and f.suggestion and f.sources
    assert all(s.url.startswith("https://") for s in f.sources)
    assert report.summary.verdict == "seriously misleading"
    assert report.summary.by_category == {"cure-claim": 1}


def test_empty_text_gives_empty_report() -> None:
    for text in ("", "   \n\n  "):
        report = check(text)
        assert report.findings == [] and report.summary.verdict == "clean"


def test_non_str_is_refused() -> None:
    with pytest.raises(TypeError):
        check(b"bytes")  # type: ignore[arg-type]


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="shared/reference not present")
def test_reference_article_has_no_warnings() -> None:
    for path in REFERENCE.glob("*.txt"):
        report = check(path.read_text(encoding="utf-8"))
        assert report.findings == [], [(f.rule_id, f.sentence) for f in report.findings]


def test_honest_example_page_is_clean() -> None:
    text = (Path(__file__).resolve().parents[1] / "examples" / "honest-page.txt").read_text(encoding="utf-8")
    assert check(text).findings == []


def test_clinic_example_covers_every_category() -> None:
    text = (Path(__file__).resolve().parents[1] / "examples" / "clinic-page.txt").read_text(encoding="utf-8")
    report = check(text)
    assert set(report.summary.by_category) == set(default_pack().categories)
    assert_offsets(text, report)


def test_check_many_streams_in_order() -> None:
    texts = ["Nothing to see here.", CLAIMS[0], "", CLAIMS[2]]
    reports = list(check_many(iter(texts)))
    assert [r.summary.warnings for r in reports] == [0, 1, 0, 1]


@pytest.mark.parametrize(
    "evasive",
    [
        "Our stem cells c u r e MS.",
        "Our stem cells cu\u200bre MS.",  # zero-width space
        "Our stem cells \u0441ur\u0435 MS.",  # Cyrillic es and ie
        "Our stem cells \uff43\uff55\uff52\uff45 MS.",  # fullwidth
        "Our stem cells cu\u00adre MS.",  # soft hyphen
        "Our stem cells \u202ecure\u202c MS.",  # bidi controls
        "It is F.D.A. approved for MS.",
    ],
)
def test_evasion_is_caught_and_offsets_point_into_original(evasive: str) -> None:
    report = check(evasive)
    assert report.findings, evasive
    assert_offsets(evasive, report)


def test_long_text_is_chunked_without_losing_offsets() -> None:
    filler = "Patients with MS often feel tired. " * 4000  # ~140 KB, more than one chunk
    text = filler + "\n\n" + CLAIMS[0] + "\n\n" + filler + "🙂 " + CLAIMS[2]
    report = check(text)
    assert {f.category for f in report.findings} == {"cure-claim", "risk-denial"}
    assert_offsets(text, report)


_noise = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["\u200b", "\u200d", "\u00ad", "\u202e", "\ufeff", "🙂", "👩", "⚕", "\ufe0f", "𝔘", "é", "\u0301", "ﬁ", "\n", " ", "."]),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=_noise, after=_noise, claim=st.sampled_from(CLAIMS))
def test_offsets_hold_for_random_unicode(before: str, after: str, claim: str) -> None:
    text = before + " " + claim + " " + after
    report = check(text, include_all=True)
    assert_offsets(text, report)


@pytest.mark.parametrize(
    "honest",
    [
        "Complications from badly performed stem cell procedures include infections and tumours.",
        "Careful research is exploring the potential of stem cells for slowing MS and for repairing nerve damage.",
        "For many people with MS, the hope of a cure is a powerful pull.",
        "There are no approved stem cell therapies for MS at present.",
        "These clinics say they have treated thousands of people, but none has shown its treatments work.",
        "Stem cells do not - and cannot - cure MS.",
    ],
)
def test_patient_society_style_sentences_are_not_flagged(honest: str) -> None:
    assert check(honest).findings == [], [(f.rule_id, f.text) for f in check(honest).findings]
