"""Every pattern is exercised by one of its rule's own examples, or it goes.

    .venv/bin/python training/prune_patterns.py [--apply] [--corpus corpus/sentences.jsonl]

For each pattern that none of its rule's must-fire examples matches:
- if it raises its rule's warning on a `train` claim of the corpus whose cautions include
  the rule's caution, that sentence (the shortest such, our own paraphrase) becomes a
  must-fire example of the rule, with the flagged words marked;
- otherwise the pattern caught nothing real in the corpus and is deleted.
Only the train split is read. Without --apply it prints what it would do.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.engine import Checker, _is_warning  # noqa: E402
from checker.normalise import normalise  # noqa: E402
from checker.pack import load_pack  # noqa: E402

ITEM = re.compile(r"^(\s*)- ")


def hits(checker: Checker, text: str) -> dict[tuple[str, int], tuple[str, str]]:
    """(rule id, pattern index) -> (the rule's flagged words, assertion), for warnings only."""
    norm = normalise(text)
    doc = checker.nlp(norm.text)
    out = {}
    for c in checker._candidates(doc):
        if _is_warning(c):
            start, end = norm.to_original(c.n_start, c.n_end)
            out.setdefault((c.raw.rule.id, c.raw.pattern_index), (text[start:end], c.assertion.value))
    return out


def block_lines(lines: list[str], rule_id: str, key: str) -> list[int]:
    """Line numbers of the list items under `key:` in the rule `rule_id`."""
    start = next(i for i, l in enumerate(lines) if re.match(rf"^\s*- id: {re.escape(rule_id)}\s*$", l))
    key_line = next(i for i in range(start + 1, len(lines)) if re.match(rf"^\s*{key}:\s*$", lines[i]))
    indent = len(lines[key_line]) - len(lines[key_line].lstrip())
    items = []
    for i in range(key_line + 1, len(lines)):
        l = lines[i]
        if not l.strip() or l.lstrip().startswith("#"):
            continue
        if len(l) - len(l.lstrip()) <= indent:
            break
        m = ITEM.match(l)
        if m and len(m.group(1)) > indent:
            items.append(i)
    return items


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--apply", action="store_true")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "sentences.jsonl")
    a = ap.parse_args()
    pack = load_pack()
    checker = Checker(pack, judge=None)
    rows = [json.loads(l) for l in a.corpus.read_text(encoding="utf-8").splitlines() if l.strip()]
    claims = sorted((r for r in rows if r["split"] == "train" and r["label"] == "claim"), key=lambda r: len(r["text"]))
    exercised: set[tuple[str, int]] = set()
    for rule in pack.rules:
        for text in rule.examples.fire_texts:
            exercised |= {k for k in hits(checker, text) if k[0] == rule.id}
    caught: dict[tuple[str, int], tuple[str, str]] = {}
    for r in claims:
        for key, found in hits(checker, r["text"]).items():
            caution = pack.category_of(key[0]).caution
            if key not in caught and caution in r["cautions"]:
                caught[key] = (r["text"], *found)
    add: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    delete: dict[str, list[int]] = defaultdict(list)
    for rule in pack.rules:
        seen_examples = set(rule.examples.fire_texts)
        for i in range(len(rule.patterns)):
            key = (rule.id, i)
            if key in exercised:
                continue
            if key in caught and caught[key][0] not in seen_examples:
                add[rule.id].append(caught[key])
                seen_examples.add(caught[key][0])
            elif key not in caught:
                delete[rule.id].append(i)
    print(f"{sum(len(v) for v in add.values())} examples to add, {sum(len(v) for v in delete.values())} patterns to delete")
    if not a.apply:
        for rid, idx in delete.items():
            print(f"  delete {rid}: {idx}")
        return 0
    for path in sorted(pack.directory.glob("*.yaml")):
        if path.name in ("pack.yaml", "assertion.yaml"):
            continue
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        data = yaml.safe_load("".join(lines))
        for rule in data["rules"]:
            rid = rule["id"]
            if rid in delete:
                items = block_lines(lines, rid, "patterns")
                for i in sorted(delete[rid], reverse=True):
                    del lines[items[i]]
            if rid in add:
                fire = block_lines(lines, rid, "fire")
                indent = ITEM.match(lines[fire[-1]]).group(1)
                new = []
                for t, span, status in add[rid]:
                    marked = json.dumps(t.replace(span, "<marker>" + span + "</marker>", 1), ensure_ascii=False)
                    new.append(f"{indent}- {marked}\n" if status == "asserted"
                               else f"{indent}- {{text: {marked}, assertion: {status}}}\n")
                lines[fire[-1] + 1 : fire[-1] + 1] = new
        path.write_text("".join(lines), encoding="utf-8")
    load_pack()  # the edited pack must still validate
    return 0


if __name__ == "__main__":
    sys.exit(main())
