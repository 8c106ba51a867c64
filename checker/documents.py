"""Check whole documents, plain text or HTML, and keep each finding's place in the source.

HTML is reduced to its visible text first (extract_html); findings are then
mapped back to the submitted HTML through the extractor's explicit map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from checker.engine import Checker, default_checker
from checker.input.html import ExtractedHtml, extract_html
from checker.input.files import Document
from checker.models import Report


@dataclass(frozen=True)
class Checked:
    source: str
    text: str  # the text the offsets index into (visible text for HTML)
    report: Report
    html: ExtractedHtml | None = None


def add_html_offsets(report: Report, extracted: ExtractedHtml) -> None:
    for f in report.findings:
        f.html_start, f.html_end = extracted.to_source(f.start, f.end)


def check_documents(
    docs: Iterable[Document], *, include_all: bool = False, checker: Checker | None = None
) -> Iterator[Checked]:
    """Stream documents through nlp.pipe, in order."""
    checker = checker or default_checker()
    prepared: list[tuple[Document, str, ExtractedHtml | None]] = []
    for doc in docs:
        extracted = extract_html(doc.text) if doc.is_html else None
        prepared.append((doc, extracted.text if extracted else doc.text, extracted))
    reports = checker.check_many((text for _, text, _ in prepared), include_all=include_all)
    for (doc, text, extracted), report in zip(prepared, reports):
        if extracted is not None:
            add_html_offsets(report, extracted)
        yield Checked(doc.source, text, report, extracted)
