"""The learned judge: how likely a sentence is a claim, which cautions it touches, and the
labelled corpus sentences most like it.

A linear model over TF-IDF features (word 1-2-grams and character 2-5-grams inside word
boundaries), trained on corpus/sentences.jsonl by training/train_judge.py (`make train`).
Run time needs numpy only: the features are computed here the way scikit-learn's
TfidfVectorizer computes them (the tests check that they agree), from the vocabulary and
idf weights stored in checker/judge_model/. Scores are calibrated on grouped
cross-validation (Platt scaling), so 0.8 means about 80% of such sentences were claims.
With a fine-tuned encoder in the model (checker/judge/encoder.py), the two scores are
blended before calibration.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_right
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from checker.findings.decide import UNMEASURED_RULE_PRECISION
from checker.judge.encoder import ENCODER_FILE, TOKENIZER_FILE, Encoder
from checker.resources import resource_dir

MODEL_DIR = resource_dir("checker", "judge_model")
CAUTIONS = tuple(f"C{i}" for i in range(1, 11))
MODEL_FILES = ("judge.json", "judge.npz", "neighbours.jsonl")
ENCODER_FILES = (ENCODER_FILE, TOKENIZER_FILE)  # present when the model has an encoder
MIN_JUDGED_WORDS = 4  # shorter sentences (navigation, headings) are left to the rules
# The judge learnt from whole sentences: a line without closing punctuation (a heading, a
# menu, a button) is outside what it has seen unless it is long enough to be prose.
MIN_UNPUNCTUATED_WORDS = 10
SENTENCE_END = frozenset(".!?…\"'”’)")


def sentence_shaped(text: str, words: int) -> bool:
    """Whether the judge may raise a warning on this text alone (rules still apply)."""
    stripped = text.rstrip()
    return words >= MIN_JUDGED_WORDS and (words >= MIN_UNPUNCTUATED_WORDS or (bool(stripped) and stripped[-1] in SENTENCE_END))
MAX_JUDGED_CHARS = 2000  # a "sentence" longer than this is judged on its first 2,000 characters

_WORD = re.compile(r"(?u)\b\w\w+\b|[.,;:!?()]")
_NT = re.compile(r"n't\b|n’t\b", re.I)
# Negation marking (after Das & Chen, and Pang et al.): the words after a negation cue, up
# to the next punctuation and at most NEGATION_SCOPE of them, carry a "not_" prefix, so that
# "not approved" and "approved" are different features for a bag-of-words model.
NEGATORS = frozenset({"not", "no", "never", "none", "nor", "neither", "without", "cannot", "nothing", "nobody"})
NEGATION_SCOPE = 3
_SPACES = re.compile(r"\s\s+")

# Feature settings shared by training and run time (training/train_judge.py builds
# scikit-learn vectorizers from these same values).
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)


def word_tokens(text: str) -> list[str]:
    """Lower-cased words of two letters or more (scikit-learn's default token pattern), with
    negation marking."""
    out: list[str] = []
    left = 0
    for tok in _WORD.findall(_NT.sub(" not", text.lower())):
        if len(tok) == 1 and not tok.isalnum():  # punctuation ends a negation's scope
            left = 0
            continue
        if tok in NEGATORS:
            out.append(tok)
            left = NEGATION_SCOPE
            continue
        out.append("not_" + tok if left else tok)
        left = max(0, left - 1)
    return out


def word_features(text: str) -> list[str]:
    """Word 1-2-grams over word_tokens (training builds TfidfVectorizer(analyzer=word_features))."""
    toks = word_tokens(text)
    lo, hi = WORD_NGRAMS
    out = list(toks) if lo == 1 else []
    for n in range(max(2, lo), hi + 1):
        out.extend(" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1))
    return out


def char_features(text: str) -> list[str]:
    """Character n-grams as TfidfVectorizer(analyzer='char_wb', ngram_range=CHAR_NGRAMS)."""
    text = _SPACES.sub(" ", text.lower())
    lo, hi = CHAR_NGRAMS
    out: list[str] = []
    for w in text.split():
        w = f" {w} "
        for n in range(lo, hi + 1):
            out.append(w[:n])
            out.extend(w[i : i + n] for i in range(1, len(w) - n + 1))
            if len(w) <= n:  # a short word counts once, as scikit-learn does
                break
    return out


class _Tfidf:
    """Sublinear-tf, l2-normalised TF-IDF over a fixed vocabulary."""

    def __init__(self, vocab: list[str], idf: np.ndarray, analyse):
        self.index = {t: i for i, t in enumerate(vocab)}
        self.idf = idf
        self.analyse = analyse

    def _indices(self, text: str) -> list[int]:
        index = self.index
        return [i for i in map(index.get, self.analyse(text)) if i is not None]

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        return self._weigh(self._indices(text))

    def _weigh(self, found) -> tuple[np.ndarray, np.ndarray]:
        if not len(found):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        cols, counts = np.unique(np.asarray(found, dtype=np.int64), return_counts=True)
        vals = (1.0 + np.log(counts)) * self.idf[cols]
        norm = np.sqrt((vals * vals).sum())
        return cols, vals / norm if norm else vals


class _CharTfidf(_Tfidf):
    """Character n-grams never cross a word (char_wb), so each word's feature indices are
    computed once and cached: page text repeats its words, and this is the judge's hot path."""

    CACHE_WORDS = 100_000

    def __init__(self, vocab: list[str], idf: np.ndarray):
        super().__init__(vocab, idf, char_features)
        self._cache: dict[str, list[int]] = {}

    def _indices(self, text: str) -> list[int]:
        cache = self._cache
        out: list[int] = []
        for w in text.lower().split():
            got = cache.get(w)
            if got is None:
                if len(cache) >= self.CACHE_WORDS:
                    cache.clear()
                got = cache[w] = super()._indices(w)
            out.extend(got)
        return out


# Up to this many features, p_claim is faster in plain Python floats than through numpy,
# whose fixed cost per call dominates a short sentence ("Cures MS." took 58 us, mostly that).
_SMALL_INPUT = 100


def _tfidf_dot(found: list[int], idf: list[float], weighted: list[float]) -> float:
    """(coef . v) for the sublinear, l2-normalised TF-IDF vector v of ``found`` (feature
    indices, repeated as often as they occur): _Tfidf._weigh and the dot, in Python."""
    counts: dict[int, int] = {}
    for i in found:
        counts[i] = counts.get(i, 0) + 1
    dot = sq = 0.0
    for i, c in counts.items():
        tf = 1.0 + math.log(c)
        dot += tf * weighted[i]
        x = tf * idf[i]
        sq += x * x
    return dot / math.sqrt(sq) if sq else 0.0


class _SmallInputScorer:
    """The claim model as Python lists (idf, and coef x idf, per vocabulary), for short inputs."""

    def __init__(self, judge: "Judge") -> None:
        n = judge._n_word
        self.idf_word = judge._word.idf.tolist()
        self.idf_char = judge._char.idf.tolist()
        self.w_word = (judge._coef[:n] * judge._word.idf).tolist()
        self.w_char = (judge._coef[n:] * judge._char.idf).tolist()
        self.intercept = judge._intercept

    def raw(self, word: list[int], char: list[int]) -> float:
        z = self.intercept + _tfidf_dot(word, self.idf_word, self.w_word) + _tfidf_dot(char, self.idf_char, self.w_char)
        return _sigmoid(z)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


def _interp(xs: list[float], ys: list[float], x: float) -> float:
    """np.interp for one value, in plain floats (numpy's call overhead dominates here)."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    k = bisect_right(xs, x)
    x0, x1 = xs[k - 1], xs[k]
    return ys[k - 1] + (ys[k] - ys[k - 1]) * (x - x0) / (x1 - x0) if x1 > x0 else ys[k]


@dataclass(frozen=True)
class Neighbour:
    id: str
    text: str
    label: str
    cautions: tuple[str, ...]
    similarity: float


@dataclass(frozen=True)
class Judgement:
    p_claim: float  # calibrated probability that the sentence is a claim
    raw: float  # the TF-IDF model's uncalibrated probability
    cautions: tuple[tuple[str, float], ...]  # (caution, probability), most likely first

    @property
    def caution(self) -> str:
        return self.cautions[0][0]


class Judge:
    def __init__(self, model_dir: Path = MODEL_DIR):
        meta = json.loads((model_dir / "judge.json").read_text(encoding="utf-8"))
        arrays = np.load(model_dir / "judge.npz")
        self.meta = meta
        self.version: str = meta["version"]
        self.name: str = meta["name"]
        # The encoder (a fine-tuned MiniLM) scores beside the TF-IDF model when the model
        # was trained with one: raw = w * tfidf + (1 - w) * encoder, then calibrated.
        self._encoder_paths = tuple(model_dir / f for f in ENCODER_FILES)
        self.has_encoder: bool = "encoder" in meta and all(p.exists() for p in self._encoder_paths)
        self._w: float = float(meta["encoder"]["tfidf_weight"]) if self.has_encoder else 1.0
        self._encoder: Encoder | None = None  # opened on first use, in the process that uses it
        digest = hashlib.sha256()
        for f in MODEL_FILES + (ENCODER_FILES if self.has_encoder else ()):
            digest.update((model_dir / f).read_bytes())
        self.hash: str = digest.hexdigest()
        self.veto_below: float = meta["decision"]["veto_below"]
        self.veto_below_critical: float = meta["decision"].get("veto_below_critical", self.veto_below)
        self.flag_at: float = meta["decision"]["flag_at"]
        self.rule_weight: float = meta["decision"].get("rule_weight", 1.0)
        self._rule_precision: dict[str, float] = meta.get("rule_precision", {})
        self._word = _Tfidf(meta["vocab_word"], arrays["idf_word"], word_features)
        self._char = _CharTfidf(meta["vocab_char"], arrays["idf_char"])
        n_word = len(meta["vocab_word"])
        self._n_word = n_word
        self._coef = arrays["coef"]  # (n_word + n_char,)
        self._intercept = float(arrays["intercept"])
        self._caution_coef = arrays["caution_coef"]  # (10, n_word + n_char)
        self._caution_intercept = arrays["caution_intercept"]
        self._cal_x = arrays["calibration_x"]
        self._cal_y = arrays["calibration_y"]
        self._cal_xs, self._cal_ys = self._cal_x.tolist(), self._cal_y.tolist()
        # Skipping the encoder is exact only while calibration never decreases.
        self._can_skip = all(b >= a for a, b in zip(self._cal_ys, self._cal_ys[1:]))
        # Stated confidence of a warning, calibrated on grouped CV (absent in older models):
        # "rule" maps a kept rule warning's combined score, "judge" the judge's own p(claim).
        self._confidence = {
            kind: (arrays[f"confidence_{kind}_x"], arrays[f"confidence_{kind}_y"])
            for kind in ("rule", "judge") if f"confidence_{kind}_x" in arrays.files
        }
        # Neighbours: word TF-IDF rows of the training corpus, as CSR arrays.
        self._nb_indptr = arrays["nb_indptr"]
        self._nb_indices = arrays["nb_indices"]
        self._nb_data = arrays["nb_data"]
        self._nb_rows = [
            json.loads(line)
            for line in (model_dir / "neighbours.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        self._nb_matrix = None
        self._small: _SmallInputScorer | None = None  # built on first use

    def rule_precision(self, rule_id: str) -> float:
        """The rule's precision on the training corpus (smoothed), for checker/findings/decide.py."""
        return self._rule_precision.get(rule_id, UNMEASURED_RULE_PRECISION)

    def confidence(self, kind: str, score: float) -> float | None:
        """The observed precision, on grouped CV, of warnings of this kind ("rule" or
        "judge") at this score; None when the model carries no such calibration."""
        table = self._confidence.get(kind)
        if table is None:
            return None
        return round(float(np.interp(score, table[0], table[1])), 3)

    # -- scoring -------------------------------------------------------------
    def _features(self, text: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        text = text[:MAX_JUDGED_CHARS]
        return self._word.transform_one(text), self._char.transform_one(text)

    def judge(self, text: str, p_claim: float | None = None) -> Judgement:
        """p(claim) and the cautions of `text`; pass `p_claim` when it is already known
        (from p_claims), so that the encoder does not read the sentence a second time."""
        (wc, wv), (cc, cv) = self._features(text)
        cols = np.concatenate([wc, cc + self._n_word])
        vals = np.concatenate([wv, cv])
        raw = _sigmoid(self._intercept + float(self._coef[cols] @ vals))
        p = self.p_claim(text) if p_claim is None else p_claim
        zc = self._caution_intercept + self._caution_coef[:, cols] @ vals
        pc = 1.0 / (1.0 + np.exp(-zc))
        ranked = sorted(zip(CAUTIONS, (float(x) for x in pc)), key=lambda kv: -kv[1])
        return Judgement(round(p, 4), round(float(raw), 4), tuple((c, round(v, 4)) for c, v in ranked))

    def tfidf_raw(self, text: str) -> float:
        """The TF-IDF model's uncalibrated p(claim)."""
        text = text[:MAX_JUDGED_CHARS]
        word, char = self._word._indices(text), self._char._indices(text)
        if len(word) + len(char) <= _SMALL_INPUT:
            if self._small is None:
                self._small = _SmallInputScorer(self)
            return self._small.raw(word, char)
        (wc, wv), (cc, cv) = self._word._weigh(word), self._char._weigh(char)
        return _sigmoid(self._intercept + float(self._coef[wc] @ wv) + float(self._coef[cc + self._n_word] @ cv))

    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = Encoder(*self._encoder_paths)
        return self._encoder

    def _calibrated(self, raw: float) -> float:
        return _interp(self._cal_xs, self._cal_ys, raw)

    def p_claims(self, texts: list[str], always: list[bool] | None = None) -> list[float]:
        """Calibrated p(claim) of each text. With an encoder, a text runs through it only
        where its score could change a decision: always where `always[i]` (a rule fired
        there), otherwise only when the TF-IDF score leaves the flagging threshold within
        reach. A text left out gets the highest score the encoder could have given it,
        which is below `flag_at` by construction, so every decision is what the full
        model would decide."""
        t = [self.tfidf_raw(x) for x in texts]
        if not self.has_encoder:
            return [self._calibrated(r) for r in t]
        w = self._w
        run = [i for i, r in enumerate(t) if not self._can_skip or (always is not None and always[i])
               or self._calibrated(w * r + (1 - w)) >= self.flag_at]
        m = self.encoder().proba([texts[i][:MAX_JUDGED_CHARS] for i in run]) if run else []
        enc = dict(zip(run, m))
        return [self._calibrated(w * r + (1 - w) * float(enc.get(i, 1.0))) for i, r in enumerate(t)]

    def p_claim(self, text: str) -> float:
        """Calibrated p(claim) of one text, through every scorer the model has."""
        return self.p_claims([text], [True])[0]

    # -- explanation -----------------------------------------------------------
    def neighbours(self, text: str, k: int = 3) -> list[Neighbour]:
        """The k training sentences most like `text` (cosine over word TF-IDF)."""
        cols, vals = self._word.transform_one(text[:MAX_JUDGED_CHARS])
        if not len(cols):
            return []
        dense = np.zeros(self._n_word)
        dense[cols] = vals
        sims = np.add.reduceat(dense[self._nb_indices] * self._nb_data, self._nb_indptr[:-1]) \
            if len(self._nb_indices) else np.zeros(len(self._nb_rows))
        empty = self._nb_indptr[:-1] == self._nb_indptr[1:]
        sims[empty] = 0.0  # reduceat repeats a value for empty rows
        best = np.argsort(-sims, kind="stable")[:k]
        return [
            Neighbour(r["id"], r["text"], r["label"], tuple(r["cautions"]), round(float(sims[i]), 3))
            for i in best
            for r in (self._nb_rows[i],)
        ]


@lru_cache(maxsize=1)
def default_judge() -> Judge | None:
    """The shipped judge, or None when no model has been built (then rules alone decide)."""
    if not (MODEL_DIR / "judge.json").exists():
        return None
    return Judge(MODEL_DIR)
