"""Score the checker on a labelled JSONL file (shaped like shared/data/dev.jsonl or
corpus/sentences.jsonl).

Each line: {"text", "label": "claim"|"honest"|"ambiguous", "cautions": ["C1", ...]} and,
in the corpus, "site" and "split". Ambiguous lines are not scored. A sentence counts as
flagged when the checker gives it at least one warning. Per category, a claim sentence is a
positive for each caution it lists, and a prediction is the categories of the warnings
raised. Intervals are 95% bootstrap intervals, resampling whole sites where the file
names them (sentences of one page resemble each other, so resampling sentences would
understate the uncertainty).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from checker.pipeline import Checker

# A plain keyword baseline to compare against: what a naive filter would do.
BASELINE_KEYWORDS: dict[str, list[str]] = {
    "C1": ["cure", "cures", "reverse", "guarantee"],
    "C2": ["fda"],
    "C3": ["hsct", "mesenchymal"],
    "C4": ["every patient", "all types", "anyone"],
    "C5": ["proven", "effective", "success rate", "%"],
    "C6": ["safe", "side effect", "no risk"],
    "C7": ["medication", "drugs"],
    "C8": ["physiotherapy", "rehabilitation"],
    "C9": ["regenerate", "repair", "myelin", "walk again"],
    "C10": ["miracle", "breakthrough", "limited", "testimonial"],
}


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
            "precision": round(self.precision, 4), "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class EvalResult:
    name: str
    overall: Counts = field(default_factory=Counts)
    per_caution: dict[str, Counts] = field(default_factory=dict)
    honest_total: int = 0
    honest_flagged: int = 0
    errors: list[dict] = field(default_factory=list)
    # Per scored row: (is_claim, flagged, category right, top warning confidence, group).
    rows: list[tuple[bool, bool, bool, float, str]] = field(default_factory=list)

    @property
    def category_right(self) -> float:
        """Share of the flagged claims whose warnings include one of their cautions."""
        hits = [right for claim, flag, right, _, _ in self.rows if claim and flag]
        return sum(hits) / len(hits) if hits else 0.0

    def intervals(self, resamples: int = 1000, seed: int = 0) -> dict[str, tuple[float, float]]:
        """95% bootstrap intervals of precision, recall and false alarms, resampling groups."""
        groups: dict[str, list[tuple[bool, bool]]] = {}
        for claim, flag, _, _, g in self.rows:
            groups.setdefault(g, []).append((claim, flag))
        keys = sorted(groups)
        rng = random.Random(seed)
        stats: dict[str, list[float]] = {"precision": [], "recall": [], "false_alarms": []}
        for _ in range(resamples):
            tp = fp = fn = tn = 0
            for k in rng.choices(keys, k=len(keys)):
                for claim, flag in groups[k]:
                    tp += claim and flag; fn += claim and not flag
                    fp += flag and not claim; tn += not claim and not flag
            if tp + fp:
                stats["precision"].append(tp / (tp + fp))
            if tp + fn:
                stats["recall"].append(tp / (tp + fn))
            if fp + tn:
                stats["false_alarms"].append(fp / (fp + tn))
        out = {}
        for name, values in stats.items():
            values.sort()
            if values:
                out[name] = (round(values[int(0.025 * (len(values) - 1))], 4), round(values[int(0.975 * (len(values) - 1))], 4))
        return out

    def reliability(self) -> list[dict]:
        """Stated confidence (the top warning's) against observed precision, by band."""
        bands = []
        for lo, hi in ((0.0, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)):
            sel = [claim for claim, flag, _, conf, _ in self.rows if flag and lo <= conf < hi]
            bands.append({"band": f"{lo:.1f}-{min(hi, 1.0):.1f}", "flagged": len(sel),
                          "precision": round(sum(sel) / len(sel), 3) if sel else None})
        return bands

    @property
    def false_alarm_rate(self) -> float:
        return self.honest_flagged / self.honest_total if self.honest_total else 0.0

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "overall": self.overall.as_dict(),
            "intervals": {k: list(v) for k, v in self.intervals().items()},
            "category_right": round(self.category_right, 4),
            "reliability": self.reliability(),
            "false_alarm_rate": round(self.false_alarm_rate, 4),
            "honest_flagged": self.honest_flagged,
            "honest_total": self.honest_total,
            "per_caution": {k: v.as_dict() for k, v in sorted(self.per_caution.items(), key=lambda kv: int(kv[0][1:]))},
        }


class LabelledFileError(ValueError):
    pass


_CAUTIONS = frozenset(f"C{i}" for i in range(1, 11))


