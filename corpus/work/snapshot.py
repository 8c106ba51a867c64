"""Write blind copies (id + text only) of draft lines not yet given to a second reader, or
whose text the first reader changed after it was given (the later reading then replaces the
earlier one in corpus/tools/build.py). Usage: python3 snapshot.py TAG [NAME ...]
-> <name>/blind-TAG.jsonl for each reader folder (or the named ones)."""
import json, pathlib, sys
tag, only = sys.argv[1], set(sys.argv[2:])
here = pathlib.Path(__file__).parent
for d in sorted(p for p in here.iterdir() if p.is_dir() and (not only or p.name in only)):
    given = {}
    for b in sorted(d.glob("blind-*.jsonl")):
        for l in b.read_text().splitlines():
            if l.strip():
                r = json.loads(l)
                given[r["id"]] = r["text"]
    rows = []
    for l in (d / "draft.jsonl").read_text().splitlines() if (d / "draft.jsonl").exists() else []:
        try:
            r = json.loads(l)
        except json.JSONDecodeError:
            continue
        if r.get("id") and r.get("text") and given.get(r["id"]) != r["text"]:
            rows.append({"id": r["id"], "text": r["text"]})
    if rows:
        (d / f"blind-{tag}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(d.name, len(rows))
