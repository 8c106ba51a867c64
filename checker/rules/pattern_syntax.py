"""Compile the rule pack's compact pattern strings into spaCy Matcher patterns.

Pattern strings are whitespace-separated token specs (checker/rules/pack/README.md):
  word        the lower-cased token equals `word`
  ~lemma      any inflection of `lemma` (forms come from spaCy's English lemma
              lookup table, inverted, so matching needs no lemmatizer at run time)
  $name       any entry of the pack lexicon `name` (entries may be phrases)
  a|~b|$c     alternatives; an alternative may be a phrase joined by "_"
              ("free_of", "~give_up"); literal words are cut into tokens the
              way the tokenizer cuts them ("fda-approved", "don't", "100%")
  <any> <num> <punct> <word> <name>   any token, number-like, punctuation, not punctuation, capitalised name
  spec? spec* spec+ spec{n,m}   quantifiers;  \\? is a literal question mark
  ^spec       the token must start a sentence
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

_QUANT = re.compile(r"^(?P<body>.+?)(?P<q>\?|\*|\+|\{\d*,\d*\})?$")
_SPECIAL = {
    "<any>": {},
    "<num>": {"LIKE_NUM": True},
    "<punct>": {"IS_PUNCT": True},
    "<word>": {"IS_PUNCT": False},
    # A capitalised word that is not a title of office: "says Maria", not "says Dr".
    "<name>": {"IS_TITLE": True, "LOWER": {"NOT_IN": ["dr", "dr.", "doctor", "professor", "prof", "prof.", "the", "a", "an", "i"]}},
}

TokenSeq = list[dict]


class PatternError(ValueError):
    pass


@lru_cache(maxsize=1)
def _inflections() -> Mapping[str, frozenset[str]]:
    """lemma -> every surface form the lookup table maps to it (lower case)."""
    # spaCy's Table keys are string hashes, so read the shipped JSON itself.
    import spacy_lookups_data
    import srsly

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    table = srsly.read_gzip_json(path)
    forms: dict[str, set[str]] = defaultdict(set)
    for form, lemma in table.items():
        forms[lemma.lower()].add(form.lower())
    return {k: frozenset(v) for k, v in forms.items()}


def _regular_forms(lemma: str) -> set[str]:
    """Regular English inflections, for words the lookup table lacks (e.g. 'remyelinate')."""
    out = {lemma, lemma + "s"}
    if lemma.endswith("e"):
        out |= {lemma + "d", lemma[:-1] + "ing"}
    elif lemma.endswith("y") and len(lemma) > 2 and lemma[-2] not in "aeiou":
        out |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    else:
        out |= {lemma + "ed", lemma + "ing", lemma + "es"}
    return out


_PREFIXES = ("re", "un", "over", "out")


def forms_of(lemma: str) -> frozenset[str]:
    lemma = lemma.lower()
    table = _inflections()
    forms = set(table.get(lemma, ())) | _regular_forms(lemma)
    # "regrow" is missing from the table but "grow" is there: borrow its
    # irregular forms ("regrew", "regrown").
    for prefix in _PREFIXES:
        base = lemma[len(prefix):]
        if lemma.startswith(prefix) and base in table:
            forms |= {prefix + f for f in table[base]}
    return frozenset(forms)


def _alternative(alt: str, lexicons: Mapping[str, list[str]], depth: int = 0) -> list[TokenSeq]:
    """One alternative -> list of token sequences (several when a lexicon holds phrases)."""
    if depth > 5:
        raise PatternError(f"lexicon nesting too deep at {alt!r}")
    if alt in _SPECIAL:
        return [[dict(_SPECIAL[alt])]]
    if alt.startswith("$"):
        name = alt[1:]
        if name not in lexicons:
            raise PatternError(f"unknown lexicon {alt!r}")
        seqs: list[TokenSeq] = []
        for entry in lexicons[name]:
            words = entry.split()
            per_word = [_token_alts(w, lexicons, depth + 1) for w in words]
            for combo in itertools.product(*per_word):
                seqs.append([tok for seq in combo for tok in seq])
        return seqs
    if "_" in alt.strip("_"):
        per_word = [_alternative(w, lexicons, depth + 1) for w in alt.split("_") if w]
        return [[tok for seq in combo for tok in seq] for combo in itertools.product(*per_word)]
    if alt.startswith("~"):
        return [[{"LOWER": {"IN": sorted(forms_of(alt[1:]))}}]]
    if alt.startswith("\\"):  # escaped literal: \? \$
        return [[{"LOWER": alt[1:]}]]
    return [[{"LOWER": w} for w in _tokenize(alt.lower())]]


@lru_cache(maxsize=1)
def _tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


def _tokenize(word: str) -> list[str]:
    """Cut a literal the way the pipeline's tokenizer will ("don't" -> do, n't)."""
    if word.isalpha():
        return [word]
    return [t.text for t in _tokenizer()(word)] or [word]


def _token_alts(spec: str, lexicons: Mapping[str, list[str]], depth: int = 0) -> list[TokenSeq]:
    seqs: list[TokenSeq] = []
    for alt in spec.split("|"):
        if not alt:
            raise PatternError(f"empty alternative in {spec!r}")
        seqs.extend(_alternative(alt, lexicons, depth))
    return _merge_single_tokens(seqs)


