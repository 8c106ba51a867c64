"""Audit the rule pack against the corpus's train split (never the test split).

    .venv/bin/python training/audit_rules.py [--json]

For every pattern of every rule: how many of its rule's own must-fire examples it matches,
and on train (+ dev) how many claim and honest sentences it raises a warning on. Lists the
rule false alarms on train honest sentences. `make train` does not run this; it is the
evidence for pruning or repairing patterns (checker/rules/pack/README.md says how).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.findings.candidates import is_warning  # noqa: E402
from checker.pipeline import rules_checker  # noqa: E402
from checker.text.normalise import normalise  # noqa: E402


def pattern_hits(checker, text: str) -> set[tuple[str, int]]:
    doc = checker.nlp(normalise(text).text)
    return {(c.raw.rule.id, c.raw.pattern_index) for c in checker._candidates(doc) if is_warning(c)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--corpus", type=Path, help="default corpus/sentences.jsonl")
    a = ap.parse_args()
    checker = rules_checker()
    rows = [json.loads(l) for l in (Path(sys.argv[sys.argv.index("--corpus") + 1]) if "--corpus" in sys.argv else ROOT / "corpus" / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["split"] == "train" and r["label"] in ("claim", "honest")]
    dev = ROOT.parent / "shared" / "data" / "dev.jsonl"
    if dev.exists():
        rows += [json.loads(l) for l in dev.read_text(encoding="utf-8").splitlines() if l.strip()]
    examples: dict[tuple[str, int], int] = defaultdict(int)
    for rule in checker.pack.rules:
        for text in rule.examples.fire_texts:
            for rid, idx in pattern_hits(checker, text):
                if rid == rule.id:
                    examples[(rid, idx)] += 1
    claim_hits: dict[tuple[str, int], int] = defaultdict(int)
    honest_hits: dict[tuple[str, int], list[str]] = defaultdict(list)
    for r in rows:
        for key in pattern_hits(checker, r["text"]):
            if r["label"] == "claim":
                claim_hits[key] += 1
            else:
                honest_hits[key].append(r.get("id", "") + " " + r["text"])
    table = []
    for rule in checker.pack.rules:
        for i, pat in enumerate(rule.patterns):
            key = (rule.id, i)
            table.append({"rule": rule.id, "index": i, "pattern": pat if isinstance(pat, str) else "raw",
                          "examples": examples[key], "claims": claim_hits[key], "honest": len(honest_hits[key]),
                          "false_alarms": honest_hits[key][:5]})
    if a.json:
        print(json.dumps(table, indent=1))
        return 0
    unexercised = [t for t in table if not t["examples"]]
    print(f"{len(table)} patterns; {len(unexercised)} matched by none of their rule's examples")
    print(f"{sum(1 for t in unexercised if t['claims'])} of those hit train claims, "
          f"{sum(1 for t in unexercised if not t['claims'] and t['honest'])} only honest, "
          f"{sum(1 for t in unexercised if not t['claims'] and not t['honest'])} nothing")
    print("\nPatterns with false alarms on train:")
    for t in sorted(table, key=lambda t: -t["honest"]):
        if t["honest"]:
            print(f"  {t['rule']}[{t['index']}] claims {t['claims']} honest {t['honest']}: {t['pattern'][:90]}")
            for fa in t["false_alarms"][:3]:
                print(f"      - {fa[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
