"""A fast matcher for spaCy token patterns, indexed by their rarest words.

The rule pack compiles to spaCy Matcher token patterns (lists of dicts), and
this module runs them. Why not spacy.matcher.Matcher itself: it tries every
pattern at every token and calls a Python predicate for every `IN` set, so
with the pack's thousand-odd patterns it checked about 2 000 tokens a second.
Here a pattern is only tried in a sentence that contains a word from each of
its required word sets, found through an index of each pattern's rarest set,
and it is only started on tokens its first step accepts.

It supports the subset of the pattern language the pack uses: LOWER (a string,
or IN / NOT_IN sets), IS_PUNCT, LIKE_NUM, IS_TITLE, IS_SENT_START, the empty
wildcard {}, and the operators ?, *, + and {n,m}; and one extension,
"PHRASES": a list of token sequences any of which may fill the step, which
keeps lexicons of phrases from multiplying a pattern into thousands. A match may run from one
sentence into the next after a question or a short fragment ("Incurable? Not
anymore.", "Safe. Proven."), no further.
Each pattern that is not a fixed run of single tokens is compiled, on first use, into one
regular expression for the `regex` module (C code, POSIX leftmost-longest matching) over a
string with two characters a token: the word, as a private-use code point the matcher
assigned it (any other word is one shared code point), and its flags. Matching at a start
position is then one call into C that returns the longest end, as the search over
(step, position, repetition) states did in Python.
tests/test_token_matcher.py checks it against spaCy's Matcher on random
patterns and texts.
"""

from __future__ import annotations

import json
import re
import uuid
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy
import regex
from spacy.attrs import IS_PUNCT, IS_TITLE, LIKE_NUM, LOWER, SENT_START
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

_UNBOUNDED = 1 << 30
_RANGE = re.compile(r"^\{(\d*),(\d*)\}$")
_SUPPORTED = {"LOWER", "IS_PUNCT", "LIKE_NUM", "IS_TITLE", "IS_SENT_START", "OP"}
_STOP_WORDS = frozenset(STOP_WORDS) | {"n't", "'s", "-", ",", "."}
_FLAG_COLUMN = {"IS_PUNCT": 1, "LIKE_NUM": 2, "IS_TITLE": 3, "IS_SENT_START": 4}
_CACHE_KEY = "stemcheck.token_arrays"
_QUESTION = get_string_id("?")
# The token string: a word code point (plane 15's private-use area; 0xF0000 is "a word no
# pattern names"), then a flag character whose low four bits are IS_PUNCT, LIKE_NUM,
# IS_TITLE and sentence start.
_OTHER_WORD = 0xF0000
_MAX_WORDS = 0xFFFFD - _OTHER_WORD
_FLAG_BASE = 0xE000
_FLAG_BIT = {1: 1, 2: 2, 3: 4, 4: 8}  # _FLAG_COLUMN column -> bit
_ANY_WORD = f"[{chr(_OTHER_WORD)}-{chr(_OTHER_WORD + _MAX_WORDS)}]"
_ANY_FLAGS = f"[{chr(_FLAG_BASE)}-{chr(_FLAG_BASE + 15)}]"


class UnsupportedPattern(ValueError):
    pass


@dataclass(frozen=True)
class _Token:
    """A single-token test."""

    words: frozenset[int] | None  # allowed lower-case forms, as string hashes; None = any
    exclude: frozenset[int]  # NOT_IN
    flags: tuple[tuple[int, bool], ...]  # (column in _DocArrays.flags, required value)
    strings: frozenset[str] | None  # the words as strings, to judge how common they are


@dataclass(frozen=True)
class _Step:
    """One position of a pattern: a single token, or one of several phrases
    (our extension, "PHRASES"), repeated lo..hi times."""

    single: _Token | None
    phrases: tuple[tuple[_Token, ...], ...]
    lo: int
    hi: int

    def first_words(self) -> frozenset[int] | None:
        """Words a match of this step must start with (None: any)."""
        firsts = ([self.single] if self.single else []) + [p[0] for p in self.phrases]
        if any(t.words is None for t in firsts):
            return None
        return frozenset().union(*(t.words for t in firsts))

    def rarity(self) -> tuple[int, int]:
        firsts = ([self.single] if self.single else []) + [p[0] for p in self.phrases]
        strings = set().union(*(t.strings or () for t in firsts))
        return (sum(1 for w in strings if w in _STOP_WORDS), len(strings))


