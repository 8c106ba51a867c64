"""Throughput and start-up of the checker, against spaCy's bare tokenizer.

    .venv/bin/python benchmarks/throughput.py [--mb 3] [--seed 13] [--json]

1. Builds ~--mb MB (10^6 bytes) of varied clinic-like text: the sentences of
   examples/*.txt, every rule example of the pack (fire and not_fire) and, when
   present, ../shared/reference/*.txt, shuffled with a fixed seed into
   page-sized documents (~3 KB, in paragraphs).
2. In the same process, over the same documents, each after a warm-up and
   timed 3 times (best kept):
   a. the bare tokenizer: ``spacy.blank("en")`` through ``nlp.pipe``;
   b. the checker: ``checker.check_many`` (pipeline and rule pack built first).
   c. the rules alone: ``rules_checker().check_many`` (no learned judge).
   Prints MB/s and words/s (whitespace-separated words of the input) for each,
   the ratio checker / tokenizer                    Target: ratio >= 0.5,
   and the ratio full checker / rules alone         Target: ratio >= 0.5.
   d. on two mixes of corpus/sentences.jsonl, page-like (one claim in four) and claim-dense
   (claims only): tokenizer, rules alone and full checker MB/s; rules / tokenizer
   (target >= 0.5) and full / tokenizer (target >= 0.2); and normalisation plus the
   checker's tokenizer and sentence splitter alone, the ceiling of rules / tokenizer.
3. Cold start: wall time of a fresh ``python -m checker.cli check
   examples/clinic-page.txt``, best and median of 5.   Target: < 1.5 s.
   For reference, the same for ``python -c "import spacy"``.

``--json`` prints the results as JSON instead of the summary; ``--strict``
exits 1 when a target is missed. The whole run takes well under 2 minutes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
MB = 1_000_000
DOC_BYTES = 3000
TARGET_RATIO = 0.5
TARGET_JUDGE_RATIO = 0.5  # the full checker (rules + judge) against the rules alone
TARGET_RULES_TO_TOKENIZER = 0.5  # issue [4/8], on the corpus mixes
TARGET_FULL_TO_TOKENIZER = 0.2
TARGET_COLD_S = 1.5
COLD_CMD_ARGS = ("check", "examples/clinic-page.txt")

_SENT_SPLIT = re.compile(r"(?<=[.!?…])[\"”’)]?\s+")


# -- the corpus -------------------------------------------------------------------------


def _sentences_of(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        for s in _SENT_SPLIT.split(line):
            s = s.strip()
            if len(s.split()) >= 3:  # drop headings and stray fragments
                out.append(s)
    return out


def collect_sentences() -> tuple[list[str], dict[str, int]]:
    from checker.rules.loader import default_pack

    counts: dict[str, int] = {}
    sentences: list[str] = []
    for path in sorted((ROOT / "examples").glob("*.txt")):
        got = _sentences_of(path.read_text(encoding="utf-8"))
        counts[f"examples/{path.name}"] = len(got)
        sentences += got
    pack_examples = [ex for rule in default_pack().rules for ex in (*rule.examples.fire_texts, *rule.examples.not_fire)]
    counts["rule pack examples"] = len(pack_examples)
    sentences += pack_examples
    if REFERENCE.is_dir():
        ref: list[str] = []
        for path in sorted(REFERENCE.glob("*.txt")):
            ref += _sentences_of(path.read_text(encoding="utf-8", errors="replace"))
        counts["shared/reference"] = len(ref)
        sentences += ref
    return sentences, counts


def corpus_mixes(seed: int) -> dict[str, list[str]]:
    """Sentence pools from corpus/sentences.jsonl (paraphrases of real pages): "page-like",
    one claim in four, and "claim-dense", claims only."""
    claims: list[str] = []
    honest: list[str] = []
    for line in (ROOT / "corpus" / "sentences.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["label"] == "claim":
            claims.append(r["text"])
        elif r["label"] == "honest":
            honest.append(r["text"])
    rng = random.Random(seed)
    rng.shuffle(claims)
    rng.shuffle(honest)
    k = min(len(claims), len(honest) // 3)
    return {"page-like (1 claim in 4)": claims[:k] + honest[: 3 * k], "claim-dense (claims only)": claims}


def build_documents(sentences: list[str], total_bytes: int, seed: int) -> list[str]:
    """Page-sized documents of shuffled sentences, 2-6 sentences a paragraph."""
    rng = random.Random(seed)
    pool: list[str] = []
    docs: list[str] = []
    size = 0
    while size < total_bytes:
        paragraphs: list[str] = []
        para: list[str] = []
        doc_size = 0
        para_len = rng.randint(2, 6)
        while doc_size < DOC_BYTES:
            if not pool:  # a fresh shuffle each pass over the sentences
                pool = sentences[:]
                rng.shuffle(pool)
            s = pool.pop()
            para.append(s)
            doc_size += len(s.encode("utf-8")) + 1
            if len(para) >= para_len:
                paragraphs.append(" ".join(para))
                para, para_len = [], rng.randint(2, 6)
        if para:
            paragraphs.append(" ".join(para))
        doc = "\n\n".join(paragraphs) + "\n"
        docs.append(doc)
        size += len(doc.encode("utf-8"))
    return docs


# -- timing ------------------------------------------------------------------------------


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, list[float], object]:
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times, result


def run_tokenizer(nlp, docs: Iterable[str]) -> int:
    n = 0
    for doc in nlp.pipe(docs, batch_size=64):
        n += len(doc)
    return n


def run_front(checker, docs: Iterable[str]) -> int:
    """Normalisation and the checker's own tokenizer and sentence splitter, no rules."""
    from checker.text.normalise import normalise

    n = 0
    for doc in checker.nlp.pipe(normalise(d, checker.deleet).text for d in docs):
        n += len(doc)
    return n


