"""Every rule ships examples that must fire and must not fire (LanguageTool-style);
this runs all of them against the real pipeline."""

from __future__ import annotations

import pytest

from checker.pipeline import rules_checker as default_checker  # rule examples test the rules
from checker.rules.loader import default_pack

PACK = default_pack()
FIRE = [(r.id, case) for r in PACK.rules for case in r.examples.cases]
NOT_FIRE = [(r.id, t) for r in PACK.rules for t in r.examples.not_fire]


def _warnings(text: str):
    return [f for f in default_checker().check(text).findings if f.warning]


@pytest.mark.parametrize(("rule_id", "case"), FIRE, ids=[f"{r}:{i}" for i, (r, _) in enumerate(FIRE)])
def test_example_fires(rule_id: str, case) -> None:
    # The rule itself must match the marked words with the stated assertion, and the
    # report must warn in its category (overlapping matches of one category are merged
    # into the most severe, so the report may name a sibling rule).
    text, marked = case.text, case.text[case.start : case.end]
    category = rule_id.split(".", 1)[0]
    matched = [(a, t) for r, a, t in default_checker().candidates(text) if r == rule_id]
    assert (case.assertion, marked) in matched, (
        f"{rule_id} should flag {marked!r} ({case.assertion.value}) in {text!r}; its matches: {matched}"
    )
    found = _warnings(text)
    assert any(f.category == category for f in found), f"no {category} warning for {text!r}"


def test_examples_mark_a_span() -> None:
    for rule in PACK.rules:
        for case in rule.examples.cases:
            assert 0 <= case.start < case.end <= len(case.text) and "<marker>" not in case.text, rule.id


@pytest.mark.parametrize(("rule_id", "text"), NOT_FIRE, ids=[f"{r}:{i}" for i, (r, _) in enumerate(NOT_FIRE)])
def test_example_does_not_fire(rule_id: str, text: str) -> None:
    found = [f for f in _warnings(text) if f.rule_id == rule_id]
    assert not found, f"{rule_id} must not fire on {text!r}; fired on {[f.text for f in found]}"


def test_every_rule_has_enough_examples() -> None:
    for rule in PACK.rules:
        assert len(rule.examples.fire) >= 5 and len(rule.examples.not_fire) >= 5, rule.id


def test_every_category_has_rules() -> None:
    assert set(PACK.categories) == set(PACK.meta.categories)
    assert len(PACK.categories) == 10


def test_every_pattern_is_exercised_by_its_rules_examples() -> None:
    """A pattern no example of its own rule matches is untested: write an example or delete
    it (training/prune_patterns.py does this against the corpus)."""
    checker = default_checker()
    missing = []
    for rule in PACK.rules:
        used = {i for text in rule.examples.fire_texts for r, i in checker.pattern_hits(text) if r == rule.id}
        missing += [f"{rule.id}: {name}" for i, name in enumerate(rule.pattern_names) if i not in used]
    assert not missing, f"{len(missing)} patterns without an example: {missing[:20]}"
