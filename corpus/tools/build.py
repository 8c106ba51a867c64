#!/usr/bin/env python3
"""Merge the readings in corpus/work/ into corpus/sentences.jsonl and corpus/pages.jsonl.

Inputs, per reader folder corpus/work/<name>/:
  draft.jsonl       first reading: the paraphrase, its source and its label (GUIDELINES.md)
  reading-b.jsonl   second, independent reading of the same ids: {id, label, cautions}
  pages.jsonl       whole pages paraphrased in order (page verdict measurement)
and corpus/work/adjudication*.jsonl: third readings {id, label, cautions, reason} for the ids
whose two readings disagree.

The split is by site: a host's pages all go to `train` or all to `test`, chosen by a hash of
the host so that adding sentences never moves a site from one split to the other.
Prints the agreement figures (Cohen's kappa) that corpus/README.md reports.
"""
from __future__ import annotations

import hashlib, json, re, sys, urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "work"
CAUTIONS = [f"C{i}" for i in range(1, 11)]
LABELS = ("claim", "honest", "ambiguous")
TEST_SHARE = 22  # percent of hosts in the test split
# Clinic vocabulary: an honest sentence that uses it is a "hard" honest sentence.
HARD = re.compile(
    r"\b(cur(e|es|ed|ing|ative)|repair\w*|regenerat\w*|fda|approv\w*|safe\w*|success\w*|candidate\w*|"
    r"results?|breakthrough\w*|proven|effective\w*|restor\w*|revers\w*|heal\w*|risk[- ]free|side effects?|"
    r"guarantee\w*|miracle\w*|myelin|eligib\w*)\b", re.I)


def host_of(url: str) -> str:
    host = urllib.parse.urlsplit(url.strip()).netloc.lower().split("@")[-1].split(":")[0]
    return host[4:] if host.startswith("www.") else host


def split_of(host: str) -> str:
    return "test" if int(hashlib.sha256(host.encode()).hexdigest(), 16) % 100 < TEST_SHARE else "train"


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{n}: {exc}")
    return rows


def clean_cautions(cs) -> list[str]:
    out = []
    for c in cs or []:
        c = str(c).strip().upper()
        if c in CAUTIONS and c not in out:
            out.append(c)
    return out


def kappa(a: list, b: list) -> float:
    n = len(a)
    if not n:
        return float("nan")
    po = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


WORDS = re.compile(r"[a-z0-9]+")
NEAR_DUPLICATE = 0.6  # word-set Jaccard at which two paraphrases count as the same sentence


def near_duplicates(rows: list[dict]) -> set[int]:
    """Indexes of rows that repeat an earlier row in other words: two readers paraphrasing
    one source sentence, or a story syndicated on two sites (which could otherwise put one
    sentence in both splits). Candidates share a rare word; Jaccard decides."""
    sets = [frozenset(WORDS.findall(r["text"].lower())) for r in rows]
    df = Counter(w for s in sets for w in s)
    index: dict[str, list[int]] = {}
    drop: set[int] = set()
    for i, s in enumerate(sets):
        rare = sorted((w for w in s if df[w] <= 30), key=lambda w: df[w])[:6]
        seen: set[int] = set()
        for w in rare:
            for j in index.get(w, ()):
                if j in seen or j in drop:
                    continue
                seen.add(j)
                if len(s & sets[j]) / max(1, len(s | sets[j])) >= NEAR_DUPLICATE:
                    drop.add(i)
                    break
            if i in drop:
                break
        if i not in drop:
            for w in rare:
                index.setdefault(w, []).append(i)
    return drop


