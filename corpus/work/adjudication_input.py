"""Write adjudicate-TAG.jsonl: the sentences whose two readings disagree and have no third
reading yet, with both readings. Usage: python3 adjudication_input.py TAG"""
import json, pathlib, sys
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tools"))
import build  # noqa: E402
here = pathlib.Path(__file__).parent
done = {json.loads(l)["id"] for p in here.glob("adjudication*.jsonl") for l in p.read_text().splitlines() if l.strip()}
for p in here.glob("adjudicate-*.jsonl"):
    done |= {json.loads(l)["id"] for l in p.read_text().splitlines() if l.strip()}
out = []
for d in sorted(p for p in here.iterdir() if p.is_dir()):
    second, blind = build.second_readings(d)
    for r in build.read_jsonl(d / "draft.jsonl"):
        text = " ".join(str(r.get("text", "")).split())
        b = second.get(r["id"])
        if not b or blind.get(r["id"]) != text or r["id"] in done or r.get("label") not in build.LABELS:
            continue
        a = {"label": r["label"], "cautions": build.clean_cautions(r.get("cautions")), "note": r.get("note", "")}
        bb = {"label": b.get("label"), "cautions": build.clean_cautions(b.get("cautions")), "note": b.get("note", "")}
        if bb["label"] in build.LABELS and build.needs_third(a, bb):
            out.append({"id": r["id"], "text": text, "reading_1": a, "reading_2": bb})
tag = sys.argv[1]
(here / f"adjudicate-{tag}.jsonl").write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in out))
print(len(out), "to adjudicate")
