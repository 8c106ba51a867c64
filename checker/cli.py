"""The `stemcheck` command line.

Exit status: 0 nothing flagged, 1 something flagged, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Sequence

EXIT_CLEAN, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "jsonl", "csv", "markdown", "sarif")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as documented
        self.print_usage(sys.stderr)
        print(f"stemcheck: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="stemcheck", description="Flag stem-cell marketing claims that contradict medical evidence.")
    p.add_argument("--version", action="store_true", help="print versions and exit")
    sub = p.add_subparsers(dest="command")

    c = sub.add_parser("check", help="check text or HTML files ('-' reads standard input)")
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--format", "-f", choices=FORMATS, default="text")
    c.add_argument("--all", dest="include_all", action="store_true",
                   help="also list negated, questioned, reported and research-framed matches")
    c.add_argument("--no-judge", action="store_true",
                   help="the rules alone, without the learned judge (also STEMCHECK_JUDGE=off)")
    c.add_argument("--max-bytes", type=int, default=None,
                   help="refuse inputs larger than this (default 20 MB or $STEMCHECK_MAX_BYTES)")
    c.add_argument("--html", dest="force_html", action="store_true", help="treat every input as HTML")
    c.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    a = sub.add_parser(
        "audit", help="check many pages into a folder of reports (files, folders, JSONL, WARC, URL lists)",
        description="Check many pages into a folder of reports. INPUT: files, folders, .jsonl files "
        "({id, url?, text|html} a line), .warc/.warc.gz files, or .txt/.urls files of URLs (fetched). "
        "Run it again with the same --out to resume an interrupted audit. "
        "Also: `stemcheck audit runs [--db DB]` lists the runs in a history database, and "
        "`stemcheck audit diff RUN_A RUN_B [--db DB] [--json]` lists the claims added and removed "
        "between two runs (a run id, a prefix of one, or an audit folder).",
    )
    a.add_argument("inputs", nargs="+", metavar="INPUT")
    a.add_argument("--out", "-o", type=Path, help="the audit folder (made if missing)")
    a.add_argument("--db", default=None,
                   help="the history database: a SQLite file (default OUT/audit.sqlite; share one file "
                   "between audits to compare them) or a postgresql:// URL")
    a.add_argument("--json", action="store_true", help="audit diff: print JSON")
    a.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default 1)")
    a.add_argument("--all", dest="include_all", action="store_true", help="also keep non-warning matches")
    a.add_argument("--no-judge", action="store_true", help="the rules alone, without the learned judge")
    a.add_argument("--max-bytes", type=int, default=5 * 1024 * 1024, help="pages larger than this fail (default 5 MB)")
    a.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                   help="the progress bar (default: on a terminal only)")
    a.add_argument("--store", type=Path, default=None,
                   help="where fetched pages are kept (default OUT/store/); give an earlier audit's to reuse it")
    a.add_argument("--from-store", action="store_true",
                   help="fetch nothing: check the copies kept in the store, exactly the same bytes")
    a.add_argument("--timeout", type=float, default=15.0, help="seconds per request when fetching (default 15)")
    a.add_argument("--delay", type=float, default=1.0, help="seconds between requests to one host (default 1)")

    sub.add_parser("rules", help="list categories and rules")

    e = sub.add_parser("explain", help="show one rule with its examples and sources")
    e.add_argument("rule_id")

    v = sub.add_parser("eval", help="precision/recall/F1 on a labelled JSONL file")
    v.add_argument("file")
    v.add_argument("--json", action="store_true", help="print the scores as JSON")
    v.add_argument("--errors", action="store_true", help="list the sentences scored wrong")
    v.add_argument("--split", choices=["train", "test"], help="score only this split of a corpus file")
    v.add_argument("--no-judge", action="store_true", help="score the rules alone")
    v.add_argument("--pages", action="store_true",
                   help="the file holds whole pages (corpus/pages.jsonl): score page verdicts")
    return p


def _err(message: str) -> int:
    print(f"stemcheck: {message}", file=sys.stderr)
    return EXIT_ERROR


def _cmd_check(args: argparse.Namespace) -> int:
    # Input is read before the NLP stack is imported: a bad file is reported
    # at once instead of after a second of loading.
    from checker.input.files import Document, InputError, read_document

    if args.max_bytes is not None and args.max_bytes <= 0:
        return _err("--max-bytes must be positive")
    if args.files.count("-") > 1:
        return _err("standard input ('-') can be given only once")
    # Every file is tried: the good ones are reported, each bad one named, and the exit
    # status is 2 if any was bad.
    errors: list[str] = []
    docs = []
    for f in args.files:
        try:
            docs.append(read_document(f, max_bytes=args.max_bytes))
        except InputError as exc:
            errors.append(str(exc))
    if args.force_html:
        docs = [Document(d.source, d.text, True) for d in docs]
    from checker.documents import DocumentError, check_documents
    from checker.outputs import Result, render
    from checker.pipeline import rules_checker

    checker = rules_checker() if args.no_judge else None
    checked = []
    while docs:
        try:
            checked = list(check_documents(docs, include_all=args.include_all, checker=checker))
            break
        except DocumentError as exc:  # HTML the extractor refuses: leave that one out
            errors.append(str(exc))
            docs = [d for d in docs if d.source != exc.source]
    for message in errors:
        _err(message)
    if not checked:
        return EXIT_ERROR
    results = [Result(c.source, c.text, c.report) for c in checked]
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    out = render(args.format, results, color=color and args.format == "text")
    sys.stdout.write(out if out.endswith("\n") or not out else out + "\n")
    if errors:
        return EXIT_ERROR
    flagged = any(r.report.summary.warnings for r in results)
    return EXIT_FLAGGED if flagged else EXIT_CLEAN


def _cmd_audit_history(args: argparse.Namespace) -> int:
    from checker.audit.history import HistoryError, connect, diff_runs, diff_text, list_runs, resolve_run

    verb, refs = args.inputs[0], args.inputs[1:]
    db = args.db
    if db is None:  # a folder given as a run: its own database
        folder = next((Path(r) for r in refs if (Path(r) / "run.json").is_file()), None)
        if folder is None:
            return _err(f"audit {verb}: give --db (the history database)")
        db = json.loads((folder / "run.json").read_text(encoding="utf-8")).get("db") or str(folder / "audit.sqlite")
    try:
        engine = connect(db)
        if verb == "runs":
            if refs:
                return _err("audit runs takes no arguments besides --db")
            for r in list_runs(engine):
                print(f"{r['run_id']}  {r['started']}  {r['pages'] or 0:>6} pages  {r['flagged'] or 0:>6} flagged  "
                      f"rule pack {r['rule_pack_version']} {r['rule_pack_hash'][:12]}  {r['folder'] or ''}")
            return EXIT_CLEAN
        if len(refs) != 2:
            return _err("audit diff takes two runs: RUN_A RUN_B")
        diff = diff_runs(engine, resolve_run(engine, refs[0]), resolve_run(engine, refs[1]))
    except HistoryError as exc:
        return _err(str(exc))
    sys.stdout.write(json.dumps(diff, indent=2, ensure_ascii=False) + "\n" if args.json else diff_text(diff))
    return EXIT_CLEAN


def _cmd_audit(args: argparse.Namespace) -> int:
    if args.inputs[0] in ("runs", "diff") and not Path(args.inputs[0]).exists():
        return _cmd_audit_history(args)
    if args.out is None:
        return _err("audit: give --out DIR, the folder for the reports")
    from checker.audit.page_check import AuditSettings
    from checker.audit.runner import AuditError, run_audit

    if args.max_bytes <= 0:
        return _err("--max-bytes must be positive")
    from checker.audit.fetch import Fetcher, FetchSettings, Store

    settings = AuditSettings(include_all=args.include_all, judge=not args.no_judge, max_bytes=args.max_bytes)
    progress = {"auto": None, "always": True, "never": False}[args.progress]
    if args.timeout <= 0 or args.delay < 0:
        return _err("--timeout must be positive and --delay not negative")
    fetcher = Fetcher(Store(args.store or args.out / "store"), FetchSettings(timeout_s=args.timeout, max_bytes=args.max_bytes,
                                                               host_delay_s=args.delay), from_store=args.from_store)
    try:
        run = run_audit(args.inputs, args.out, settings, jobs=args.jobs, progress=progress, fetch=fetcher)
    except AuditError as exc:
        return _err(str(exc))
    finally:
        fetcher.close()
    from checker.audit.finish import finish_run

    files, summary, db_error = finish_run(args.out, run, args.db or str(args.out / "audit.sqlite"))
    if db_error:
        return _err(f"{db_error} (the reports in {args.out} are written)")
    print(f"audit {run['run_id']}: {summary.pages} pages, {summary.flagged} with warnings, {summary.failed} failed; "
          f"reports in {args.out}/ ({', '.join(files)})", file=sys.stderr)
    return EXIT_FLAGGED if summary.flagged else EXIT_CLEAN


def _cmd_rules() -> int:
    from checker.rules.loader import default_pack

    pack = default_pack()
    print(f"{pack.info.name} {pack.info.version} (sha256 {pack.info.hash[:12]})")
    for name, cat in pack.categories.items():
        meta = pack.meta.categories[name]
        print(f"\n{name}  [{cat.caution}] {meta.title}")
        for rule in cat.rules:
            print(f"  {rule.id:<45} {rule.severity.value:<9} {rule.message}")
    return EXIT_CLEAN


def _cmd_explain(rule_id: str) -> int:
    from checker.rules.loader import default_pack

    pack = default_pack()
    rule = pack.rule(rule_id)
    if rule is None:
        known = ", ".join(r.id for r in pack.rules)
        return _err(f"no rule {rule_id!r}; known rules: {known}")
    cat = pack.category_of(rule.id)
    meta = pack.meta.categories[cat.category]
    wrap = lambda s: textwrap.fill(s, 88, initial_indent="  ", subsequent_indent="  ")  # noqa: E731
    print(f"{rule.id}  ({rule.severity.value}, {cat.caution}: {meta.title})\n")
    print(f"Message:\n{wrap(rule.message)}\n")
    print(f"Why:\n{wrap(rule.explanation)}\n")
    print(f"Honest version:\n{wrap(rule.suggestion)}\n")
    print("Sources:")
    for src in pack.sources_for(rule):
        print(f"  {src.title} <{src.url}>")
    print("\nFires on:")
    for ex in rule.examples.fire_texts:
        print(f"  + {ex}")
    print("\nDoes not fire on:")
    for ex in rule.examples.not_fire:
        print(f"  - {ex}")
    print("\nPatterns (each with the first example it fires on):")
    from checker.pipeline import rules_checker

    checker = rules_checker()
    first: dict[int, str] = {}
    for text in rule.examples.fire_texts:
        for r, i in checker.pattern_hits(text):
            if r == rule.id:
                first.setdefault(i, text)
    for i, (name, pat) in enumerate(rule.named_patterns.items()):
        print(f"  {name}\n    pattern: {pat}\n    fires on: {first.get(i, '(no example: untested)')}")
    return EXIT_CLEAN


def _cmd_eval(args: argparse.Namespace) -> int:
    from checker.pipeline import Checker, default_checker
    from checker.evaluate import LabelledFileError, cv_report, evaluate, evaluate_baseline, evaluate_pages, load_labelled

    path = Path(args.file)
    if path.is_dir():
        return _err(f"{args.file}: is a directory; give a JSONL file")
    if not path.is_file():
        return _err(f"{args.file}: no such file")
    try:
        rows = [] if args.pages else load_labelled(path, args.split)
    except (LabelledFileError, UnicodeDecodeError) as exc:
        return _err(str(exc))
    if args.pages:
        from checker.pipeline import rules_checker

        try:
            pages = evaluate_pages(path, rules_checker() if args.no_judge else default_checker(), args.split)
        except (LabelledFileError, UnicodeDecodeError) as exc:
            return _err(str(exc))
        print(json.dumps(pages, indent=2))
        return EXIT_CLEAN
    if not rows:
        return _err(f"{args.file}: no labelled rows" + (f" in split {args.split!r}" if args.split else ""))
    full = default_checker()
    results = []
    if full.judge is not None and not args.no_judge:
        results.append(evaluate(rows, full))
        results.append(evaluate(rows, Checker(judge=None), "rules only"))
    else:
        results.append(evaluate(rows, Checker(judge=None) if args.no_judge else full))
    ours = results[0]
    base = evaluate_baseline(rows)
    results.append(base)
    cv = cv_report()
    if args.json:
        doc = {"file": str(path), "rows": len(rows), "split": args.split, "stemcheck": ours.as_dict(), "baseline": base.as_dict()}
        if len(results) == 3:
            doc["rules_only"] = results[1].as_dict()
        if cv:
            doc["grouped_cv"] = cv
        print(json.dumps(doc, indent=2))
        return EXIT_CLEAN
    what = f" (split {args.split})" if args.split else ""
    print(f"{path}{what}: {len(rows)} sentences ({ours.overall.tp + ours.overall.fn} claims, {ours.honest_total} honest)\n")
    header = f"{'':<18}{'precision':>10}{'recall':>10}{'F1':>8}{'false alarms':>15}{'category':>10}"
    print(header)
    for res in results:
        o = res.overall
        fa = f"{res.honest_flagged}/{res.honest_total} ({res.false_alarm_rate:.1%})"
        print(f"{res.name:<18}{o.precision:>10.3f}{o.recall:>10.3f}{o.f1:>8.3f}{fa:>15}{res.category_right:>10.3f}")
    print("\n95% intervals (bootstrap over sites):")
    for res in results[:-1]:
        iv = res.intervals()
        print(f"  {res.name:<16}" + "  ".join(f"{k} {lo:.3f}-{hi:.3f}" for k, (lo, hi) in iv.items()))
    print("\nPer caution (stemcheck vs baseline F1):")
    print(f"{'':<6}{'support':>8}{'precision':>11}{'recall':>9}{'F1':>8}{'base F1':>9}")
    for c, counts in sorted(ours.per_caution.items(), key=lambda kv: int(kv[0][1:])):
        support = counts.tp + counts.fn
        print(f"{c:<6}{support:>8}{counts.precision:>11.3f}{counts.recall:>9.3f}{counts.f1:>8.3f}"
              f"{base.per_caution[c].f1:>9.3f}")
    print("\nReliability (top warning's confidence vs observed precision):")
    for band in ours.reliability():
        prec = "-" if band["precision"] is None else f"{band['precision']:.3f}"
        print(f"  {band['band']:<9}{band['flagged']:>6} flagged  precision {prec}")
    if cv:
        print("\nGrouped cross-validation by site on the train split (training/cv_report.json):")
        for name in ("rules_only", "rules_and_judge"):
            f = cv[name]
            print(f"  {name:<16}precision {f['precision']:.3f}  recall {f['recall']:.3f}  false alarms {f['false_alarms']:.3f}")
    if args.errors and ours.errors:
        print("\nScored wrong:")
        for e in ours.errors:
            print(f"  [{e['label']}] {e.get('id') or ''} {e['text']}")
    return EXIT_CLEAN


def _versions() -> str:
    from checker import __version__
    from checker.rules.loader import default_pack

    info = default_pack().info
    return f"stemcheck {__version__}; rule pack {info.name} {info.version} sha256:{info.hash}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from checker.rules.loader import PackError

    try:
        if args.version:
            print(_versions())
            return EXIT_CLEAN
        if args.command == "check":
            return _cmd_check(args)
        if args.command == "audit":
            return _cmd_audit(args)
        if args.command == "rules":
            return _cmd_rules()
        if args.command == "explain":
            return _cmd_explain(args.rule_id)
        if args.command == "eval":
            return _cmd_eval(args)
        _parser().print_help(sys.stderr)
        return EXIT_ERROR
    except PackError as exc:
        return _err(str(exc))
    except BrokenPipeError:  # e.g. `stemcheck check big.txt | head`
        sys.stderr.close()
        return EXIT_CLEAN
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