def second_readings(folder: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """The second reading of each id and the text it was made on. An id given to second
    readers several times (its text changed in between) appears in several blind files,
    and each reader appended one line for it, in the order the blind files were given:
    the k-th line for an id reads its k-th blind copy. Only a reading of the latest copy
    counts."""
    copies: dict[str, list[str]] = {}
    for path in sorted(folder.glob("blind-*.jsonl"), key=lambda p: int(p.stem.split("-")[1])):
        for r in read_jsonl(path):
            copies.setdefault(r["id"], []).append(" ".join(r["text"].split()))
    lines: dict[str, list[dict]] = {}
    for r in read_jsonl(folder / "reading-b.jsonl"):
        lines.setdefault(r["id"], []).append(r)
    second, blind = {}, {}
    for rid, texts in copies.items():
        got = lines.get(rid, [])
        if len(got) >= len(texts):
            second[rid] = got[len(texts) - 1]
            blind[rid] = texts[-1]
    return second, blind


def needs_third(a: dict, b: dict) -> bool:
    if a["label"] != b["label"]:
        return True
    return a["label"] == "claim" and not set(a["cautions"]) & set(b["cautions"])


def main() -> int:
    # --provisional: a development copy labelled by the first reading alone, written to
    # corpus/work/provisional.jsonl (never used for figures).
    provisional = "--provisional" in sys.argv[1:]
    adjudicated = {r["id"]: r for path in sorted(WORK.glob("adjudication*.jsonl")) for r in read_jsonl(path)}
    out, pages, pairs, missing_b, pending = [], [], [], 0, []
    seen_text: set[str] = set()
    for folder in sorted(p for p in WORK.iterdir() if p.is_dir()):
        second, blind = second_readings(folder)
        for row in read_jsonl(folder / "draft.jsonl"):
            text = " ".join(str(row.get("text", "")).split())
            key = text.lower()
            if not text or key in seen_text or row.get("label") not in LABELS or not row.get("source"):
                continue
            seen_text.add(key)
            a = {"label": row["label"], "cautions": clean_cautions(row.get("cautions"))}
            b_row = {"label": a["label"], "cautions": a["cautions"]} if provisional else second.get(row["id"])
            if not provisional and blind.get(row["id"]) != text:
                b_row = None  # the first reader changed the text after it was last read
            if b_row is None or b_row.get("label") not in LABELS:
                missing_b += 1
                continue
            b = {"label": b_row["label"], "cautions": clean_cautions(b_row.get("cautions"))}
            pairs.append((a, b))
            final = {"label": a["label"], "cautions": [c for c in a["cautions"] if c in b["cautions"]]}
            reason = None
            if needs_third(a, b):
                third = adjudicated.get(row["id"])
                if third is None:
                    pending.append(row["id"])
                    continue
                final = {"label": third["label"], "cautions": clean_cautions(third.get("cautions"))}
                reason = third.get("reason", "")
            elif final["label"] == "honest" and not final["cautions"]:
                final["cautions"] = a["cautions"] or b["cautions"]
            if final["label"] == "claim" and not final["cautions"]:
                final["cautions"] = a["cautions"] or b["cautions"]
            span = None
            st = row.get("span_text")
            if final["label"] == "claim":
                i = text.find(" ".join(str(st).split())) if st else -1
                span = [i, i + len(" ".join(str(st).split()))] if i >= 0 and st else [0, len(text)]
            host = host_of(row["source"])
            out.append({
                "id": row["id"], "text": text, "label": final["label"], "cautions": final["cautions"],
                "span": span, "ms_specific": bool(row.get("ms_specific")),
                "condition": row.get("condition") or "general", "source_kind": row.get("source_kind") or "other",
                "source": row["source"].strip(), "site": host, "split": split_of(host),
                "hard": final["label"] == "honest" and bool(HARD.search(text)),
                "readings": [a, b], **({"adjudication": reason} if reason is not None else {}),
            })
        for page in read_jsonl(folder / "pages.jsonl"):
            if page.get("page_label") in ("selling", "honest") and page.get("sentences") and page.get("source"):
                host = host_of(page["source"])
                pages.append({**page, "site": host, "split": split_of(host)})
    dup = near_duplicates(out)
    out = [r for i, r in enumerate(out) if i not in dup]
    if pending:
        (WORK / "pending-adjudication.txt").write_text("\n".join(pending) + "\n", encoding="utf-8")
    with open(WORK / "provisional.jsonl" if provisional else ROOT / "sentences.jsonl", "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    if provisional:
        return 0
    with open(ROOT / "pages.jsonl", "w", encoding="utf-8") as f:
        for p in pages:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    stats = summarise(out, pairs, pages)
    stats.update(missing_second_reading=missing_b, pending_adjudication=len(pending), near_duplicates_dropped=len(dup))
    (ROOT / "stats.json").write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    write_figures(ROOT / "README.md", stats)
    print(json.dumps(stats, indent=1))
    return 0


START, END = "<!-- figures:start (written by corpus/tools/build.py) -->", "<!-- figures:end -->"


def write_figures(readme: Path, st: dict) -> None:
    """Replace the figures block of the datasheet with this build's counts."""
    if not readme.exists():
        return
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return
    lines = [START, "",
             f"- **{st['scored']} scored sentences** ({st['labels'].get('claim', 0)} claims, {st['labels'].get('honest', 0)} honest; "
             f"claims {st['claim_share']:.1%}) and {st['labels'].get('ambiguous', 0)} ambiguous ones (kept, not scored), "
             f"from **{st['pages']} pages on {st['sites']} sites**.",
             f"- **{st['hard_honest']} hard honest sentences** (honest, with clinic vocabulary).",
             f"- Split by site: train {st['split']['train']['sentences']} sentences from {st['split']['train']['sites']} sites, "
             f"test {st['split']['test']['sentences']} sentences from {st['split']['test']['sites']} sites.",
             f"- Agreement of the two independent readings: Cohen's kappa **{st['kappa_label']}** on the label "
             f"(raw agreement {st['label_agreement']:.1%}); {st['adjudicated']} sentences settled by a third reading.",
             f"- Whole pages: {st['whole_pages']['total']} ({st['whole_pages']['selling']} selling, {st['whole_pages']['honest']} honest).",
             "", "| caution | claims | honest | kappa (caution listed or not) |", "|---|---|---|---|"]
    for c, v in st["per_caution"].items():
        lines.append(f"| {c} | {v['claim']} | {v['honest']} | {v['kappa']} |")
    lines += ["", "| source kind | sentences |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in st["source_kind"].items()]
    lines += ["", "| condition | sentences |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in st["condition"].items()]
    lines += ["", END]
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    readme.write_text(head + "\n".join(lines) + tail, encoding="utf-8")


def summarise(rows: list[dict], pairs: list[tuple[dict, dict]], pages: list[dict]) -> dict:
    scored = [r for r in rows if r["label"] != "ambiguous"]
    by = lambda key: dict(Counter(r[key] for r in scored).most_common())
    per_caution = {}
    for c in CAUTIONS:
        per_caution[c] = {
            "claim": sum(r["label"] == "claim" and c in r["cautions"] for r in scored),
            "honest": sum(r["label"] == "honest" and c in r["cautions"] for r in scored),
            "kappa": round(kappa([c in a["cautions"] for a, _ in pairs], [c in b["cautions"] for _, b in pairs]), 3),
        }
    return {
        "sentences": len(rows), "scored": len(scored), "labels": dict(Counter(r["label"] for r in rows)),
        "claim_share": round(sum(r["label"] == "claim" for r in scored) / max(1, len(scored)), 3),
        "hard_honest": sum(r["hard"] for r in scored),
        "pages": len({r["source"] for r in scored}), "sites": len({r["site"] for r in scored}),
        "split": {s: {"sentences": sum(r["split"] == s for r in scored), "sites": len({r["site"] for r in scored if r["split"] == s})} for s in ("train", "test")},
        "source_kind": by("source_kind"), "condition": by("condition"),
        "per_caution": per_caution,
        "kappa_label": round(kappa([a["label"] for a, _ in pairs], [b["label"] for _, b in pairs]), 3),
        "label_agreement": round(sum(a["label"] == b["label"] for a, b in pairs) / max(1, len(pairs)), 3),
        "adjudicated": sum("adjudication" in r for r in rows),
        "whole_pages": {"total": len(pages), "selling": sum(p["page_label"] == "selling" for p in pages), "honest": sum(p["page_label"] == "honest" for p in pages)},
    }


if __name__ == "__main__":
    sys.exit(main())