def _quantity(op: str | None) -> tuple[int, int]:
    if op is None:
        return 1, 1
    if op == "?":
        return 0, 1
    if op == "*":
        return 0, _UNBOUNDED
    if op == "+":
        return 1, _UNBOUNDED
    m = _RANGE.match(op)
    if not m:
        raise UnsupportedPattern(f"unsupported operator {op!r}")
    lo = int(m.group(1) or 0)
    hi = int(m.group(2)) if m.group(2) else _UNBOUNDED
    return lo, hi


def _token(spec: dict) -> _Token:
    unknown = set(spec) - _SUPPORTED
    if unknown:
        raise UnsupportedPattern(f"unsupported token attributes {sorted(unknown)}")
    strings: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()
    lower = spec.get("LOWER")
    if isinstance(lower, str):
        strings = frozenset([lower])
    elif isinstance(lower, dict):
        if set(lower) - {"IN", "NOT_IN"}:
            raise UnsupportedPattern(f"unsupported LOWER predicate {sorted(lower)}")
        if "IN" in lower:
            strings = frozenset(lower["IN"])
        exclude = frozenset(lower.get("NOT_IN", ()))
    elif lower is not None:
        raise UnsupportedPattern(f"LOWER must be a string or a dict, not {lower!r}")
    flags = tuple((_FLAG_COLUMN[k], bool(spec[k])) for k in _FLAG_COLUMN if k in spec)
    words = _intern(frozenset(get_string_id(w) for w in strings)) if strings is not None else None
    return _Token(words, _intern(frozenset(get_string_id(w) for w in exclude)), flags, None if strings is None else _intern(strings))


_INTERNED: dict[frozenset, frozenset] = {}


def _intern(items: frozenset) -> frozenset:
    """One shared object per distinct word set: lexicons repeat across many
    patterns, and sharing keeps memory and the pickled cache small."""
    return _INTERNED.setdefault(items, items)


def _step(spec: dict) -> _Step:
    spec = dict(spec)
    lo, hi = _quantity(spec.pop("OP", None))
    phrases = spec.pop("PHRASES", None)
    compiled_phrases: tuple[tuple[_Token, ...], ...] = ()
    if phrases is not None:
        for phrase in phrases:
            if not phrase or any("OP" in tok or "PHRASES" in tok for tok in phrase):
                raise UnsupportedPattern("a phrase must be a non-empty list of plain tokens")
        compiled_phrases = tuple(tuple(_token(tok) for tok in phrase) for phrase in phrases)
    # Without phrases, an empty spec is the any-token wildcard; with phrases,
    # only the phrases are alternatives unless single-token keys are given.
    single = _token(spec) if (spec or phrases is None) else None
    return _Step(single, compiled_phrases, lo, hi)


