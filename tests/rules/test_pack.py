"""The rule pack loader: the shipped pack loads, and a broken copy of it fails
with a PackError naming the file, the rule and the field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Callable

import pytest
import yaml

from checker.rules.loader import DEFAULT_PACK_DIR, PackError, default_pack, load_pack, pack_hash

META = yaml.safe_load((DEFAULT_PACK_DIR / "pack.yaml").read_text(encoding="utf-8"))

# The file and rule each corruption below is applied to: the second rule of a
# file, so a message that always names the first rule would be caught.
TARGET_FILE = "risk-denial.yaml"
TARGET_INDEX = 1


# -- the shipped pack ----------------------------------------------------------------


def test_shipped_pack_loads() -> None:
    pack = load_pack()
    assert pack.info.name == META["name"] == "stemcheck-core"
    assert re.fullmatch(r"\d+\.\d+\.\d+", pack.info.version)
    assert pack.info.version == META["version"]
    assert re.fullmatch(r"[0-9a-f]{64}", pack.info.hash)
    assert pack.info.hash == pack_hash(DEFAULT_PACK_DIR)
    assert pack.rules
    # default_pack() is the same pack, loaded once
    assert default_pack() is default_pack()
    assert default_pack().info == pack.info


def test_every_category_has_its_file() -> None:
    pack = load_pack()
    assert len(META["categories"]) == 10
    assert sorted(pack.categories) == sorted(META["categories"])
    cautions = set()
    for name, meta in META["categories"].items():
        path = DEFAULT_PACK_DIR / f"{name}.yaml"
        assert path.is_file(), f"no file for category {name}"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["category"] == name
        assert data["caution"] == meta["caution"]
        assert pack.categories[name].caution == meta["caution"]
        cautions.add(meta["caution"])
    assert cautions == {f"C{i}" for i in range(1, 11)}
    # and there is no category file that pack.yaml does not declare
    files = {p.stem for p in DEFAULT_PACK_DIR.glob("*.yaml")} - {"pack", "assertion"}
    assert files == set(META["categories"])


def test_shipped_rules_are_well_formed() -> None:
    pack = load_pack()
    ids = [r.id for r in pack.rules]
    assert len(ids) == len(set(ids))
    for rule in pack.rules:
        category = pack.category_of(rule.id)
        assert rule.id.startswith(category.category + ".")
        assert len(rule.examples.fire) >= 5 and len(rule.examples.not_fire) >= 5
        assert all(s.url.startswith("https://") for s in pack.sources_for(rule))
        assert pack.rule(rule.id) is rule
    assert pack.rule("no-such.rule") is None


def test_a_missing_directory_or_meta_file(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="pack.yaml"):
        load_pack(tmp_path / "nowhere")
    with pytest.raises(PackError, match="pack.yaml"):
        load_pack(tmp_path)


# -- a corrupted copy ---------------------------------------------------------------------


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "patterns"
    shutil.copytree(DEFAULT_PACK_DIR, directory)
    return directory


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: object) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def edit_rule(directory: Path, change: Callable[[dict], None], *, file: str = TARGET_FILE,
              index: int = TARGET_INDEX) -> str:
    """Apply ``change`` to one rule of a copied pack file; returns the rule's id."""
    path = directory / file
    data = _load(path)
    rule = data["rules"][index]
    rule_id = rule["id"]
    change(rule)
    _dump(path, data)
    return rule_id


def add_pattern(rule: dict, field: str, pattern: object) -> None:
    """Add a pattern to a rule's field: `patterns` maps names to patterns, the others are lists."""
    if field == "patterns":
        rule["patterns"]["added-by-test"] = pattern
    else:
        rule.setdefault(field, []).append(pattern)


def pack_error(directory: Path) -> str:
    with pytest.raises(PackError) as info:
        load_pack(directory)
    return str(info.value)


