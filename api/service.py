"""The work behind the check endpoints: plain functions, run on a worker thread.

Each function takes a validated request and returns the serialized JSON
response (bytes), so the checking and the serialization both happen off the
event loop.  The core's Report is returned unchanged apart from the requested
filtering, after which the summary is recomputed with ``build_report``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from checker import __version__
from checker.documents import DocumentError, check_documents
from checker.pipeline import Checker
from checker.input.files import Document
from checker.models import Finding, Report
from checker.text.offsets import Parts, utf16_offsets
from checker.findings.report import build_report

from .errors import ApiError
from .models import (
    BatchRequest,
    BlockResult,
    CheckOptions,
    CheckRequest,
    CheckResponse,
    DocumentResult,
    DocumentsResponse,
    Piece,
    Segment,
    SegmentFinding,
    SegmentsResponse,
)
from .settings import Settings

logger = logging.getLogger("stemcheck.api")

_LOGGED_CHARS = 2000


class FindingFilter:
    """The category and severity options, validated against the rule pack."""

    def __init__(self, opts: CheckOptions, known: Sequence[str]) -> None:
        wanted = list(opts.categories or []) + list(opts.exclude_categories)
        unknown = sorted({c for c in wanted if c not in known})
        if unknown:
            raise ApiError(
                422,
                "unknown_category",
                f"Unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(known)}.",
            )
        self.include = frozenset(opts.categories) if opts.categories is not None else None
        self.exclude = frozenset(opts.exclude_categories)
        self.min_rank = opts.min_severity.rank
        self.noop = self.include is None and not self.exclude and self.min_rank == 0

    def keep(self, f: Finding) -> bool:
        return (
            (self.include is None or f.category in self.include)
            and f.category not in self.exclude
            and f.severity.rank >= self.min_rank
        )

    def apply(self, report: Report, include_all: bool) -> Report:
        if self.noop:
            return report
        kept = [f for f in report.findings if self.keep(f)]
        return build_report(kept, report.rule_pack, report.summary.sentences, include_all, report.checker_version, report.judge)


class CheckService:
    def __init__(self, checker: Checker, settings: Settings) -> None:
        self.checker = checker
        self.settings = settings
        self.categories = list(checker.pack.categories)

    # -- /v1/check ---------------------------------------------------------------
    def check(self, req: CheckRequest, deadline: float | None = None) -> bytes:
        filt = FindingFilter(req, self.categories)
        is_html = req.html is not None
        doc = Document("request", req.html if is_html else req.text or "", is_html)
        try:
            (checked,) = check_documents([doc], include_all=req.include_all, checker=self.checker, deadline=deadline)
        except DocumentError as exc:
            raise ApiError(422, "invalid_html", exc.reason) from None
        report = filt.apply(checked.report, req.include_all)
        out = _with_input(CheckResponse, report, "html" if is_html else "text", checked.text if req.include_text else None)
        return out.model_dump_json().encode()

    # -- /v1/check/batch -----------------------------------------------------------
    def batch(self, req: BatchRequest, deadline: float | None = None) -> bytes:
        filt = FindingFilter(req, self.categories)
        if req.segments is not None:
            if len(req.segments) > self.settings.max_segments:
                raise ApiError(
                    413, "too_many_segments",
                    f"{len(req.segments):,} segments is more than the limit of {self.settings.max_segments:,}; "
                    "split the page into several requests.",
                )
            return self._segments(req.segments, filt, req.include_all, deadline).model_dump_json().encode()
        docs = req.documents or []
        if len(docs) > self.settings.max_documents:
            raise ApiError(
                413, "too_many_documents",
                f"{len(docs):,} documents is more than the limit of {self.settings.max_documents:,}; "
                "send them in several requests.",
            )
        return self._documents(req, filt, deadline).model_dump_json().encode()

    def _segments(
        self, segments: list[Segment], filt: FindingFilter, include_all: bool, deadline: float | None
    ) -> SegmentsResponse:
        # Group by block in order of first appearance; a segment without a block
        # is a block of its own (keys are tagged so ids of the two kinds never clash).
        groups: dict[tuple[str, str], list[Segment]] = {}
        for seg in segments:
            key = ("b", seg.block) if seg.block is not None else ("s", seg.id)
            groups.setdefault(key, []).append(seg)
        texts = ["".join(s.text for s in group) for group in groups.values()]

        findings: list[SegmentFinding] = []
        blocks: list[BlockResult] = []
        sentences = 0
        reports = self.checker.check_many(texts, include_all=include_all, deadline=deadline)
        for (key, group), report in zip(groups.items(), reports):
            sentences += report.summary.sentences
            report = filt.apply(report, include_all)
            if not report.findings:
                continue
            block_id = key[1] if key[0] == "b" else None
            parts = Parts.of(s.text for s in group)
            for f in report.findings:
                fields = dict(f.__dict__)
                fields["block"] = block_id
                fields["pieces"] = _pieces(f.start, f.end, group, parts)
                findings.append(SegmentFinding.model_construct(**fields))
            blocks.append(BlockResult(block=block_id, segment_ids=[s.id for s in group], summary=report.summary))
        overall = build_report(
            findings, self.checker.pack.info, sentences, include_all, __version__, self.checker.judge_info,
            sentence=lambda f: (f.block, f.sentence_start),
        )
        return SegmentsResponse.model_construct(
            mode="segments",
            findings=findings,
            blocks=blocks,
            summary=overall.summary,
            rule_pack=overall.rule_pack,
            checker_version=overall.checker_version,
            include_all=include_all,
        )

    def _documents(self, req: BatchRequest, filt: FindingFilter, deadline: float | None) -> DocumentsResponse:
        docs = [
            Document(d.id, d.html if d.html is not None else d.text or "", d.html is not None) for d in req.documents or []
        ]
        results: list[DocumentResult] = []
        all_findings: list[Finding] = []
        owner: dict[int, int] = {}  # id(finding) -> its document's place
        sentences = 0
        try:
            checked = list(check_documents(docs, include_all=req.include_all, checker=self.checker, deadline=deadline))
        except DocumentError as exc:
            raise ApiError(422, "invalid_html", f"Document {exc.source!r}: {exc.reason}") from None
        for doc, c in zip(docs, checked):
            report = filt.apply(c.report, req.include_all)
            sentences += report.summary.sentences
            all_findings.extend(report.findings)
            owner.update((id(f), len(results)) for f in report.findings)
            result = _with_input(DocumentResult, report, "html" if doc.is_html else "text", None)
            result.id = doc.source
            results.append(result)
        overall = build_report(
            all_findings, self.checker.pack.info, sentences, req.include_all, __version__, self.checker.judge_info,
            sentence=lambda f: (owner[id(f)], f.sentence_start),
        )
        return DocumentsResponse.model_construct(
            mode="documents",
            documents=results,
            summary=overall.summary,
            rule_pack=overall.rule_pack,
            checker_version=overall.checker_version,
            include_all=req.include_all,
        )


def timed_call(service: CheckService, method: str, request: object, deadline: float | None) -> tuple[bytes, float]:
    """``service.<method>(request, deadline)``: the JSON answer and the seconds the work took
    (for Server-Timing), wherever the check runs (a worker process or a thread)."""
    t0 = time.perf_counter()
    data = getattr(service, method)(request, deadline)
    return data, time.perf_counter() - t0


def log_request_text(req: CheckRequest | BatchRequest) -> None:
    """The opt-in text log (STEMCHECK_LOG_TEXT): each submitted text, cut to its first
    2,000 characters. Called in the server process, whose logging is configured (check
    workers' is not)."""
    if isinstance(req, CheckRequest):
        items = [("html", req.html)] if req.html is not None else [("text", req.text or "")]
    elif req.segments is not None:
        items = [(f"segment {s.id!r}", s.text) for s in req.segments]
    else:
        items = [
            (f"document {d.id!r} {'html' if d.html is not None else 'text'}", d.html if d.html is not None else d.text or "")
            for d in req.documents or []
        ]
    for kind, text in items:
        cut = text[:_LOGGED_CHARS]
        logger.info("check %s (%d chars): %r%s", kind, len(text), cut, "…" if len(text) > len(cut) else "")


def _with_input(cls, report: Report, kind: str, text: str | None):
    # model_construct: the report was built and validated by the core already.
    fields = dict(report.__dict__)
    if cls is DocumentResult:
        fields["id"] = ""
    return cls.model_construct(**fields, input=kind, text=text)


def _pieces(start: int, end: int, group: list[Segment], parts: Parts) -> list[Piece]:
    """The block span [start, end) as one piece per segment it covers."""
    pieces: list[Piece] = []
    for k, a, b in parts.split(start, end):
        ua, ub = utf16_offsets(group[k].text, (a, b))
        pieces.append(Piece(segment_id=group[k].id, start_utf16=ua, end_utf16=ub, start=a, end=b))
    return pieces