def _merge_single_tokens(seqs: list[TokenSeq]) -> list[TokenSeq]:
    """Fold single-token LOWER alternatives into one IN-set, to keep patterns few."""
    words: set[str] = set()
    rest: list[TokenSeq] = []
    for seq in seqs:
        if len(seq) == 1 and set(seq[0]) == {"LOWER"}:
            value = seq[0]["LOWER"]
            words |= set(value["IN"]) if isinstance(value, dict) else {value}
        else:
            rest.append(seq)
    merged = [[{"LOWER": {"IN": sorted(words)}}]] if words else []
    return merged + rest


def _parse_spec(spec: str, lexicons: Mapping[str, list[str]]) -> tuple[list[TokenSeq], str | None]:
    """One token spec -> its alternatives (token sequences) and quantifier."""
    m = _QUANT.match(spec)
    if (spec.startswith("\\") and len(spec) == 2) or m is None:
        body, quant = spec, None
    else:
        body, quant = m.group("body"), m.group("q")
    if "{" in body or "}" in body:
        raise PatternError(f"malformed quantifier in {spec!r}; use {{n,m}}")
    if quant and quant.startswith("{"):
        lo_s, hi_s = quant[1:-1].split(",")
        if lo_s and hi_s and int(lo_s) > int(hi_s):
            raise PatternError(f"quantifier {quant} in {spec!r} has min > max")
    if any(not alt for alt in body.split("|")):
        raise PatternError(f"empty alternative in {spec!r}")
    sent_start = body.startswith("^") and len(body) > 1
    if sent_start:  # "^a|^b" and "^a|b" both mean: a or b, starting a sentence
        body = "|".join(alt[1:] if alt.startswith("^") and len(alt) > 1 else alt for alt in body[1:].split("|"))
    alts = _token_alts(body, lexicons)
    if sent_start:
        alts = [[dict(seq[0], IS_SENT_START=True), *seq[1:]] for seq in alts]
    return alts, quant


def _specs(pattern: str) -> list[str]:
    specs = pattern.split()
    if not specs:
        raise PatternError("empty pattern")
    return specs


def compile_pattern(pattern: str, lexicons: Mapping[str, list[str]]) -> list[TokenSeq]:
    """One pack pattern -> the plain spaCy Matcher token patterns it stands for
    (phrase alternatives multiplied out). Used to check the fast matcher
    against spaCy's Matcher; the checker itself runs compile_native."""
    per_spec: list[list[TokenSeq]] = []
    for spec in _specs(pattern):
        alts, quant = _parse_spec(spec, lexicons)
        if quant:
            if quant == "?" and all(len(seq) == 1 for seq in alts):
                alts = [[dict(seq[0], OP="?")] for seq in alts]
            elif quant == "?":
                # A phrase can't carry OP, so "absent" becomes its own branch.
                alts = [[], *alts]
            else:
                if any(len(seq) != 1 for seq in alts):
                    raise PatternError(f"quantifier {quant!r} needs single-token alternatives in {spec!r}")
                alts = [[dict(seq[0], OP=quant)] for seq in alts]
        per_spec.append(alts)
    out: list[TokenSeq] = []
    for combo in itertools.product(*per_spec):
        seq = [tok for part in combo for tok in part]
        if seq:
            out.append(seq)
    if len(out) > 5000:
        raise PatternError(f"pattern {pattern!r} expands to {len(out)} token patterns; split it")
    return out


def compile_native(pattern: str, lexicons: Mapping[str, list[str]]) -> TokenSeq:
    """One pack pattern -> one token pattern for checker.rules.token_matcher, where a
    step may also list multi-token alternatives under "PHRASES", so lexicons
    full of phrases do not multiply into thousands of patterns."""
    steps: TokenSeq = []
    for spec in _specs(pattern):
        alts, quant = _parse_spec(spec, lexicons)
        singles = [seq[0] for seq in alts if len(seq) == 1]
        phrases = [seq for seq in alts if len(seq) > 1]
        if len(singles) > 1:
            # Different kinds of single token ("<num>" or a word): phrases of one.
            phrases = [[tok] for tok in singles] + phrases
            singles = []
        step: dict = dict(singles[0]) if singles else {}
        if phrases:
            step["PHRASES"] = phrases
        if quant:
            step["OP"] = quant
        steps.append(step)
    return steps


class PatternCompiler:
    """compile_native with a cache: validation and the matchers compile the
    same patterns, and start-up time matters for the CLI."""

    def __init__(self, lexicons: Mapping[str, list[str]]):
        self.lexicons = lexicons
        self._cache: dict[str, list[TokenSeq]] = {}

    def compile(self, pattern: str) -> list[TokenSeq]:
        if pattern not in self._cache:
            self._cache[pattern] = [compile_native(pattern, self.lexicons)]
        return self._cache[pattern]

    def __getstate__(self) -> dict:
        # The cache is only a start-up aid; don't store it with the pack.
        return {"lexicons": self.lexicons, "_cache": {}}

    def expand(self, pattern: str) -> list[TokenSeq]:
        """The same pattern as plain spaCy Matcher patterns."""
        return compile_pattern(pattern, self.lexicons)

    def compile_all(self, patterns: Iterable[str]) -> list[TokenSeq]:
        return [seq for p in patterns for seq in self.compile(p)]
