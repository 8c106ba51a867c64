"""Every pattern is exercised by one of its rule's own examples, or it goes.

    .venv/bin/python training/prune_patterns.py [--apply] [--corpus corpus/sentences.jsonl]
        [--written FILE] [--delete-unexercised]

For each pattern that none of its rule's must-fire examples matches:
- if it raises its rule's warning on a known claim whose cautions include the rule's
  caution (a `train` claim of the corpus or a claim of ../shared/data/dev.jsonl, both our
  own paraphrases), or on a sentence of the bundled example clinic page, that sentence
  (the shortest such) becomes a must-fire example of the rule, with the flagged words
  marked;
- if it raised warnings only on honest train sentences, it is deleted (a false alarm with
  nothing to show for it);
- if it caught nothing at all, it stays listed in training/unexercised.jsonl until someone
  writes an example for it: --written FILE takes lines {rule, index, example} (the example
  with <marker>...</marker>), checks that the pattern really flags the marked words, and
  adds the good ones; --delete-unexercised deletes what is still unexercised after that.
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

from checker.findings.candidates import is_warning  # noqa: E402
from checker.pipeline import Checker  # noqa: E402
from checker.text.normalise import normalise  # noqa: E402
from checker.rules.loader import load_pack  # noqa: E402

ITEM = re.compile(r"^(\s*)- ")
NAMED = re.compile(r"^(\s*)[a-z0-9-]+: ")


def hits(checker: Checker, text: str) -> dict[tuple[str, int], tuple[str, str]]:
    """(rule id, pattern index) -> (the rule's flagged words, assertion), for warnings only."""
    norm = normalise(text)
    doc = checker.nlp(norm.text)
    out = {}
    for c in checker._candidates(doc):
        if is_warning(c):
            start, end = norm.to_original(c.n_start, c.n_end)
            out.setdefault((c.raw.rule.id, c.raw.pattern_index), (text[start:end], c.assertion.value))
    return out


def block_lines(lines: list[str], rule_id: str, key: str) -> list[int]:
    """Line numbers of the entries under `key:` in the rule `rule_id`: list items, or the
    `name: pattern` lines of a mapping (patterns)."""
    start = next(i for i, l in enumerate(lines) if re.match(rf"^\s*- id: {re.escape(rule_id)}\s*$", l))
    key_line = next(i for i in range(start + 1, len(lines)) if re.match(rf"^\s*{key}:\s*$", lines[i]))
    indent = len(lines[key_line]) - len(lines[key_line].lstrip())
    items: list[int] = []
    child = None  # the indentation of the block's entries
    for i in range(key_line + 1, len(lines)):
        l = lines[i]
        if not l.strip() or l.lstrip().startswith("#"):
            continue
        depth = len(l) - len(l.lstrip())
        if depth <= indent:
            break
        child = depth if child is None else child
        if depth == child and (ITEM.match(l) or NAMED.match(l)):
            items.append(i)
    return items


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--apply", action="store_true")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "sentences.jsonl")
    ap.add_argument("--written", type=Path, help="examples written for unexercised patterns")
    ap.add_argument("--delete-unexercised", action="store_true")
    a = ap.parse_args()
    pack = load_pack()
    checker = Checker(pack, judge=None)
    rows = [json.loads(l) for l in a.corpus.read_text(encoding="utf-8").splitlines() if l.strip()]
    claims = [r for r in rows if r["split"] == "train" and r["label"] == "claim"]
    honest = [r["text"] for r in rows if r["split"] == "train" and r["label"] == "honest"]
    dev = ROOT.parent / "shared" / "data" / "dev.jsonl"
    if dev.exists():
        claims += [r for r in map(json.loads, dev.read_text(encoding="utf-8").splitlines()) if r["label"] == "claim"]
    # The example clinic page is all claims, written for the pack: any category may count.
    page = (ROOT / "examples" / "clinic-page.txt").read_text(encoding="utf-8")
    claims += [{"text": s.strip(), "cautions": [f"C{i}" for i in range(1, 11)]}
               for s in re.split(r"(?<=[.!?])\s+|\n+", page) if len(s.split()) >= 4]
    claims.sort(key=lambda r: len(r["text"]))
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
    false_alarm: set[tuple[str, int]] = set()
    for text in honest:
        false_alarm |= set(hits(checker, text))
    written: dict[tuple[str, int], tuple[str, str, str]] = {}
    if a.written:
        for line in a.written.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            w = json.loads(line)
            key = (w["rule"], int(w["index"]))
            m = re.search(r"<marker>(.*?)</marker>", w["example"])
            if key in written or not m:
                continue
            plain = w["example"].replace("<marker>", "").replace("</marker>", "")
            got = hits(checker, plain).get(key)
            if got and got[0] == m.group(1) and all(
                    k[0] != key[0] or v[0] == m.group(1) for k, v in hits(checker, plain).items() if k[0] == key[0]):
                written[key] = (plain, *got)
    add: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    delete: dict[str, list[int]] = defaultdict(list)
    unexercised = []
    for rule in pack.rules:
        seen_examples = set(rule.examples.fire_texts)
        for i in range(len(rule.patterns)):
            key = (rule.id, i)
            if key in exercised:
                continue
            source = caught.get(key) or written.get(key)
            if source and source[0] not in seen_examples:
                add[rule.id].append(source)
                seen_examples.add(source[0])
            elif source:
                continue
            elif key in false_alarm or a.delete_unexercised:
                delete[rule.id].append(i)
            else:
                unexercised.append({"rule": rule.id, "index": i, "pattern": rule.patterns[i], "message": rule.message})
    (ROOT / "training" / "unexercised.jsonl").write_text(
        "".join(json.dumps(u, ensure_ascii=False) + "\n" for u in unexercised), encoding="utf-8")
    print(f"{sum(len(v) for v in add.values())} examples to add ({len(written)} written ones checked good), "
          f"{sum(len(v) for v in delete.values())} patterns to delete, {len(unexercised)} unexercised left")
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