class _DocArrays:
    """Token attributes of a whole document, read once in C (doc.to_array) and
    shared by every matcher call on the document and its sentences."""

    __slots__ = ("lower", "flags", "sentences", "_starts", "_encoded")

    def __init__(self, doc: Doc):
        self.lower = doc.to_array(LOWER).tolist() if len(doc) else []
        # Flags stay a numpy array: few patterns read them.
        self.flags = doc.to_array([LOWER, IS_PUNCT, LIKE_NUM, IS_TITLE, SENT_START]) if len(doc) else None
        sent = doc.to_array(SENT_START) if len(doc) else ()
        starts = [0] + [int(i) for i in numpy.flatnonzero(sent == 1) if i > 0] if len(doc) else []
        if not doc.has_annotation("SENT_START"):
            starts = [0] if len(doc) else []
        ends = starts[1:] + [len(doc)]
        self.sentences = list(zip(starts, ends))
        self._starts = starts
        self._encoded: dict[str, str] = {}  # matcher uid -> token string

    def encoded(self, uid: str, codes: dict[int, int]) -> str:
        """The doc as the token string of the matcher with these word codes."""
        enc = self._encoded.get(uid)
        if enc is None:
            if self.flags is None:
                enc = ""
            else:
                f = self.flags
                bits = (f[:, 1] != 0) * 1 + (f[:, 2] != 0) * 2 + (f[:, 3] != 0) * 4 + (f[:, 4] == 1) * 8
                get = codes.get
                enc = "".join(
                    chr(get(w, _OTHER_WORD)) + chr(_FLAG_BASE + b) for w, b in zip(self.lower, bits.tolist())
                )
            self._encoded[uid] = enc
        return enc

    def within(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Sentence ranges overlapping [lo, hi), clipped to it."""
        first = max(bisect_right(self._starts, lo) - 1, 0)
        out = []
        sentences = self.sentences
        # An index walk, not a slice: a slice would copy the rest of the document's
        # sentences on every call, quadratic over a page of many tiny sentences.
        for k in range(first, len(sentences)):
            s, e = sentences[k]
            if s >= hi:
                break
            if e > lo:
                out.append((max(s, lo), min(e, hi)))
        return out

    @classmethod
    def of(cls, doc: Doc) -> "_DocArrays":
        cached = doc.user_data.get(_CACHE_KEY)
        if cached is None or len(cached.lower) != len(doc):
            cached = doc.user_data[_CACHE_KEY] = cls(doc)
        return cached


def sentence_spans(doc: Doc) -> list[Span]:
    """doc.sents as a list, from the sentence starts read once in C (doc.sents itself makes
    a Token object for every token, each time it is walked). Cached on the doc."""
    spans = doc.user_data.get(_SENTS_KEY)
    if spans is None or (spans and spans[-1].end != len(doc)):
        spans = doc.user_data[_SENTS_KEY] = [doc[s:e] for s, e in _DocArrays.of(doc).sentences]
    return spans


_SENTS_KEY = "stemcheck.sentence_spans"


def _accepts(step: _Token, arr: _DocArrays, i: int) -> bool:
    word = arr.lower[i]
    if step.words is not None and word not in step.words:
        return False
    if word in step.exclude:
        return False
    if step.flags:
        row = arr.flags[i]
        for col, want in step.flags:
            value = int(row[col])
            if (value == 1 if col == 4 else bool(value)) != want:
                return False
    return True


class _Compiled:
    __slots__ = ("keys", "steps", "starts", "fixed", "rx")

    def __init__(self, key: str, steps: tuple[_Step, ...]):
        # One compiled pattern serves every key that added the same pattern
        # (many rules share their context patterns).
        self.keys = [key]
        self.steps = steps
        # Most cue patterns are a fixed run of single tokens: no search needed.
        self.fixed = (
            tuple(st.single for st in steps)
            if all(st.lo == st.hi == 1 and st.single is not None and not st.phrases for st in steps)
            else None
        )
        # Where a match can start: tokens the first step accepts by word,
        # unless that step may be skipped or accepts any word.
        first = steps[0]
        self.starts = first.first_words() if first.lo >= 1 else None
        self.rx = None  # compiled on first use (see _regex)

    def longest(self, arr: _DocArrays, start: int, limit: int, enc: str, codes: dict[int, int]) -> int:
        """End of the longest match starting at `start` and ending by `limit`, or -1; `enc`
        is the doc's token string for the matcher whose word `codes` these are."""
        if self.fixed is not None:
            end = start + len(self.fixed)
            if end > limit:
                return -1
            for k, tok in enumerate(self.fixed):
                if not _accepts(tok, arr, start + k):
                    return -1
            return end
        rx = self.rx
        if rx is None:
            rx = self.rx = regex.compile(_pattern_regex(self.steps, codes), regex.POSIX)
        m = rx.match(enc, 2 * start, 2 * limit)
        return m.end() // 2 if m is not None and m.end() > 2 * start else -1


def _char_class(points: Iterable[int]) -> str:
    """A character class of these code points, runs written as ranges: a lexicon's words
    get consecutive codes, and a class of a few ranges compiles far faster than one of
    thousands of single characters."""
    ordered = sorted(set(points))
    parts, k = [], 0
    while k < len(ordered):
        j = k
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(chr(ordered[k]) if j == k else chr(ordered[k]) + "-" + chr(ordered[j]))
        k = j + 1
    return "[" + "".join(parts) + "]"


def _token_regex(tok: _Token, codes: dict[int, int]) -> str:
    if tok.words is not None:
        allowed = [codes[w] for w in tok.words if w not in tok.exclude]
        word = _char_class(allowed) if allowed else "(?!)"
    elif tok.exclude:
        word = "(?!" + _char_class(codes[w] for w in tok.exclude) + ")" + _ANY_WORD
    else:
        word = _ANY_WORD
    if not tok.flags:
        return word + _ANY_FLAGS
    ok = [b for b in range(16) if all(bool(b & _FLAG_BIT[col]) == want for col, want in tok.flags)]
    return word + ("[" + "".join(chr(_FLAG_BASE + b) for b in ok) + "]" if ok else "(?!)")


def _pattern_regex(steps: tuple[_Step, ...], codes: dict[int, int]) -> str:
    parts = []
    for step in steps:
        alts = ([_token_regex(step.single, codes)] if step.single is not None else []) + [
            "".join(_token_regex(t, codes) for t in phrase) for phrase in step.phrases
        ]
        body = "(?:" + "|".join(alts) + ")"
        if step.lo == step.hi == 1:
            parts.append(body)
        elif step.hi >= _UNBOUNDED:
            parts.append(body + "{%d,}" % step.lo)
        else:
            parts.append(body + "{%d,%d}" % (step.lo, step.hi))
    return "".join(parts)


class _Group:
    """Patterns that need the same word sets: checked against a sentence once."""

    __slots__ = ("anchors", "anchor_ids", "patterns")

    def __init__(self, anchors: tuple[frozenset[int], ...], anchor_ids: frozenset[int]):
        self.anchors = anchors
        self.anchor_ids = anchor_ids  # ids of the anchor sets, for a subset test
        self.patterns: list[_Compiled] = []


class TokenMatcher:
    """Runs spaCy Matcher token patterns: add(key, patterns), then call on a
    Doc or Span for [(key, start, end)] with the longest end for each key and
    start (document token indexes)."""

    def __init__(self) -> None:
        self._groups: dict[tuple[frozenset[int], ...], _Group] = {}
        self._seen: dict[str, _Compiled] = {}  # canonical pattern -> compiled
        # Each distinct required word set gets an id; a sentence "hits" the sets
        # it has a word of, and a group is tried when all its ids are hit.
        self._anchor_ids: dict[frozenset[int], int] = {}
        self._word_anchors: dict[int, list[int]] = {}  # word -> ids of sets holding it
        self._by_rarest: dict[int, list[_Group]] = {}  # rarest set id -> groups
        self._frozen_words: dict[int, tuple[int, ...]] | None = None
        self._always: list[_Group] = []  # groups with no required word at all
        self._keys: set[str] = set()
        # The two group indexes cut down to the patterns of one `only` key set: calls with
        # `only` (a sentence's context patterns) then never look at other rules' patterns.
        self._restricted: dict[frozenset[str], tuple[dict[int, list[_Group]], list[_Group]]] = {}
        # Word hash -> its code point in the token string; the uid keys each doc's string
        # for this matcher (a pickled copy keeps both, so its strings are the same).
        self._codes: dict[int, int] = {}
        self._uid = uuid.uuid4().hex

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str, patterns: Sequence[Sequence[dict]]) -> None:
        self._keys.add(key)
        for pattern in patterns:
            if not pattern:
                raise UnsupportedPattern(f"{key}: empty pattern")
            if self._seen is None or self._groups is None:
                raise RuntimeError("this matcher was loaded from a cache; build a new one to add patterns")
            canonical = json.dumps(pattern, sort_keys=True)
            known = self._seen.get(canonical)
            if known is not None:
                if key not in known.keys:
                    known.keys.append(key)
                continue
            steps = tuple(_step(spec) for spec in pattern)
            self._register_words(steps)
            required: dict[frozenset[int], tuple[int, int]] = {}
            for st in steps:
                words = st.first_words() if st.lo >= 1 else None
                if words is not None:
                    required[words] = st.rarity()
            required_sorted = sorted(required.items(), key=lambda kv: kv[1])
            anchors = tuple(words for words, _ in required_sorted)
            group = self._groups.get(anchors)
            if group is None:
                ids = [self._anchor_id(a) for a in anchors]
                group = self._groups[anchors] = _Group(anchors, frozenset(ids))
                if anchors:
                    self._by_rarest.setdefault(ids[0], []).append(group)
                else:
                    self._always.append(group)
            compiled = self._seen[canonical] = _Compiled(key, steps)
            group.patterns.append(compiled)

    def compile_all(self) -> int:
        """Compile every pattern's regular expression now rather than on first use (a
        server does this once, before forking its workers); returns how many."""
        n = 0
        for group in list(self._always) + [g for found in self._by_rarest.values() for g in found]:
            for pat in group.patterns:
                if pat.fixed is None and pat.rx is None:
                    pat.rx = regex.compile(_pattern_regex(pat.steps, self._codes), regex.POSIX)
                    n += 1
        return n

    def words(self) -> frozenset[str]:
        """Every word a pattern names (LOWER values and IN sets, phrases included)."""
        out: set[str] = set()
        groups = list(self._always) + [g for found in self._by_rarest.values() for g in found]
        for group in groups:
            for pat in group.patterns:
                for step in pat.steps:
                    tokens = ([step.single] if step.single else []) + [t for ph in step.phrases for t in ph]
                    for tok in tokens:
                        if tok.strings:
                            out.update(tok.strings)
        return frozenset(out)

    def __getstate__(self) -> dict:
        # The lookup tables used while adding patterns are big and are only
        # needed to add more; a pickled matcher keeps what matching uses.
        state = {k: getattr(self, k) for k in self.__dict__}
        state["_seen"] = None
        state["_groups"] = None
        state["_restricted"] = {}
        return state

    def _register_words(self, steps: tuple[_Step, ...]) -> None:
        codes = self._codes
        for step in steps:
            for tok in ([step.single] if step.single else []) + [t for ph in step.phrases for t in ph]:
                for w in (tok.words or ()), tok.exclude:
                    for h in w:
                        if h not in codes:
                            if len(codes) >= _MAX_WORDS:
                                raise UnsupportedPattern("more distinct words than the token string can hold")
                            codes[h] = _OTHER_WORD + 1 + len(codes)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_restricted", {})

    _RESTRICTED_CACHE = 512

    def _indexes_for(self, only: frozenset[str]) -> tuple[dict[int, list[_Group]], list[_Group]]:
        got = self._restricted.get(only)
        if got is not None:
            return got

        def cut(groups: list[_Group]) -> list[_Group]:
            out = []
            for g in groups:
                pats = [p for p in g.patterns if not only.isdisjoint(p.keys)]
                if pats:
                    small = _Group(g.anchors, g.anchor_ids)
                    small.patterns = pats
                    out.append(small)
            return out

        by_rarest = {aid: kept for aid, groups in self._by_rarest.items() if (kept := cut(groups))}
        got = (by_rarest, cut(self._always))
        if len(self._restricted) >= self._RESTRICTED_CACHE:
            self._restricted.clear()
        self._restricted[only] = got
        return got

    def _anchor_id(self, words: frozenset[int]) -> int:
        aid = self._anchor_ids.get(words)
        if aid is None:
            aid = self._anchor_ids[words] = len(self._anchor_ids)
            for w in words:
                self._word_anchors.setdefault(w, []).append(aid)
            self._frozen_words = None
        return aid

    def __call__(self, doclike: Doc | Span, only: frozenset[str] | set[str] | None = None) -> list[tuple[str, int, int]]:
        """Matches in doclike; with `only`, just the patterns added under those keys."""
        doc = doclike.doc if isinstance(doclike, Span) else doclike
        lo = doclike.start if isinstance(doclike, Span) else 0
        hi = doclike.end if isinstance(doclike, Span) else len(doc)
        arr = _DocArrays.of(doc)
        lower = arr.lower
        codes = self._codes
        enc = arr.encoded(self._uid, codes)
        if self._frozen_words is None:
            self._frozen_words = {w: tuple(ids) for w, ids in self._word_anchors.items()}
        word_anchors = self._frozen_words
        if only is not None:
            only = frozenset(only)
            by_rarest, always = self._indexes_for(only)
        else:
            by_rarest, always = self._by_rarest, self._always
        sentences = arr.within(lo, hi)
        best: dict[tuple[str, int], int] = {}
        question = _QUESTION
        for n, (s_start, first_end) in enumerate(sentences):
            # A match starts in this sentence; it may run into the next one
            # only after a question or a fragment of a few words ("Incurable?
            # Not anymore.", "Safe. Proven."), as spaCy's Matcher would allow.
            s_end = first_end
            if n + 1 < len(sentences) and (first_end - s_start <= 4 or question in lower[s_start:first_end]):
                s_end = sentences[n + 1][1]
            window = lower[s_start:s_end]
            hit: set[int] = set()
            for w in set(window):
                ids = word_anchors.get(w)
                if ids:
                    hit.update(ids)
            groups = list(always)
            for aid in hit:
                found = by_rarest.get(aid)
                if found:
                    groups.extend(g for g in found if g.anchor_ids <= hit)
            if not groups:
                continue
            positions: dict[int, list[int]] = {}
            for j in range(s_start, first_end):
                positions.setdefault(lower[j], []).append(j)
            for group in groups:
                for pat in group.patterns:
                    if only is not None and only.isdisjoint(pat.keys):
                        continue
                    for i in _start_positions(pat, positions, s_start, first_end):
                        end = pat.longest(arr, i, s_end, enc, codes)
                        if end > 0:
                            for key in pat.keys:
                                if only is not None and key not in only:
                                    continue
                                k = (key, i)
                                if end > best.get(k, -1):
                                    best[k] = end
        return [(key, start, end) for (key, start), end in best.items()]


def _start_positions(pat: _Compiled, positions: dict[int, list[int]], lo: int, hi: int) -> Iterable[int]:
    if pat.starts is None:
        return range(lo, hi)
    found = [i for w in pat.starts & positions.keys() for i in positions[w] if lo <= i < hi]
    found.sort()
    return found
