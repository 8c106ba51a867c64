"""One JSON object per finding per line (JSON Lines), for pipelines and jq."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from checker.outputs._common import ordered

if TYPE_CHECKING:
    from checker.outputs import Result


def render(results: Sequence[Result]) -> str:
    lines = []
    for r in results:
        pack = r.report.rule_pack
        for f in ordered(r.report):
            row = {"source": r.source, **f.model_dump(mode="json")}
            row["rule_pack_version"] = pack.version
            row["rule_pack_hash"] = pack.hash
            row["checker_version"] = r.report.checker_version
            lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    return "".join(lines)
