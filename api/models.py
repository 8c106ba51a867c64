"""Request and response models of the HTTP API (v1).

The check responses reuse the core models unchanged: ``CheckResponse`` *is* a
``checker.models.Report`` with two extra top-level fields.  Offsets in findings
are code points (``start``/``end``) and UTF-16 code units
(``start_utf16``/``end_utf16``, for JavaScript) into the checked text; for HTML
input ``html_start``/``html_end`` index the submitted HTML string.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from checker.models import Finding, JudgeInfo, PackInfo, Report, Severity, Source, Summary

from .openapi_examples import stored as stored_examples

# ---------------------------------------------------------------------------
# shared pieces

# Response examples come from real checks (api/openapi_examples.py builds them).
_RESPONSE_EXAMPLES = stored_examples()


def _example(model: str) -> dict:
    example = _RESPONSE_EXAMPLES.get(model)
    return {"examples": [example]} if example is not None else {}


def _no_lone_surrogates(value: str | None) -> str | None:
    # JSON may carry "\ud800" escapes that decode to unpaired surrogates; they are
    # not text and cannot be encoded back into the response.
    if value is not None and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(f"contains an unpaired UTF-16 surrogate at position {exc.start}") from None
    return value


class ErrorDetail(BaseModel):
    loc: str = Field(description="Where in the body, e.g. 'segments[3].text'.")
    msg: str
    type: str


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. 'validation_error'.")
    message: str = Field(description="Human-readable explanation.")
    details: list[ErrorDetail] | None = Field(default=None, description="Validation errors, for 422.")


class ErrorResponse(BaseModel):
    """Every error response has this shape."""

    error: ErrorBody

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": {"code": "not_found", "message": "No such endpoint."}}]}
    )


# ---------------------------------------------------------------------------
# requests


class CheckOptions(BaseModel):
    """Options shared by /v1/check and /v1/check/batch."""

    model_config = ConfigDict(extra="forbid", strict=True)

    categories: list[str] | None = Field(
        default=None,
        description="Only report these categories (e.g. ['cure-claim', 'fda-approval']). Default: all.",
        max_length=100,
    )
    exclude_categories: list[str] = Field(
        default_factory=list, description="Never report these categories.", max_length=100
    )
    min_severity: Severity = Field(
        default=Severity.low,
        strict=False,  # FastAPI validates parsed JSON in Python mode; accept the string value
        description="Drop findings below this severity (low < medium < high < critical)."
    )
    include_all: bool = Field(
        default=False,
        description="Also return non-warnings: negated, questioned, attributed or research-framed matches "
        "(their `warning` is false).",
    )


class CheckRequest(CheckOptions):
    """Exactly one of `text` or `html`, plus options."""

    text: str | None = Field(default=None, description="Plain text to check.")
    html: str | None = Field(
        default=None,
        description="An HTML page or fragment; only its visible text is checked, and each finding "
        "gets html_start/html_end into this string.",
    )
    include_text: bool = Field(
        default=False,
        description="Echo the checked text in the response's `text` field (for HTML: the extracted "
        "visible text that start/end index into).",
    )

    @field_validator("text", "html")
    @classmethod
    def _text_ok(cls, v: str | None) -> str | None:
        return _no_lone_surrogates(v)

    @model_validator(mode="after")
    def _exactly_one(self) -> "CheckRequest":
        if (self.text is None) == (self.html is None):
            raise ValueError("give exactly one of 'text' or 'html'")
        return self

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"text": "Our stem cell therapy cures multiple sclerosis."},
                {
                    "html": "<p>It is <span>FDA</span>-approved and has <b>no side effects</b>.</p>",
                    "min_severity": "high",
                },
            ]
        },
    )


class Segment(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(min_length=1, max_length=256, description="Client id of the text node, unique in the request.")
    block: str | None = Field(
        default=None,
        max_length=256,
        description="Block (e.g. paragraph) the node belongs to. Segments of one block are joined in "
        "order of appearance, with no separator, and checked as one text. Omitted: the segment "
        "is a block of its own.",
    )
    text: str = Field(description="The node's text, exactly as in the page.")

    @field_validator("id", "block", "text")
    @classmethod
    def _text_ok(cls, v: str | None) -> str | None:
        return _no_lone_surrogates(v)


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(min_length=1, max_length=256, description="Client id, unique in the request.")
    text: str | None = None
    html: str | None = None

    @field_validator("id", "text", "html")
    @classmethod
    def _text_ok(cls, v: str | None) -> str | None:
        return _no_lone_surrogates(v)

    @model_validator(mode="after")
    def _exactly_one(self) -> "DocumentIn":
        if (self.text is None) == (self.html is None):
            raise ValueError("each document needs exactly one of 'text' or 'html'")
        return self


class BatchRequest(CheckOptions):
    """Exactly one of `segments` (a page's text nodes) or `documents` (independent texts)."""

    segments: list[Segment] | None = Field(
        default=None, description="A page's text nodes in document order (for browser extensions)."
    )
    documents: list[DocumentIn] | None = Field(default=None, description="Independent documents.")

    @model_validator(mode="after")
    def _exactly_one(self) -> "BatchRequest":
        if (self.segments is None) == (self.documents is None):
            raise ValueError("give exactly one of 'segments' or 'documents'")
        ids = [s.id for s in self.segments] if self.segments is not None else [d.id for d in self.documents or []]
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            dup = next(i for i in ids if i in seen or seen.add(i))
            raise ValueError(f"duplicate id {dup!r}; ids must be unique")
        return self

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "segments": [
                        {"id": "n1", "block": "p1", "text": "Our stem cell therapy "},
                        {"id": "n2", "block": "p1", "text": "cures multiple"},
                        {"id": "n3", "block": "p1", "text": " sclerosis."},
                        {"id": "n4", "block": "p2", "text": "Book today."},
                    ]
                },
                {
                    "documents": [
                        {"id": "home", "html": "<p>It is <span>FDA</span>-approved.</p>"},
                        {"id": "faq", "text": "The procedure has no side effects."},
                    ]
                },
            ]
        },
    )