def assert_names(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, f"{part!r} not named in: {message}"


def test_the_copy_loads_and_hashes_like_the_original(pack_dir: Path) -> None:
    # a faithful copy is the same pack: the hash covers file names and content, not the place
    assert load_pack(pack_dir).info == load_pack().info


def test_a_yaml_round_trip_alone_does_not_break_the_pack(pack_dir: Path) -> None:
    # so every failure below is due to the corruption, not to re-dumping the file
    edit_rule(pack_dir, lambda rule: None)
    load_pack(pack_dir)


@pytest.mark.parametrize("field", ["message", "explanation", "suggestion", "severity", "sources", "patterns",
                                   "examples"])
def test_missing_required_field(pack_dir: Path, field: str) -> None:
    rule_id = edit_rule(pack_dir, lambda rule: rule.pop(field))
    message = pack_error(pack_dir)
    assert_names(message, TARGET_FILE, rule_id, f"field {field}", "required")


def test_wrong_severity(pack_dir: Path) -> None:
    rule_id = edit_rule(pack_dir, lambda rule: rule.update(severity="urgent"))
    message = pack_error(pack_dir)
    assert_names(message, TARGET_FILE, rule_id, "field severity", "critical")


def test_confidence_out_of_range(pack_dir: Path) -> None:
    rule_id = edit_rule(pack_dir, lambda rule: rule.update(confidence=1.5))
    assert_names(pack_error(pack_dir), TARGET_FILE, rule_id, "field confidence")


@pytest.mark.parametrize("kind", ["fire", "not_fire"])
def test_fewer_than_five_examples(pack_dir: Path, kind: str) -> None:
    def change(rule: dict) -> None:
        rule["examples"][kind] = rule["examples"][kind][:4]

    rule_id = edit_rule(pack_dir, change)
    message = pack_error(pack_dir)
    assert_names(message, TARGET_FILE, rule_id, f"field examples.{kind}", "5")


def test_unknown_source_key(pack_dir: Path) -> None:
    rule_id = edit_rule(pack_dir, lambda rule: rule["sources"].append("wikipedia"))
    message = pack_error(pack_dir)
    assert_names(message, TARGET_FILE, rule_id, "field sources", "wikipedia")


@pytest.mark.parametrize("field", ["patterns", "exceptions", "sentence_exceptions"])
def test_unknown_lexicon_in_a_pattern(pack_dir: Path, field: str) -> None:
    rule_id = edit_rule(pack_dir, lambda rule: add_pattern(rule, field, "stem ~cell $nope"))
    message = pack_error(pack_dir)
    assert_names(message, TARGET_FILE, rule_id, f"field {field}", "$nope")


def test_unknown_lexicon_in_context(pack_dir: Path) -> None:
    rule_id = edit_rule(pack_dir, lambda rule: rule.setdefault("context", {}).setdefault("boost", []).append("$nope"))
    assert_names(pack_error(pack_dir), TARGET_FILE, rule_id, "field context.boost", "$nope")


@pytest.mark.parametrize("pattern", ["cure||heal ms", "|cure ms", "   "])
def test_malformed_pattern(pack_dir: Path, pattern: str) -> None:
    # An unbalanced quantifier ("foo{1") is not an error to the pattern
    # compiler (it becomes a literal token), so malformed alternatives and an
    # empty pattern stand in for it here.
    rule_id = edit_rule(pack_dir, lambda rule: add_pattern(rule, "patterns", pattern))
    message = pack_error(pack_dir)
    assert_names(message, TARGET_FILE, rule_id, "field patterns")


def test_duplicate_rule_id_in_one_file(pack_dir: Path) -> None:
    path = pack_dir / TARGET_FILE
    data = _load(path)
    first = data["rules"][0]["id"]
    data["rules"][TARGET_INDEX]["id"] = first
    _dump(path, data)
    message = pack_error(pack_dir)
    assert_names(message, TARGET_FILE, first, "duplicate")


def test_duplicate_rule_id_repeated_rule(pack_dir: Path) -> None:
    path = pack_dir / TARGET_FILE
    data = _load(path)
    rule_id = data["rules"][TARGET_INDEX]["id"]
    data["rules"].append(dict(data["rules"][TARGET_INDEX]))
    _dump(path, data)
    assert_names(pack_error(pack_dir), TARGET_FILE, rule_id, "duplicate")


def test_rule_id_outside_its_category(pack_dir: Path) -> None:
    edit_rule(pack_dir, lambda rule: rule.update(id="cure-claim.stray"))
    assert_names(pack_error(pack_dir), TARGET_FILE, "cure-claim.stray", "must start with 'risk-denial.'")


def test_invalid_yaml(pack_dir: Path) -> None:
    path = pack_dir / TARGET_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    # break the file a few dozen lines in: an unclosed flow sequence
    lines.insert(60, "    patterns: [cure, heal")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = pack_error(pack_dir)
    assert_names(message, TARGET_FILE, "not valid YAML", "line")


def test_yaml_that_is_not_a_mapping(pack_dir: Path) -> None:
    (pack_dir / TARGET_FILE).write_text("- just\n- a list\n", encoding="utf-8")
    assert_names(pack_error(pack_dir), TARGET_FILE)


def test_file_named_differently_from_its_category(pack_dir: Path) -> None:
    (pack_dir / TARGET_FILE).rename(pack_dir / "risk-denials.yaml")
    message = pack_error(pack_dir)
    assert_names(message, "risk-denials.yaml", "'risk-denial'", "named after its category")


def test_category_without_a_file(pack_dir: Path) -> None:
    (pack_dir / TARGET_FILE).unlink()
    assert_names(pack_error(pack_dir), "risk-denial", "without a file")


def test_category_not_declared(pack_dir: Path) -> None:
    meta = _load(pack_dir / "pack.yaml")
    del meta["categories"]["risk-denial"]
    _dump(pack_dir / "pack.yaml", meta)
    assert_names(pack_error(pack_dir), TARGET_FILE, "'risk-denial'", "not declared")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda rule: rule.update(sugestion="Say something honest instead."), "field sugestion"),
        (lambda rule: rule.update(severty="high"), "field severty"),
        (lambda rule: rule["examples"].update(fires=["Our stem cells cure MS."] * 5), "field examples.fires"),
        (lambda rule: rule.setdefault("context", {}).update(requirse=["stem ~cell"]), "field context.requirse"),
    ],
    ids=["sugestion", "severty", "examples.fires", "context.requirse"],
)
def test_extra_unknown_field(pack_dir: Path, change, field: str) -> None:
    rule_id = edit_rule(pack_dir, change)
    message = pack_error(pack_dir)
    assert_names(message, TARGET_FILE, rule_id, field, "Extra inputs are not permitted")