def run_checker(check_many, docs: Iterable[str]) -> tuple[int, int]:
    warnings = findings = 0
    for report in check_many(docs):
        warnings += report.summary.warnings
        findings += len(report.findings)
    return warnings, findings


def wall_times(cmd: list[str], runs: int, expect: set[int]) -> list[float]:
    env = dict(os.environ)
    env.pop("STEMCHECK_MAX_BYTES", None)
    times = []
    for i in range(runs + 1):  # the first run only warms the OS file cache
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
        elapsed = time.perf_counter() - t0
        if proc.returncode not in expect:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
        if i:
            times.append(elapsed)
    return times


def rate(nbytes: int, words: int, seconds: float) -> dict:
    return {"seconds": round(seconds, 4), "mb_per_s": round(nbytes / MB / seconds, 3),
            "words_per_s": round(words / seconds)}


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=3.0, help="size of the corpus in MB (10^6 bytes); default 3")
    ap.add_argument("--seed", type=int, default=13, help="shuffle seed (default 13)")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per measurement, best kept (default 3)")
    ap.add_argument("--runs", type=int, default=5, help="cold-start runs (default 5)")
    ap.add_argument("--json", action="store_true", help="print machine-readable results")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    if args.mb <= 0 or args.repeat < 1 or args.runs < 1:
        ap.error("--mb, --repeat and --runs must be positive")
    log = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else (lambda *a: print(*a, flush=True))
    started = time.perf_counter()

    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    import spacy

    import checker
    from checker.pipeline import default_checker, rules_checker
    import_s = time.perf_counter() - t0

    sentences, sources = collect_sentences()
    docs = build_documents(sentences, int(args.mb * MB), args.seed)
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    words = sum(len(d.split()) for d in docs)
    log(f"corpus: {len(docs)} documents, {nbytes / MB:.2f} MB, {words:,} words, from "
        f"{len(set(sentences)):,} distinct sentences ({', '.join(f'{k} {v}' for k, v in sources.items())})")

    # (a) the bare tokenizer
    nlp = spacy.blank("en")
    run_tokenizer(nlp, docs[:50])  # warm-up
    tok_best, tok_times, n_tokens = best_of(lambda: run_tokenizer(nlp, docs), args.repeat)
    tok = rate(nbytes, words, tok_best)
    log(f"tokenizer: best {tok_best:.2f}s of {', '.join(f'{t:.2f}' for t in tok_times)} -> "
        f"{tok['mb_per_s']:.2f} MB/s, {tok['words_per_s']:,} words/s")

    # (b) the checker: pipeline and pack built before timing
    t0 = time.perf_counter()
    default_checker()
    build_s = time.perf_counter() - t0
    run_checker(checker.check_many, docs[:50])  # warm-up
    chk_best, chk_times, (n_warnings, n_findings) = best_of(lambda: run_checker(checker.check_many, docs), args.repeat)
    chk = rate(nbytes, words, chk_best)
    ratio = tok_best / chk_best  # = checker MB/s / tokenizer MB/s
    log(f"checker:   best {chk_best:.2f}s of {', '.join(f'{t:.2f}' for t in chk_times)} -> "
        f"{chk['mb_per_s']:.2f} MB/s, {chk['words_per_s']:,} words/s ({n_warnings:,} warnings)")

    # (c) the rules alone, to price the judge
    rules = rules_checker()
    run_checker(rules.check_many, docs[:50])
    rul_best, rul_times, (r_warnings, _) = best_of(lambda: run_checker(rules.check_many, docs), args.repeat)
    rul = rate(nbytes, words, rul_best)
    judge_ratio = rul_best / chk_best  # = full MB/s / rules-only MB/s
    log(f"rules:     best {rul_best:.2f}s of {', '.join(f'{t:.2f}' for t in rul_times)} -> "
        f"{rul['mb_per_s']:.2f} MB/s ({r_warnings:,} warnings); full / rules = {judge_ratio:.2f}")

    # (d) the issue [4/8] measures: each stage against the tokenizer, on corpus text mixes
    mixes = {}
    for name, pool in corpus_mixes(args.seed).items():
        mdocs = build_documents(pool, int(args.mb * MB), args.seed)
        mbytes = sum(len(d.encode("utf-8")) for d in mdocs)
        m_tok, _, _ = best_of(lambda: run_tokenizer(nlp, mdocs), args.repeat)
        m_rul, _, _ = best_of(lambda: run_checker(rules.check_many, mdocs), args.repeat)
        m_chk, _, _ = best_of(lambda: run_checker(checker.check_many, mdocs), args.repeat)
        # The stages every check runs before any rule: normalisation and our tokenizer with
        # its sentence splitter. Their speed bounds rules / tokenizer from above.
        m_front, _, _ = best_of(lambda: run_front(rules, mdocs), args.repeat)
        mixes[name] = {
            "mb": round(mbytes / MB, 3),
            "tokenizer_mb_per_s": round(mbytes / MB / m_tok, 3),
            "rules_mb_per_s": round(mbytes / MB / m_rul, 3),
            "full_mb_per_s": round(mbytes / MB / m_chk, 3),
            "rules_to_tokenizer": round(m_tok / m_rul, 4),
            "full_to_tokenizer": round(m_tok / m_chk, 4),
            "full_to_rules": round(m_rul / m_chk, 3),
            "front_mb_per_s": round(mbytes / MB / m_front, 3),
            "front_to_tokenizer": round(m_tok / m_front, 4),
        }
        log(f"{name}: tokenizer {mixes[name]['tokenizer_mb_per_s']:.2f}, rules {mixes[name]['rules_mb_per_s']:.2f}, "
            f"full {mixes[name]['full_mb_per_s']:.2f} MB/s")

    # cold start, in fresh processes
    cold = wall_times([sys.executable, "-m", "checker.cli", *COLD_CMD_ARGS], args.runs, {0, 1})
    spacy_import = wall_times([sys.executable, "-c", "import spacy"], args.runs, {0})
    bare = wall_times([sys.executable, "-c", "pass"], args.runs, {0})

    def summary(times: list[float]) -> dict:
        return {"best_s": round(min(times), 3), "median_s": round(statistics.median(times), 3),
                "runs_s": [round(t, 3) for t in times]}

    from checker.rules.loader import default_pack

    results = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": {"stemcheck": checker.__version__, "spacy": spacy.__version__,
                     "rule_pack": default_pack().info.version, "rule_pack_hash": default_pack().info.hash},
        "corpus": {"documents": len(docs), "bytes": nbytes, "mb": round(nbytes / MB, 3), "words": words,
                   "spacy_tokens": n_tokens, "distinct_sentences": len(set(sentences)), "sources": sources,
                   "seed": args.seed},
        "tokenizer": {**tok, "runs_s": [round(t, 4) for t in tok_times]},
        "checker": {**chk, "runs_s": [round(t, 4) for t in chk_times], "warnings": n_warnings,
                    "findings": n_findings, "pipeline_build_s": round(build_s, 3),
                    "import_s": round(import_s, 3)},
        "rules_only": {**rul, "runs_s": [round(t, 4) for t in rul_times], "warnings": r_warnings},
        "ratio_checker_to_tokenizer": round(ratio, 3),
        "ratio_full_to_rules": round(judge_ratio, 3),
        "corpus_mixes": mixes,
        "cold_start": {"command": "python -m checker.cli " + " ".join(COLD_CMD_ARGS), **summary(cold)},
        "import_spacy": summary(spacy_import),
        "python_startup": summary(bare),
        "targets": {"ratio_min": TARGET_RATIO, "judge_ratio_min": TARGET_JUDGE_RATIO, "cold_start_max_s": TARGET_COLD_S},
    }
    met = {"ratio": ratio >= TARGET_RATIO, "judge_ratio": judge_ratio >= TARGET_JUDGE_RATIO,
           "cold_start": min(cold) < TARGET_COLD_S}
    results["targets"]["met"] = met
    results["elapsed_s"] = round(time.perf_counter() - started, 1)

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        ok = lambda b: "OK" if b else "MISSED"  # noqa: E731
        c, s, p = results["cold_start"], results["import_spacy"], results["python_startup"]
        print()
        print("=" * 72)
        print(f"stemcheck {checker.__version__} throughput ({nbytes / MB:.2f} MB, {len(docs)} docs of ~3 KB, "
              f"{words:,} words; Python {platform.python_version()}, {os.cpu_count()} CPUs)")
        print("-" * 72)
        print(f"{'':<26}{'MB/s':>10}{'words/s':>14}{'best s':>10}")
        print(f"{'spaCy blank tokenizer':<26}{tok['mb_per_s']:>10.2f}{tok['words_per_s']:>14,}{tok_best:>10.2f}")
        print(f"{'checker.check_many':<26}{chk['mb_per_s']:>10.2f}{chk['words_per_s']:>14,}{chk_best:>10.2f}")
        print(f"{'rules alone':<26}{rul['mb_per_s']:>10.2f}{rul['words_per_s']:>14,}{rul_best:>10.2f}")
        print(f"ratio checker/tokenizer: {ratio:.2f}  (target >= {TARGET_RATIO})  {ok(met['ratio'])}")
        print(f"ratio full/rules alone:  {judge_ratio:.2f}  (target >= {TARGET_JUDGE_RATIO})  {ok(met['judge_ratio'])}")
        print(f"  (checker pipeline build {build_s:.2f}s, imports {import_s:.2f}s, not timed above)")
        print("-" * 72)
        print("corpus text (corpus/sentences.jsonl), MB/s and ratios to the tokenizer "
              f"(targets: rules >= {TARGET_RULES_TO_TOKENIZER}, full >= {TARGET_FULL_TO_TOKENIZER}):")
        for name, m in mixes.items():
            print(f"  {name:<27} tokenizer {m['tokenizer_mb_per_s']:6.2f}  rules {m['rules_mb_per_s']:5.2f} "
                  f"({m['rules_to_tokenizer']:.3f}, {ok(m['rules_to_tokenizer'] >= TARGET_RULES_TO_TOKENIZER)})  "
                  f"full {m['full_mb_per_s']:5.2f} ({m['full_to_tokenizer']:.3f}, "
                  f"{ok(m['full_to_tokenizer'] >= TARGET_FULL_TO_TOKENIZER)}); full/rules {m['full_to_rules']:.2f}")
            print(f"  {'':<27} normalise + sentences alone {m['front_mb_per_s']:5.2f} ({m['front_to_tokenizer']:.3f}): "
                  "the most rules / tokenizer could be if matching cost nothing")
        print("-" * 72)
        print(f"cold start `{c['command']}`:")
        print(f"  best {c['best_s']:.2f}s, median {c['median_s']:.2f}s  (target < {TARGET_COLD_S}s)  "
              f"{ok(met['cold_start'])}")
        print(f"  for reference: `python -c \"import spacy\"` best {s['best_s']:.2f}s, median {s['median_s']:.2f}s; "
              f"bare python best {p['best_s']:.2f}s")
        print("=" * 72)
        print(f"(whole run {results['elapsed_s']:.0f}s)")
    return 1 if args.strict and not all(met.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
