"""The judge's second scorer: a fine-tuned MiniLM encoder, read by onnxruntime.

training/train_encoder.py fine-tunes all-MiniLM-L6-v2 (its first layers) on the corpus,
exports it to ONNX with int8 weights (checker/judge_model/encoder.onnx) beside the
model's own WordPiece tokenizer (tokenizer.json). Run time needs onnxruntime and the
`tokenizers` package, never torch. One thread per session: the API already runs one check
per worker process, and a pool of threads per worker would only fight over the cores.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np

ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
MAX_TOKENS = 64  # word pieces a sentence is judged on (the fine-tuning used the same)
# One sentence a forward pass: int8 activations are scaled per tensor, so in a batch a
# sentence's score would shift with the sentences beside it, and a report must not depend
# on what else was on the page. (Batches of 8 were only about 10% faster here.)
MEMO_SENTENCES = 4096  # recent sentences whose score is kept: a page that repeats one
# sentence (a slogan in every block, a flood of "Cures MS.") runs the encoder on it once


class Encoder:
    """p(claim) from the fine-tuned encoder, for a list of sentences."""

    def __init__(self, model: Path, tokenizer: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # One small sentence at a time: onnxruntime's memory arena and pattern planning
        # would hold on to their peak buffers in every worker process for no speed gain here.
        opts.enable_cpu_mem_arena = False
        opts.enable_mem_pattern = False
        self.session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        self.tok = Tokenizer.from_file(str(tokenizer))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.no_padding()
        # The same sentence always gets the same score (one sentence a pass), so a bounded
        # memo of recent ones changes no result (functools' cache is safe across threads).
        self._score = lru_cache(maxsize=MEMO_SENTENCES)(self._score_one)

    def proba(self, texts: list[str]) -> np.ndarray:
        return np.array([self._score(t) for t in texts], dtype=float)

    def _score_one(self, text: str) -> float:
        ids = np.array([self.tok.encode(text).ids], dtype=np.int64)
        mask = np.ones(ids.shape, dtype=np.float32)
        logit = float(self.session.run(None, {"ids": ids, "mask": mask})[0][0])
        return 1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0