def test_wrong_assertion_status(pack_dir: Path) -> None:
    rule_id = edit_rule(pack_dir, lambda rule: rule.update(assertion_ignore=["maybe"]))
    assert_names(pack_error(pack_dir), TARGET_FILE, rule_id, "field assertion_ignore")


def test_errors_in_another_file_name_that_file(pack_dir: Path) -> None:
    rule_id = edit_rule(pack_dir, lambda rule: rule.pop("message"), file="cure-claim.yaml", index=2)
    assert_names(pack_error(pack_dir), "cure-claim.yaml", rule_id, "field message")


def test_meta_file_errors(pack_dir: Path) -> None:
    meta = _load(pack_dir / "pack.yaml")
    meta["version"] = "1.0"
    _dump(pack_dir / "pack.yaml", meta)
    assert_names(pack_error(pack_dir), "pack.yaml", "version")

    meta["version"] = "1.0.0"
    meta["sources"]["fda-warning"]["url"] = "http://insecure.example"
    _dump(pack_dir / "pack.yaml", meta)
    assert_names(pack_error(pack_dir), "pack.yaml", "sources.fda-warning.url")


def test_assertion_cue_errors(pack_dir: Path) -> None:
    cues = _load(pack_dir / "assertion.yaml")
    cues["negation"].append("$nope")
    _dump(pack_dir / "assertion.yaml", cues)
    assert_names(pack_error(pack_dir), "assertion.yaml", "negation", "$nope")


def test_lexicon_defined_twice(pack_dir: Path) -> None:
    path = pack_dir / TARGET_FILE
    data = _load(path)
    data.setdefault("lexicons", {})["ms"] = ["ms"]  # already in pack.yaml
    _dump(path, data)
    assert_names(pack_error(pack_dir), TARGET_FILE, "'ms'", "already defined")


# -- the hash ------------------------------------------------------------------------


def test_hash_changes_when_a_file_changes(pack_dir: Path) -> None:
    before = load_pack(pack_dir).info.hash
    path = pack_dir / TARGET_FILE
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    after = load_pack(pack_dir).info.hash
    assert re.fullmatch(r"[0-9a-f]{64}", after)
    assert after != before
    # and goes back when the change is undone
    shutil.copy(DEFAULT_PACK_DIR / TARGET_FILE, path)
    assert load_pack(pack_dir).info.hash == before


def test_hash_changes_with_a_rule_edit_and_with_pack_yaml(pack_dir: Path) -> None:
    base = load_pack(pack_dir).info.hash
    edit_rule(pack_dir, lambda rule: rule.update(confidence=0.5))
    edited = load_pack(pack_dir).info.hash
    assert edited != base
    meta = (pack_dir / "pack.yaml").read_text(encoding="utf-8")
    (pack_dir / "pack.yaml").write_text(meta.replace("version: 0.1.0", "version: 0.1.1")
                                        if "version: 0.1.0" in meta else meta + "\n#\n", encoding="utf-8")
    assert load_pack(pack_dir).info.hash not in (base, edited)


def test_hash_covers_file_names(pack_dir: Path) -> None:
    base = pack_hash(pack_dir)
    (pack_dir / "extra-notes.yaml").write_text("", encoding="utf-8")
    assert pack_hash(pack_dir) != base


@pytest.mark.parametrize("pattern", ["cure{1 ms", "cure ms{3,1}"])
def test_malformed_quantifier(pack_dir: Path, pattern: str) -> None:
    edit_rule(pack_dir, lambda r: add_pattern(r, "patterns", pattern))
    assert_names(pack_error(pack_dir), "patterns")