# ---------------------------------------------------------------------------
# responses


class CheckResponse(Report):
    """The core Report, plus which input was checked."""

    input: Literal["text", "html"] = Field(description="Which field was checked.")
    text: str | None = Field(
        default=None,
        description="The checked text, only with include_text=true (for HTML: the extracted visible text).",
    )

    model_config = ConfigDict(json_schema_extra=_example("CheckResponse"))


class Piece(BaseModel):
    """The part of a finding that lies in one segment."""

    segment_id: str
    start_utf16: int = Field(description="Start in the segment's own text, UTF-16 code units.")
    end_utf16: int = Field(description="End (exclusive) in the segment's own text, UTF-16 code units.")
    start: int = Field(description="Start in the segment's own text, code points.")
    end: int = Field(description="End (exclusive) in the segment's own text, code points.")


class SegmentFinding(Finding):
    """A finding in a block of segments.

    start/end, start_utf16/end_utf16 and sentence_* index the block's joined
    text; `pieces` locate the claim in each segment it covers (one piece per
    segment, in order; segments the span only touches are not listed)."""

    block: str | None = Field(description="The block id; null for a segment sent without a block.")
    pieces: list[Piece]


class BlockResult(BaseModel):
    block: str | None = Field(description="The block id; null for a segment sent without a block.")
    segment_ids: list[str] = Field(description="The block's segments, in the order they were joined.")
    summary: Summary


class SegmentsResponse(BaseModel):
    """Result for `segments` input.

    `findings` lists every finding of the page in document order (by block,
    then position). `blocks` has a summary for each block that has findings;
    blocks not listed are clean. `summary` is over the whole page
    (`sentences` summed over blocks)."""

    mode: Literal["segments"] = "segments"
    findings: list[SegmentFinding]
    blocks: list[BlockResult]
    summary: Summary
    rule_pack: PackInfo
    checker_version: str
    include_all: bool

    model_config = ConfigDict(json_schema_extra=_example("SegmentsResponse"))


class DocumentResult(CheckResponse):
    """One document's report (same shape as /v1/check's response) with its id."""

    id: str


class DocumentsResponse(BaseModel):
    """Result for `documents` input: one report per document, in request order,
    plus a summary over all of them."""

    mode: Literal["documents"] = "documents"
    documents: list[DocumentResult]
    summary: Summary
    rule_pack: PackInfo
    checker_version: str
    include_all: bool

    model_config = ConfigDict(json_schema_extra=_example("DocumentsResponse"))


BatchResponse = Annotated[Union[SegmentsResponse, DocumentsResponse], Field(discriminator="mode")]


class CategoryOut(BaseModel):
    name: str
    caution: str
    title: str
    summary: str
    plain: str = Field(description="What text of this kind does, in plain words.")
    questions: list[str] = Field(description="Questions to ask a clinic whose text makes this kind of claim.")


class RuleSummary(BaseModel):
    id: str
    category: str
    caution: str
    caution_title: str
    severity: Severity
    message: str


class RulesResponse(BaseModel):
    rule_pack: PackInfo
    categories: list[CategoryOut]
    rules: list[RuleSummary]

    model_config = ConfigDict(json_schema_extra=_example("RulesResponse"))


class RuleExamples(BaseModel):
    fire: list[str] = Field(description="Sentences the rule flags.")
    not_fire: list[str] = Field(description="Similar sentences it must not flag.")


class RuleDetail(RuleSummary):
    confidence: float
    explanation: str
    suggestion: str
    sources: list[Source]
    examples: RuleExamples
    patterns: dict[str, str] = Field(
        description="The rule's patterns by name, in order, each in the rule pack's pattern syntax."
    )

    model_config = ConfigDict(json_schema_extra=_example("RuleDetail"))


class Limits(BaseModel):
    max_body_bytes: int
    max_segments: int
    max_documents: int
    rate_limit_per_minute: int = Field(description="Per client IP and worker; 0 = no limit.")
    rate_burst: int
    check_timeout_s: float = Field(description="Seconds one check may take; past it, 503 `check_timeout`.")


class VerdictPolicy(BaseModel):
    """How a verdict is reached, for clients that combine the findings of several
    requests (a browser extension re-checking only what changed on a page): each warning
    weighs confidence x severity_weight; a sentence counts its strongest warning; one
    warning of at least `serious_single`, or a sum of at least `serious_total`, is
    "seriously misleading"; a sum of at least `misleading_total` "misleading"; any other
    warning "caution"; none "clean"."""

    severity_weight: dict[str, float]
    serious_single: float
    serious_total: float
    misleading_total: float


class InfoResponse(BaseModel):
    api_version: str = "v1"
    checker_version: str
    rule_pack: PackInfo
    judge: JudgeInfo | None = None
    categories: list[str]
    severities: list[Severity]
    limits: Limits
    verdict_policy: VerdictPolicy

    model_config = ConfigDict(json_schema_extra=_example("InfoResponse"))


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})
