"""Check whole documents, plain text or HTML, and keep each finding's place in the source:
the one extract -> check -> map-back loop, used by the command line and the API.

HTML is reduced to its visible text first (extract_html); findings are then
mapped back to the submitted HTML through the extractor's explicit map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from checker.pipeline import Checker, default_checker
from checker.input.html import ExtractedHtml, HtmlInputError, extract_html
from checker.input.files import Document
from checker.models import Report


@dataclass(frozen=True)
class Checked:
    source: str
    text: str  # the text the offsets index into (visible text for HTML)
    report: Report
    html: ExtractedHtml | None = None


class DocumentError(ValueError):
    """A document that cannot be checked (HTML the extractor refuses), named by its source."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def add_html_offsets(report: Report, extracted: ExtractedHtml) -> None:
    for f in report.findings:
        f.html_start, f.html_end = extracted.to_source(f.start, f.end)


def check_documents(
    docs: Iterable[Document], *, include_all: bool = False, checker: Checker | None = None,
    deadline: float | None = None,
) -> Iterator[Checked]:
    """Stream documents through nlp.pipe, in order. Every document's HTML is extracted
    before any is checked, so a refused one (DocumentError) stops the batch before work
    is spent on the others."""
    checker = checker or default_checker()
    prepared: list[tuple[Document, str, ExtractedHtml | None]] = []
    for doc in docs:
        try:
            extracted = extract_html(doc.text) if doc.is_html else None
        except HtmlInputError as exc:
            raise DocumentError(doc.source, str(exc)) from None
        prepared.append((doc, extracted.text if extracted else doc.text, extracted))
    reports = checker.check_many((text for _, text, _ in prepared), include_all=include_all, deadline=deadline)
    for (doc, text, extracted), report in zip(prepared, reports):
        if extracted is not None:
            add_html_offsets(report, extracted)
        yield Checked(doc.source, text, report, extracted)