def test_a_pattern_is_a_string_of_the_pattern_syntax(pack_dir: Path) -> None:
    # No raw spaCy token lists: every pattern is reviewable in the pack's own syntax.
    edit_rule(pack_dir, lambda r: add_pattern(r, "patterns", [{"LOWER": "cure"}]))
    assert_names(pack_error(pack_dir), TARGET_FILE, "patterns", "string")


def test_must_fire_example_needs_a_marker(pack_dir: Path) -> None:
    rule_id = edit_rule(pack_dir, lambda rule: rule["examples"]["fire"].__setitem__(0, "Our stem cells cure MS."))
    assert_names(pack_error(pack_dir), TARGET_FILE, rule_id, "examples.fire", "<marker>")


def test_marked_example_gives_span_and_assertion() -> None:
    from checker.rules.schema import Examples

    ex = Examples(fire=["Our cells <marker>cure MS</marker>.", {"text": "They <marker>may cure</marker> MS.", "assertion": "hedged"}] + ["<marker>x</marker>"] * 3,
                  not_fire=["a"] * 5)
    first, second = ex.cases[:2]
    assert (first.text, first.text[first.start:first.end], first.assertion.value) == ("Our cells cure MS.", "cure MS", "asserted")
    assert (second.text[second.start:second.end], second.assertion.value) == ("may cure", "hedged")


def _edit_cues(directory: Path, change: Callable[[dict], None]) -> None:
    path = directory / "assertion.yaml"
    data = _load(path)
    change(data)
    _dump(path, data)


def test_precedence_must_name_every_status_once(pack_dir: Path) -> None:
    _edit_cues(pack_dir, lambda d: d["precedence"].remove("hedged"))
    assert_names(pack_error(pack_dir), "assertion.yaml", "precedence", "hedged")


def test_a_scope_must_name_a_cue_list(pack_dir: Path) -> None:
    _edit_cues(pack_dir, lambda d: d["scope"].__setitem__("negations", {"status": "negated", "direction": "forward", "within": "clause"}))
    assert_names(pack_error(pack_dir), "assertion.yaml", "scope", "negations")


def test_a_scope_is_checked_field_by_field(pack_dir: Path) -> None:
    _edit_cues(pack_dir, lambda d: d["scope"]["hedge"].__setitem__("direction", "sideways"))
    assert_names(pack_error(pack_dir), "assertion.yaml", "scope", "direction")


@pytest.mark.parametrize("name", ["Pattern3", "cure", "cure_ms", "cure ms"])
def test_a_pattern_name_is_hyphenated_words(pack_dir: Path, name: str) -> None:
    rule_id = edit_rule(pack_dir, lambda r: r["patterns"].__setitem__(name, "cures ms"))
    assert_names(pack_error(pack_dir), TARGET_FILE, rule_id, "patterns", repr(name))


def test_a_finding_names_its_pattern() -> None:
    from checker.pipeline import rules_checker

    (finding,) = rules_checker().check("Our stem cells cure MS.").findings
    rule = default_pack().rule(finding.rule_id)
    assert finding.evidence.pattern_name in rule.named_patterns
    assert rule.named_patterns[finding.evidence.pattern_name] == finding.evidence.pattern


def test_a_category_wide_sentence_exception_applies_to_every_rule(pack_dir: Path) -> None:
    # LanguageTool-style rule-group antipattern: written once, every rule of the file gets it.
    path = pack_dir / TARGET_FILE
    data = _load(path)
    data["sentence_exceptions"] = ["zyxwv"]
    _dump(path, data)
    pack = load_pack(pack_dir)
    category = data["category"]
    rules = pack.categories[category].rules
    assert rules and all(r.sentence_exceptions[0] == "zyxwv" for r in rules)
    own = {r["id"]: r.get("sentence_exceptions", []) for r in data["rules"]}
    assert all(r.sentence_exceptions[1:] == own[r.id] for r in rules)


def test_a_category_wide_sentence_exception_drops_the_match(pack_dir: Path) -> None:
    from checker.pipeline import Checker, rules_checker

    # candidacy.yaml's shared exception: support offered to everyone is not candidacy.
    text = "All patients, whatever their stage of MS, can get rehabilitation and nursing support from us."
    rules = default_pack().categories["candidacy"].rules
    assert all("$support_services" in r.sentence_exceptions for r in rules)
    assert not [f for f in rules_checker().check(text).findings if f.category == "candidacy"]
    path = pack_dir / "candidacy.yaml"
    data = _load(path)
    del data["sentence_exceptions"]
    _dump(path, data)
    without = Checker(load_pack(pack_dir), judge=None)
    assert [f.rule_id for f in without.check(text).findings if f.category == "candidacy"]
