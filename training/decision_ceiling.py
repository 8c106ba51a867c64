"""How much recall the decision layer leaves on the table, measured on grouped CV (train split).

    .venv/bin/python training/decision_ceiling.py

Recomputes the judge's out-of-fold scores as `make train` does (one C, 5 folds by site, the
rule examples added to every fold's training; blended with the encoder's cached out-of-fold
scores when the shipped model has an encoder), then compares, at the same false-alarm limits:

1. the shipped decision shape (checker/findings/decide.py; thresholds chosen on the same scores);
2. the same shape with every sentence vetoable and no stricter limit for critical rules;
3. the shape the issue asks for with the best possible scores for it: a rule hit stands
   unless the score is below v <= 0.5 (the judge "confident the sentence is honest"), any
   other sentence is flagged above t;
4. the judge alone (a threshold on p(claim), rule hits ignored);
5. a stacked logistic regression over judge and rule evidence (judge logit, rule fired,
   rule precision measured out of fold, critical, sentence length, words beyond the match),
   itself fitted out of fold, with one threshold.

4 and 5 drop rule hits the judge is unsure of, which the issue's decision ("a rule hit stands
unless the judge is confident the sentence is honest") does not allow; they show the cost of
that rule, not a decision we ship. Nothing here reads the test split. It also lists the rules
whose false alarms the shipped decision keeps (the budget they use is what limits recall).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import training.train_judge as tj  # noqa: E402
from checker.findings.decide import MIN_VETO_WORDS, MIN_WORDS_BEYOND_MATCH  # noqa: E402

LIMITS = (0.02, 0.025, 0.03)
C = 4.0  # the C `make train` chose for 0.2.x


def main() -> int:
    rows = tj.load_rows(ROOT / "corpus" / "sentences.jsonl", ROOT.parent / "shared" / "data" / "dev.jsonl")
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] == "claim" for r in rows], dtype=int)
    groups = np.array([r["site"] for r in rows])
    extra = tj.rule_example_rows()
    folds = list(GroupKFold(n_splits=tj.FOLDS).split(texts, y, groups))
    oof = np.zeros(len(rows))
    for tr, te in folds:
        oof[te] = tj.fit_with(C, [rows[i] for i in tr], extra).proba([texts[i] for i in te])
    enc = tj.encoder_scores(rows, tj.ENCODER_LAYERS, tj.ENCODER_EPOCHS)
    if enc is not None:  # the shipped blend with the fine-tuned encoder's out-of-fold scores
        w = json.loads((tj.MODEL_DIR / "judge.json").read_text(encoding="utf-8"))["encoder"]["tfidf_weight"]
        oof = w * oof + (1 - w) * enc[0]
    p = tj.Calibration(oof, y).predict(oof)
    fired, beyond = tj.rules_verdicts(texts)
    rules = tj.rule_strength(fired, tj.rule_precisions(fired, y))
    has = ~np.isnan(rules)
    words = np.array([len(t.split()) for t in texts])
    long = (words >= MIN_VETO_WORDS) & (beyond >= MIN_WORDS_BEYOND_MATCH)
    crit = tj.critical_rules(fired)
    honest, claims = int((y == 0).sum()), int((y == 1).sum())

    def rates(flagged: np.ndarray) -> tuple[float, float, float]:
        tp, fp = int((flagged & (y == 1)).sum()), int((flagged & (y == 0)).sum())
        return fp / honest, tp / claims, tp / max(1, tp + fp)

    def best_by_limit(candidates) -> dict[float, tuple]:
        out: dict[float, tuple] = {}
        for flagged, knobs in candidates:
            fa, rec, prec = rates(flagged)
            for lim in LIMITS:
                if fa <= lim and (lim not in out or rec > out[lim][1]):
                    out[lim] = (fa, rec, prec, knobs)
        return out

    report: dict = {"sentences": len(rows), "claims": claims, "folds": tj.FOLDS, "C": C}

    def shape(vetoable: np.ndarray, critical: np.ndarray) -> dict:
        return {str(pt["false_alarms_max"]): {"recall": pt["recall"], "false_alarms": pt["false_alarms"],
                                                 "precision": pt["precision"]}
                for pt in tj.frontier(p, y, rules, vetoable, critical) if pt["false_alarms_max"] in LIMITS}

    report["1 shipped shape"] = shape(long, crit)
    report["2 shipped shape, every sentence vetoable, no critical limit"] = shape(
        np.ones(len(rows), dtype=bool), np.zeros(len(rows), dtype=bool))
    grid = np.round(np.arange(0.02, 0.51, 0.02), 2)
    flags = np.round(np.arange(0.5, 1.0, 0.005), 3)
    report["3 rule hits stand unless p < v <= 0.5, others flagged at t"] = _fmt(best_by_limit(
        ((has & (p >= v)) | (~has & (p >= t)), {"v": float(v), "t": float(t)}) for v in grid for t in flags))
    report["4 judge alone (rule hits ignored)"] = _fmt(best_by_limit(((p >= t), {"t": float(t)}) for t in flags))

    # Rule precision measured on the other folds only, so the stacker cannot see a
    # sentence's own label through it.
    rules_oof = np.full(len(rows), np.nan)
    for tr, te in folds:
        rules_oof[te] = tj.rule_strength([fired[i] for i in te], tj.rule_precisions([fired[i] for i in tr], y[tr]))
    lp = tj._logit(p, 1e-4)
    lr = np.where(has, tj._logit(np.nan_to_num(rules_oof, nan=0.5), 1e-4), 0.0)
    X = np.column_stack([lp, has, lr, has * lp, crit & has, long, np.log1p(words), np.log1p(beyond), words < MIN_VETO_WORDS])
    stacked = np.zeros(len(rows))
    for tr, te in folds:
        stacked[te] = LogisticRegression(C=1.0, max_iter=2000).fit(X[tr], y[tr]).predict_proba(X[te])[:, 1]
    report["5 stacked combiner (rule hits may be dropped)"] = _fmt(best_by_limit(
        ((stacked >= t), {"t": float(t)}) for t in np.round(np.arange(0.3, 1.0, 0.0025), 4)))

    d = tj.choose_thresholds(p, y, rules, long, crit)
    kept = tj._kept(p, has, long, crit, d["veto_below"], d["veto_below_critical"])
    fa = kept & (y == 0)
    report["rule false alarms the shipped decision keeps"] = {
        "sentences": int(fa.sum()), "share_of_honest": round(fa.sum() / honest, 4),
        "by_rule": Counter(r for i in np.flatnonzero(fa) for r in set(fired[i])).most_common(12),
    }
    print(json.dumps(report, indent=1))
    return 0


def _fmt(best: dict[float, tuple]) -> dict:
    return {str(lim): {"recall": round(r, 4), "false_alarms": round(fa, 4), "precision": round(pr, 4), **knobs}
            for lim, (fa, r, pr, knobs) in sorted(best.items())}


if __name__ == "__main__":
    raise SystemExit(main())
