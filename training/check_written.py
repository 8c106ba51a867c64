"""Check examples written for unexercised patterns (see training/prune_patterns.py).

    .venv/bin/python training/check_written.py FILE.jsonl
Each line {rule, index, example}: the example must make pattern `index` of `rule` raise the
rule's warning on exactly the words inside <marker>...</marker>. Prints OK or FAIL per line.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.pipeline import Checker  # noqa: E402
from checker.rules.loader import load_pack  # noqa: E402
from training.prune_patterns import hits  # noqa: E402


def main() -> int:
    checker = Checker(load_pack(), judge=None)
    bad = 0
    for n, line in enumerate(Path(sys.argv[1]).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        w = json.loads(line)
        m = re.search(r"<marker>(.*?)</marker>", w["example"])
        plain = w["example"].replace("<marker>", "").replace("</marker>", "")
        found = hits(checker, plain)
        got = found.get((w["rule"], int(w["index"])))
        rule_spans = {v[0] for k, v in found.items() if k[0] == w["rule"]}
        if not m:
            verdict = "FAIL no <marker>...</marker>"
        elif not got:
            verdict = f"FAIL pattern {w['index']} does not warn here (rule spans: {sorted(rule_spans)})"
        elif got[0] != m.group(1) or rule_spans != {m.group(1)}:
            verdict = f"FAIL the rule flags {sorted(rule_spans)}, not {m.group(1)!r}"
        else:
            verdict = "OK"
        bad += verdict != "OK"
        print(f"{n}: {w['rule']}[{w['index']}] {verdict}")
    print(f"{bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
