"""Write blind copies (id + text only) of draft lines not yet given to a second reader.
Usage: python3 snapshot.py TAG   -> <name>/blind-TAG.jsonl for each reader folder"""
import json, pathlib, sys
tag = sys.argv[1]
here = pathlib.Path(__file__).parent
for d in sorted(p for p in here.iterdir() if p.is_dir()):
    given = set()
    for b in d.glob("blind-*.jsonl"):
        given |= {json.loads(l)["id"] for l in b.read_text().splitlines() if l.strip()}
    rows = []
    for l in (d / "draft.jsonl").read_text().splitlines() if (d / "draft.jsonl").exists() else []:
        try:
            r = json.loads(l)
        except json.JSONDecodeError:
            continue
        if r.get("id") and r["id"] not in given and r.get("text"):
            rows.append({"id": r["id"], "text": r["text"]})
    if rows:
        (d / f"blind-{tag}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(d.name, len(rows))
