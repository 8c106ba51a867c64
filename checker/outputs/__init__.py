"""Render check results for people and machines.

One module per format, each with ``render(results) -> str``:

    text      annotated text for the terminal (``color=True`` for ANSI)
    json      every report, as the API returns it
    jsonl     one finding per line, for pipelines
    csv       one finding per row, for spreadsheets (formula-injection safe)
    markdown  a readable report for publishing or review
    sarif     SARIF 2.1.0, for code-scanning style viewers

All output is deterministic: the same results give byte-identical output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checker.models import Report


@dataclass(frozen=True)
class Result:
    """One checked input: where it came from, its text and its report."""

    source: str  # file path or "<stdin>"
    text: str  # the checked text; finding offsets index into it
    report: Report


FORMATS = ("text", "json", "jsonl", "csv", "markdown", "sarif")


def render(fmt: str, results: Sequence[Result], *, color: bool = False) -> str:
    """Render ``results`` in format ``fmt`` (one of ``FORMATS``).

    ``color`` only affects the text format.
    """
    from checker.outputs import csv, json, jsonl, markdown, sarif, text

    if fmt == "text":
        return text.render(results, color=color)
    renderers = {
        "json": json.render,
        "jsonl": jsonl.render,
        "csv": csv.render,
        "markdown": markdown.render,
        "sarif": sarif.render,
    }
    renderer = renderers.get(fmt)
    if renderer is None:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderer(results)


__all__ = ["FORMATS", "Result", "render"]
