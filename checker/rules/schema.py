"""Schema of the rule pack files in checker/rules/pack/.

Pydantic models with extra fields forbidden, so a typo in a pack file fails at
start-up with the file, rule and field named instead of silently matching less.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from checker.models import Assertion, Severity

# A pattern is a string in the pack's pattern syntax (see checker/rules/pack/README.md).
PatternSpec = str
PATTERN_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    title: str
    url: str = Field(pattern=r"^https://")


class Context(_Strict):
    """Presidio-style context: words near a match that make it more or less likely."""

    # At least one of these must occur in the sentence (or the document) or the
    # match is dropped: e.g. "repairs tissue" only matters when stem cells are mentioned.
    requires: list[PatternSpec] = Field(default_factory=list)
    requires_scope: Literal["sentence", "document"] = "sentence"
    boost: list[PatternSpec] = Field(default_factory=list)
    lower: list[PatternSpec] = Field(default_factory=list)


MARKER = re.compile(r"<marker>(.*?)</marker>")


class FireExample(_Strict):
    """A must-fire example whose claim is not plainly asserted (e.g. hedged)."""

    text: str
    assertion: Assertion = Assertion.asserted


@dataclass(frozen=True)
class ExampleCase:
    text: str  # without the markers
    start: int  # the span the rule must flag, as LanguageTool's <marker> pins it
    end: int
    assertion: Assertion


class Examples(_Strict):
    # Each must-fire example marks the words the rule flags: "Our cells <marker>cure MS</marker>."
    fire: list[str | FireExample] = Field(min_length=5)
    not_fire: list[str] = Field(min_length=5)

    @field_validator("fire")
    @classmethod
    def _one_marker(cls, fire: list[str | FireExample]) -> list[str | FireExample]:
        for ex in fire:
            text = ex if isinstance(ex, str) else ex.text
            if len(MARKER.findall(text)) != 1:
                raise ValueError(f"a must-fire example marks its flagged words with one <marker>...</marker>: {text!r}")
        return fire

    @property
    def cases(self) -> list[ExampleCase]:
        out = []
        for ex in self.fire:
            text, assertion = (ex, Assertion.asserted) if isinstance(ex, str) else (ex.text, ex.assertion)
            m = MARKER.search(text)
            plain = text[: m.start()] + m.group(1) + text[m.end() :]
            out.append(ExampleCase(plain, m.start(), m.start() + len(m.group(1)), assertion))
        return out

    @property
    def fire_texts(self) -> list[str]:
        return [c.text for c in self.cases]


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9-]+\.[a-z0-9-]+$")
    severity: Severity
    confidence: float = Field(default=0.9, gt=0.0, le=1.0)
    message: str = Field(min_length=10)
    explanation: str = Field(min_length=20)
    suggestion: str = Field(min_length=10)
    sources: list[str] = Field(min_length=1, description="Keys of the pack's source catalogue.")
    # name -> pattern, in order; the name says what the pattern catches, and a finding's
    # evidence carries it.
    named_patterns: dict[str, PatternSpec] = Field(alias="patterns", min_length=1)
    exceptions: list[PatternSpec] = Field(default_factory=list)
    sentence_exceptions: list[PatternSpec] = Field(default_factory=list)
    context: Context = Field(default_factory=Context)
    # Assertion statuses this rule ignores: e.g. urgency copy is a red flag even
    # when phrased as a question ("Why wait?").
    assertion_ignore: list[Assertion] = Field(default_factory=list)
    # For most rules a negation inside the matched span ("brings no cure") denies
    # the claim; for some the negation is the claim itself ("no side effects").
    claim_includes_negation: bool = False
    examples: Examples

    @field_validator("named_patterns")
    @classmethod
    def _names_say_what_they_catch(cls, value: dict[str, PatternSpec]) -> dict[str, PatternSpec]:
        for name in value:
            if not PATTERN_NAME.match(name):
                raise ValueError(f"pattern name {name!r}: lowercase words joined by hyphens, saying what it catches")
        return value

    @property
    def patterns(self) -> list[PatternSpec]:
        return list(self.named_patterns.values())

    @property
    def pattern_names(self) -> list[str]:
        return list(self.named_patterns)


class CategoryFile(_Strict):
    category: str = Field(pattern=r"^[a-z-]+$")
    caution: str = Field(pattern=r"^C([1-9]|10)$")
    # Word lists used by this file's rules; names are pack-wide, so they must
    # not clash with pack.yaml's or another file's.
    lexicons: dict[str, list[str]] = Field(default_factory=dict)
    # Sentence exceptions every rule of the category shares (as LanguageTool's rule-group
    # antipatterns): written once here, applied to each rule before its own.
    sentence_exceptions: list[PatternSpec] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _ids_in_category(cls, rules: list[Rule], info) -> list[Rule]:
        category = info.data.get("category")
        for rule in rules:
            if category and not rule.id.startswith(category + "."):
                raise ValueError(f"rule id {rule.id!r} must start with {category + '.'!r}")
        shared = info.data.get("sentence_exceptions") or []
        if shared:
            rules = [r.model_copy(update={"sentence_exceptions": [*shared, *r.sentence_exceptions]}) for r in rules]
        return rules


class JudgeText(_Strict):
    """What a warning of this category says when the learned judge, not a rule, found it."""

    severity: Severity
    message: str = Field(min_length=10)
    explanation: str = Field(min_length=20)
    suggestion: str = Field(min_length=10)
    sources: list[str] = Field(min_length=1, description="Keys of the pack's source catalogue.")


class CategoryMeta(_Strict):
    caution: str = Field(pattern=r"^C([1-9]|10)$")
    title: str
    summary: str
    # For people who are not specialists: what the flagged text does, in a few words.
    plain: str = Field(min_length=10, max_length=100)
    # What to ask the clinic when its text makes this kind of claim (the web page lists them).
    questions: list[str] = Field(min_length=1)
    judge: JudgeText


class PackMeta(_Strict):
    name: str
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    categories: dict[str, CategoryMeta]
    sources: dict[str, SourceRef]
    lexicons: dict[str, list[str]]


# The cue lists of assertion.yaml, each a list of patterns matched in every sentence.
CUE_KINDS = (
    "negation", "pseudo_negation", "negation_after", "sentence_negation", "rhetorical_question", "hedge",
    "investigational", "conditional", "attribution", "pseudo_attribution", "critical_framing",
)


class CueScope(_Strict):
    """How one kind of cue reaches a claim, after medspaCy's ConText rules: which status it
    gives, on which side of the claim it must stand, how far it reaches, and which cues
    cancel it."""

    status: Assertion
    # forward: the cue stands before the claim; backward: after it; both: either side.
    direction: Literal["forward", "backward", "both"]
    # clause: not across a clause boundary (assertion.yaml's boundary words, a comma
    # before a comma boundary, a lone spaced dash); sentence: anywhere in the sentence.
    within: Literal["clause", "sentence"]
    # The most tokens between cue and claim; none: no limit inside its scope.
    max_tokens: int | None = Field(default=None, ge=0)
    # A cue inside the matched claim: no (never counts), within (counts when wholly
    # inside it), overlap (counts when it touches it).
    inside_claim: Literal["no", "within", "overlap"] = "no"
    # Also stops at the plain clause boundary words between cue and claim, even where its
    # scope is the sentence.
    stops_at_boundary_words: bool = False
    # A cue kind whose matches cancel this kind's cues they overlap ("not only").
    cancelled_by: str | None = None


class AssertionCues(_Strict):
    """Cue patterns for the assertion classifier (checker/rules/pack/assertion.yaml)."""

    clause_boundaries: list[str]
    # Words that end a clause only after a comma ("..., so it is safe"), since
    # elsewhere they are adverbs ("has not yet been shown").
    comma_clause_boundaries: list[str] = Field(default_factory=list)
    negation: list[PatternSpec]
    pseudo_negation: list[PatternSpec]
    negation_after: list[PatternSpec]
    # Negation whose scope is the rest of the sentence: "no study has shown
    # that stem cells ... repair ...".
    sentence_negation: list[PatternSpec] = Field(default_factory=list)
    # Question openers that make a question rhetorical, i.e. a claim.
    rhetorical_question: list[PatternSpec] = Field(default_factory=list)
    hedge: list[PatternSpec]
    investigational: list[PatternSpec]
    conditional: list[PatternSpec]
    attribution: list[PatternSpec]
    pseudo_attribution: list[PatternSpec] = Field(default_factory=list)
    first_person: list[str]
    critical_framing: list[PatternSpec]
    question_marks: list[str] = Field(default_factory=lambda: ["?"])
    # Which status wins when cues of several apply: the first in this list. "questioned"
    # is the sentence's closing question mark (unless a rhetorical opener starts it).
    precedence: list[Assertion]
    # The reach of each kind of cue that gives a status, tried in this order within a status.
    scope: dict[str, CueScope]

    @field_validator("precedence")
    @classmethod
    def _every_status_once(cls, value: list[Assertion]) -> list[Assertion]:
        wanted = set(Assertion) - {Assertion.asserted}
        if len(value) != len(set(value)) or set(value) != wanted:
            raise ValueError(f"must list each of {sorted(a.value for a in wanted)} once")
        return value

    @field_validator("scope")
    @classmethod
    def _scopes_name_cue_lists(cls, value: dict[str, CueScope]) -> dict[str, CueScope]:
        for kind, rule in value.items():
            if kind not in CUE_KINDS:
                raise ValueError(f"{kind!r} is not a cue list (one of {', '.join(CUE_KINDS)})")
            if rule.cancelled_by is not None and rule.cancelled_by not in CUE_KINDS:
                raise ValueError(f"{kind}: cancelled_by {rule.cancelled_by!r} is not a cue list")
            if rule.status in (Assertion.asserted, Assertion.questioned):
                raise ValueError(f"{kind}: a cue cannot give the status {rule.status.value!r}")
        return value