def _json_lines(path: Path) -> Iterable[tuple[int, object]]:
    """(line number, parsed JSON) for each non-blank line, with errors that name the place."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise LabelledFileError(f"{path}: not valid UTF-8 (byte offset {exc.start})") from None
    except OSError as exc:
        raise LabelledFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except json.JSONDecodeError as exc:
            raise LabelledFileError(f"{path}:{n}: not valid JSON: {exc.msg}") from None


def load_labelled(path: Path, split: str | None = None) -> list[dict]:
    """The scored rows of a labelled file (ambiguous ones skipped), of one split if given."""
    rows = []
    for n, row in _json_lines(path):
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or row.get("label") not in ("claim", "honest", "ambiguous"):
            raise LabelledFileError(f"{path}:{n}: needs a 'text' string and a 'label' of 'claim', 'honest' or 'ambiguous'")
        cautions = row.setdefault("cautions", [])
        if not isinstance(cautions, list) or any(c not in _CAUTIONS for c in cautions):
            raise LabelledFileError(f"{path}:{n}: 'cautions' must be a list of C1 ... C10")
        if row["label"] == "ambiguous" or (split and row.get("split", "train") != split):
            continue
        rows.append(row)
    return rows


def _score(name: str, rows: list[dict], predict: Callable[[Iterable[str]], Iterable[tuple[set[str], float]]]) -> EvalResult:
    result = EvalResult(name)
    cautions = [f"C{i}" for i in range(1, 11)]
    for c in cautions:
        result.per_caution[c] = Counts()
    for n, (row, (predicted, confidence)) in enumerate(zip(rows, predict([r["text"] for r in rows]))):
        is_claim = row["label"] == "claim"
        flagged = bool(predicted)
        result.rows.append((is_claim, flagged, bool(predicted & set(row["cautions"])), confidence,
                            str(row.get("site") or row.get("id") or n)))
        if is_claim and flagged:
            result.overall.tp += 1
        elif is_claim:
            result.overall.fn += 1
        elif flagged:
            result.overall.fp += 1
        else:
            result.overall.tn += 1
        if not is_claim:
            result.honest_total += 1
            result.honest_flagged += int(flagged)
        gold = set(row["cautions"]) if is_claim else set()
        for c in cautions:
            counts = result.per_caution[c]
            g, p = c in gold, c in predicted
            counts.tp += g and p
            counts.fp += p and not g
            counts.fn += g and not p
            counts.tn += not g and not p
        if is_claim != flagged:
            result.errors.append({
                "id": row.get("id"), "label": row["label"], "cautions": row["cautions"],
                "predicted": sorted(predicted), "text": row["text"],
            })
    return result


def evaluate(rows: list[dict], checker: Checker, name: str = "stemcheck") -> EvalResult:
    def predict(texts: Iterable[str]) -> Iterable[tuple[set[str], float]]:
        for report in checker.check_many(texts):
            warnings = [f for f in report.findings if f.warning]
            yield {f.caution for f in warnings}, max((f.confidence for f in warnings), default=0.0)

    return _score(name, rows, predict)


def evaluate_baseline(rows: list[dict]) -> EvalResult:
    compiled = {
        c: re.compile("|".join(r"\b" + re.escape(w) + (r"\b" if w[-1].isalnum() else "") for w in words), re.I)
        for c, words in BASELINE_KEYWORDS.items()
    }

    def predict(texts: Iterable[str]) -> Iterable[tuple[set[str], float]]:
        for text in texts:
            yield {c for c, rx in compiled.items() if rx.search(text)}, 1.0

    return _score("keyword baseline", rows, predict)


CV_REPORT = Path(__file__).resolve().parent.parent / "training" / "cv_report.json"


def cv_report() -> dict | None:
    """The grouped cross-validation figures `make train` wrote, if present."""
    try:
        return json.loads(CV_REPORT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def evaluate_pages(path: Path, checker: Checker, split: str | None = None) -> dict:
    """Whole pages (corpus/pages.jsonl): is every selling page flagged, and does any honest
    page get a warning? Each page's text is its paraphrased sentences joined in order."""
    pages = []
    for n, page in _json_lines(path):
        if not isinstance(page, dict) or page.get("page_label") not in ("selling", "honest") or not isinstance(page.get("sentences"), list):
            raise LabelledFileError(f"{path}:{n}: needs 'page_label' (selling or honest) and 'sentences'")
        if split and page.get("split", "train") != split:
            continue
        pages.append(page)
    texts = ["\n".join(s["text"] for s in p["sentences"]) for p in pages]
    out: dict = {"pages": len(pages), "selling": {}, "honest": {}, "wrong": []}
    for page, report in zip(pages, checker.check_many(texts)):
        kind = page["page_label"]
        bucket = out[kind]
        bucket["total"] = bucket.get("total", 0) + 1
        bucket.setdefault("verdicts", {})
        v = report.summary.verdict
        bucket["verdicts"][v] = bucket["verdicts"].get(v, 0) + 1
        warned = bool(report.summary.warnings)
        bucket["with_warnings"] = bucket.get("with_warnings", 0) + warned
        if (kind == "selling") != warned:
            out["wrong"].append({"id": page.get("id"), "page_label": kind, "verdict": v,
                                 "warnings": [f.text for f in report.warnings]})
    return out


def merge_results(parts: list[EvalResult]) -> EvalResult:
    """One result from several disjoint ones (the folds of a cross-validation)."""
    out = EvalResult(parts[0].name)
    for c in parts[0].per_caution:
        out.per_caution[c] = Counts()
    for part in parts:
        for attr in ("tp", "fp", "fn", "tn"):
            setattr(out.overall, attr, getattr(out.overall, attr) + getattr(part.overall, attr))
            for c, k in part.per_caution.items():
                setattr(out.per_caution[c], attr, getattr(out.per_caution[c], attr) + getattr(k, attr))
        out.honest_total += part.honest_total
        out.honest_flagged += part.honest_flagged
        out.errors += part.errors
        out.rows += part.rows
    return out
