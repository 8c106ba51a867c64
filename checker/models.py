"""Result models shared by the library, the CLI and the HTTP API.

Pydantic so the API can return them unchanged and publish their schema.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Severity(str, Enum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self.value]


_SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


class Assertion(str, Enum):
    asserted = "asserted"
    hedged = "hedged"
    investigational = "investigational"
    negated = "negated"
    questioned = "questioned"
    conditional = "conditional"
    attributed = "attributed"


# Statuses that still mislead a reader and so become warnings by default.
WARNING_ASSERTIONS = frozenset({Assertion.asserted, Assertion.hedged})


class Source(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    url: str


class JudgeNeighbour(BaseModel):
    """A labelled corpus sentence close to the judged one: why the judge decided as it did."""

    id: str
    text: str
    label: str
    cautions: list[str]
    similarity: float


class JudgeEvidence(BaseModel):
    model: str = Field(description="The judge model's name.")
    version: str
    p_claim: float = Field(description="Calibrated probability that the sentence is a claim.")
    rule_precision: float | None = Field(
        default=None, description="Measured precision on the corpus of the rule it weighed against (none for its own warnings)."
    )
    decision: str = Field(description="'flagged' (the judge raised it), 'vetoed' (it overruled a rule) or 'confirmed'.")
    cautions: dict[str, float] = Field(default_factory=dict, description="The likeliest cautions and their scores.")
    neighbours: list[JudgeNeighbour] = Field(default_factory=list)


class Evidence(BaseModel):
    """How a finding was reached, so a reviewer can audit it (Presidio-style)."""

    pattern: str = Field(description="Which pattern of the rule matched, in the rule pack's syntax.")
    pattern_name: str = Field(default="", description="That pattern's name in the rule pack (empty for the judge).")
    assertion_cues: list[str] = Field(
        default_factory=list, description="Words that set the assertion status."
    )
    context: list[str] = Field(
        default_factory=list, description="Context words that moved the score."
    )
    base_confidence: float
    adjustments: list[str] = Field(default_factory=list)
    judge: JudgeEvidence | None = Field(default=None, description="What the learned judge said of the sentence.")


class Finding(BaseModel):
    category: str
    rule_id: str
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    assertion: Assertion
    warning: bool = Field(description="True when this finding is a warning (asserted or hedged).")
    start: int = Field(description="Start, in code points, into the original text.")
    end: int = Field(description="End (exclusive), in code points.")
    start_utf16: int = Field(description="Start in UTF-16 code units, for JavaScript.")
    end_utf16: int
    text: str = Field(description="The exact original slice text[start:end].")
    sentence: str
    sentence_start: int
    sentence_end: int
    caution: str = Field(description="The caution contradicted, e.g. 'C1'.")
    caution_title: str
    message: str
    explanation: str
    suggestion: str
    sources: list[Source]
    evidence: Evidence
    html_start: int | None = Field(
        default=None, description="For HTML input: start of the claim in the submitted HTML string."
    )
    html_end: int | None = Field(default=None, description="For HTML input: end in the HTML string.")


class Summary(BaseModel):
    warnings: int
    findings: int
    by_category: dict[str, int] = Field(description="Warnings per category.")
    by_severity: dict[str, int] = Field(description="Warnings per severity.")
    verdict: str = Field(description="'clean', 'caution', 'misleading' or 'seriously misleading'.")
    score: float = Field(
        default=0.0,
        description="The weight of the warnings behind the verdict: per sentence its strongest "
        "warning's confidence times its severity's weight, summed.",
    )
    sentences: int


class PackInfo(BaseModel):
    name: str
    version: str
    hash: str = Field(description="sha256 of the rule pack files' content.")


class JudgeInfo(BaseModel):
    name: str
    version: str
    hash: str = Field(description="sha256 of the judge model's files.")


class Report(BaseModel):
    findings: list[Finding]
    summary: Summary
    rule_pack: PackInfo
    judge: JudgeInfo | None = Field(default=None, description="The learned judge that read the text; null for the rules alone.")
    checker_version: str
    include_all: bool = False

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.warning]
