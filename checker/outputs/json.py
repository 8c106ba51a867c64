"""Every report as one JSON document, as the API returns it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from checker import __version__

if TYPE_CHECKING:
    from checker.outputs import Result


def render(results: Sequence[Result]) -> str:
    doc = {
        "stemcheck": __version__,
        "results": [
            {"source": r.source, "report": r.report.model_dump(mode="json")} for r in results
        ],
    }
    # Key order follows the models' field order, which is fixed; no set or
    # hash ordering is involved, so the output is byte-stable.
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
