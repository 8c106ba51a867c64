#!/usr/bin/env python3
"""Check that corpus sentences share no run of more than five words with their source.

The originals are never stored in the project: a reader keeps the excerpt of each page it
paraphrases in SRC_DIR (default /tmp/stemcheck-src), one file per page named by
`sha256(url)[:16] + ".txt"`. Usage:
    python3 corpus/tools/overlap.py FILE.jsonl [...] [--src DIR] [--n 6]
prints every sentence sharing an N-word run (default 6) with its source's excerpt and
exits 1 if there is any; sentences whose source excerpt is missing are counted.
"""
import argparse, hashlib, json, pathlib, re, sys

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("\u2019", "'"))


def ngrams(ws: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}


def src_path(src_dir: pathlib.Path, url: str) -> pathlib.Path:
    return src_dir / (hashlib.sha256(url.strip().encode()).hexdigest()[:16] + ".txt")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--src", default="/tmp/stemcheck-src")
    ap.add_argument("--n", type=int, default=6)
    a = ap.parse_args()
    src_dir = pathlib.Path(a.src)
    cache: dict[str, set | None] = {}
    bad = missing = total = 0
    for f in a.files:
        for line in open(f, encoding="utf-8"):
            if not line.strip():
                continue
            row = json.loads(line)
            total += 1
            url = row.get("source", "")
            if url not in cache:
                p = src_path(src_dir, url)
                cache[url] = ngrams(words(p.read_text(encoding="utf-8", errors="replace")), a.n) if p.exists() else None
            grams = cache[url]
            if grams is None:
                missing += 1
                continue
            shared = ngrams(words(row["text"]), a.n) & grams
            if shared:
                bad += 1
                print(f"{row.get('id')}: shares {' '.join(next(iter(shared)))!r} with {url}")
    print(f"{total} sentences, {bad} share a {a.n}-word run, {missing} without a stored excerpt")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
