"""Pages for the audit tests (imported by name: conftest modules of several folders clash)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLAIMS = [
    "Our stem cell therapy cures multiple sclerosis.",
    "The treatment is FDA-approved and has no side effects.",
    "Every patient is a candidate, whatever the stage of their MS.",
    "You can stop your MS medication after the infusion.",
]
HONEST = "Stem cells are not a cure for MS; talk to your neurologist before any decision."


def page_html(i: int) -> str:
    claim = CLAIMS[i % len(CLAIMS)]
    return f"<html><body><h1>Clinic {i}</h1><p>{claim}</p><p>{HONEST}</p></body></html>"
