"""A fast matcher for spaCy token patterns, prefiltered in one pass of Hyperscan.

The rule pack compiles to spaCy Matcher token patterns (lists of dicts), and
this module runs them. Why not spacy.matcher.Matcher itself: it tries every
pattern at every token and calls a Python predicate for every `IN` set, so
with the pack's thousand-odd patterns it checked about 2 000 tokens a second.
Here every pattern is also compiled into one Hyperscan database (Intel's
multi-pattern regular expression engine, through the `hyperscan` package), which
says in a single linear pass over a document which patterns match anywhere in it;
typically 10 of the 570 rule patterns on a 3 KB page. Only those are tried, and
only from tokens their first step accepts.

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
The prefilter only removes patterns that cannot match, so results are exactly the
regular-expression matcher's; tests/test_token_matcher.py checks both against spaCy's
Matcher on random patterns and texts.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy
import regex

try:
    import hyperscan
except ImportError:  # no wheel for this platform (Linux on ARM): every pattern is tried
    hyperscan = None
from spacy.attrs import IS_PUNCT, IS_TITLE, LIKE_NUM, LOWER, SENT_START
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

_UNBOUNDED = 1 << 30
_RANGE = re.compile(r"^\{(\d*),(\d*)\}$")
_SUPPORTED = {"LOWER", "IS_PUNCT", "LIKE_NUM", "IS_TITLE", "IS_SENT_START", "OP"}
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
_NEVER = chr(_FLAG_BASE + 0xFF)  # a character no token string holds


class UnsupportedPattern(ValueError):
    pass


@dataclass(frozen=True)
class _Token:
    """A single-token test."""

    words: frozenset[int] | None  # allowed lower-case forms, as string hashes; None = any
    exclude: frozenset[int]  # NOT_IN
    flags: tuple[tuple[int, bool], ...]  # (column in _DocArrays.flags, required value)
    strings: frozenset[str] | None  # the words as strings (TokenMatcher.words lists them)


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

    __slots__ = ("lower", "flags", "sentences", "_starts", "_encoded", "_matching", "_positions")

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
        self._matching: dict[str, set[int]] = {}  # matcher uid -> patterns its prefilter passed
        self._positions: dict[int, list[int]] | None = None

    def matching(self, uid: str, prefilter: "_Prefilter", enc: str) -> set[int]:
        """The patterns of the matcher `uid` that may match somewhere in this doc."""
        got = self._matching.get(uid)
        if got is None:
            got = self._matching[uid] = prefilter.matching(enc)
        return got

    def positions(self) -> dict[int, list[int]]:
        """Each word (its hash) -> the tokens that hold it, in order."""
        if self._positions is None:
            self._positions = _positions(self.lower, 0, len(self.lower))
        return self._positions

    def encoded(self, uid: str, table: tuple[numpy.ndarray, numpy.ndarray]) -> str:
        """The doc as the token string of the matcher with this word table (its word hashes
        sorted, and their code points), built in numpy rather than a Python loop."""
        enc = self._encoded.get(uid)
        if enc is None:
            if self.flags is None:
                enc = ""
            else:
                f = self.flags
                bits = (f[:, 1] != 0) * 1 + (f[:, 2] != 0) * 2 + (f[:, 3] != 0) * 4 + (f[:, 4] == 1) * 8
                keys, points = table
                words = f[:, 0]
                if len(keys):
                    at = numpy.minimum(numpy.searchsorted(keys, words), len(keys) - 1)
                    word_points = numpy.where(keys[at] == words, points[at], _OTHER_WORD)
                else:
                    word_points = numpy.full(len(words), _OTHER_WORD)
                both = numpy.empty(2 * len(words), dtype="<u4")
                both[0::2] = word_points
                both[1::2] = bits + _FLAG_BASE
                enc = both.tobytes().decode("utf-32-le")
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


def _token_regex(tok: _Token, codes: dict[int, int], hyperscan_syntax: bool = False) -> str:
    """One token of the token string: its word code point, then its flag character.
    Hyperscan has no look-ahead, so there a NOT_IN set is the complement class and an
    impossible token a character the token string never holds."""
    never = _NEVER if hyperscan_syntax else "(?!)"
    if tok.words is not None:
        allowed = [codes[w] for w in tok.words if w not in tok.exclude]
        word = _char_class(allowed) if allowed else never
    elif tok.exclude:
        excluded = {codes[w] for w in tok.exclude}
        if hyperscan_syntax:
            word = _char_class(c for c in range(_OTHER_WORD, _OTHER_WORD + len(codes) + 1) if c not in excluded)
        else:
            word = "(?!" + _char_class(excluded) + ")" + _ANY_WORD
    else:
        word = _ANY_WORD
    if not tok.flags:
        return word + _ANY_FLAGS
    ok = [b for b in range(16) if all(bool(b & _FLAG_BIT[col]) == want for col, want in tok.flags)]
    return word + ("[" + "".join(chr(_FLAG_BASE + b) for b in ok) + "]" if ok else never)


def _pattern_regex(steps: tuple[_Step, ...], codes: dict[int, int], hyperscan_syntax: bool = False) -> str:
    parts = []
    for step in steps:
        alts = ([_token_regex(step.single, codes, hyperscan_syntax)] if step.single is not None else []) + [
            "".join(_token_regex(t, codes, hyperscan_syntax) for t in phrase) for phrase in step.phrases
        ]
        body = "(?:" + "|".join(alts) + ")"
        if step.lo == step.hi == 1:
            parts.append(body)
        elif step.hi >= _UNBOUNDED:
            parts.append(body + "{%d,}" % step.lo)
        else:
            parts.append(body + "{%d,%d}" % (step.lo, step.hi))
    return "".join(parts)


class _Prefilter:
    """Every pattern in one Hyperscan database: one linear pass over a document's token
    string (UTF-8) says which patterns match anywhere in it. Patterns it cannot hold (one
    that matches the empty string, or one Hyperscan rejects) are always tried; so is every
    pattern when `enabled` is false or Hyperscan is missing."""

    def __init__(self, patterns: Sequence["_Compiled"], codes: dict[int, int], enabled: bool = True):
        self.always: list[int] = []
        exprs: dict[int, bytes] = {}
        for k, pat in enumerate(patterns):
            if not enabled or hyperscan is None or all(st.lo == 0 for st in pat.steps):
                self.always.append(k)
            else:
                exprs[k] = _pattern_regex(pat.steps, codes, hyperscan_syntax=True).encode("utf-8")
        self._db = self._compile(exprs)
        self._local = threading.local()

    def _compile(self, exprs: dict[int, bytes]) -> "hyperscan.Database | None":
        if not exprs:
            return None
        try:
            return self._database(exprs)
        except hyperscan.error:
            # Find the patterns Hyperscan rejects (for example, too large) and try those always.
            kept = {}
            for k, e in exprs.items():
                try:
                    self._database({k: e})
                    kept[k] = e
                except hyperscan.error:
                    self.always.append(k)
            self.always.sort()
            return self._database(kept) if kept else None

    @staticmethod
    def _database(exprs: dict[int, bytes]) -> "hyperscan.Database":
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        flags = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_SINGLEMATCH  # "does it match at all"
        db.compile(expressions=list(exprs.values()), ids=list(exprs), elements=len(exprs), flags=[flags] * len(exprs))
        return db

    def matching(self, enc: str) -> set[int]:
        """Indexes of the patterns that may match somewhere in this token string."""
        found = set(self.always)
        if self._db is not None and enc:
            # Scratch space is per thread: a database's own would fail under two threads.
            scratch = getattr(self._local, "scratch", None)
            if scratch is None:
                scratch = self._local.scratch = hyperscan.Scratch(self._db)
            self._db.scan(enc.encode("utf-8"), match_event_handler=_on_match, context=found, scratch=scratch)
        return found

    def __getstate__(self) -> dict:
        return {"always": self.always, "db": hyperscan.dumpb(self._db) if self._db is not None else None}

    def __setstate__(self, state: dict) -> None:
        self.always = state["always"]
        self._db = None
        if state["db"] is not None:
            if hyperscan is None:
                raise ValueError("this matcher was pickled with a Hyperscan database, and Hyperscan is missing")
            self._db = hyperscan.loadb(state["db"], hyperscan.HS_MODE_BLOCK)
        self._local = threading.local()


def _on_match(pattern: int, start: int, end: int, flags: int, found: set[int]) -> None:
    found.add(pattern)


class TokenMatcher:
    """Runs spaCy Matcher token patterns: add(key, patterns), then call on a
    Doc or Span for [(key, start, end)] with the longest end for each key and
    start (document token indexes)."""

    def __init__(self, prefilter: bool = True) -> None:
        """prefilter=False tries every pattern (no Hyperscan pass): the same matches, slower;
        the tests compare the two."""
        self._use_prefilter = prefilter
        self._patterns: list[_Compiled] = []
        self._seen: dict[str, _Compiled] | None = {}  # canonical pattern -> compiled
        self._keys: set[str] = set()
        self._prefilter: _Prefilter | None = None  # built on first use, or by prepare()
        self._table: tuple[numpy.ndarray, numpy.ndarray] = (numpy.zeros(0, numpy.uint64), numpy.zeros(0, numpy.uint32))
        # The patterns of one `only` key set: calls with `only` (a sentence's context
        # patterns) then never look at other rules' patterns.
        self._restricted: dict[frozenset[str], list[int]] = {}
        # Word hash -> its code point in the token string; the uid keys each doc's string
        # for this matcher (a pickled copy keeps both, so its strings are the same).
        self._codes: dict[int, int] = {}
        self._uid = uuid.uuid4().hex

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: str, patterns: Sequence[Sequence[dict]]) -> None:
        if self._seen is None:
            raise RuntimeError("this matcher was loaded from a cache; build a new one to add patterns")
        self._keys.add(key)
        for pattern in patterns:
            if not pattern:
                raise UnsupportedPattern(f"{key}: empty pattern")
            canonical = json.dumps(pattern, sort_keys=True)
            known = self._seen.get(canonical)
            if known is not None:
                # One compiled pattern serves every key that added the same pattern
                # (many rules share their context patterns).
                if key not in known.keys:
                    known.keys.append(key)
                continue
            steps = tuple(_step(spec) for spec in pattern)
            self._register_words(steps)
            compiled = self._seen[canonical] = _Compiled(key, steps)
            self._patterns.append(compiled)
            self._prefilter = None
            self._restricted.clear()

    def prepare(self) -> None:
        """Build the Hyperscan prefilter now rather than on first use (a few seconds for
        the whole pack), so that a pickled matcher carries it."""
        if self._prefilter is None:
            self._prefilter = _Prefilter(self._patterns, self._codes, self._use_prefilter)
            keys = sorted(self._codes)
            self._table = (numpy.array(keys, dtype=numpy.uint64), numpy.array([self._codes[k] for k in keys], dtype=numpy.uint32))

    def compile_all(self) -> int:
        """Compile every pattern's regular expression now rather than on first use (a
        server does this once, before forking its workers); returns how many."""
        self.prepare()
        n = 0
        for pat in self._patterns:
            if pat.fixed is None and pat.rx is None:
                pat.rx = regex.compile(_pattern_regex(pat.steps, self._codes), regex.POSIX)
                n += 1
        return n

    def words(self) -> frozenset[str]:
        """Every word a pattern names (LOWER values and IN sets, phrases included)."""
        out: set[str] = set()
        for pat in self._patterns:
            for step in pat.steps:
                tokens = ([step.single] if step.single else []) + [t for ph in step.phrases for t in ph]
                for tok in tokens:
                    if tok.strings:
                        out.update(tok.strings)
        return frozenset(out)

    def __getstate__(self) -> dict:
        # The lookup table used while adding patterns is only needed to add more.
        self.prepare()
        state = dict(self.__dict__)
        state["_seen"] = None
        state["_restricted"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

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

    _RESTRICTED_CACHE = 512

    def _indexes_for(self, only: frozenset[str]) -> list[int]:
        got = self._restricted.get(only)
        if got is None:
            got = [k for k, p in enumerate(self._patterns) if not only.isdisjoint(p.keys)]
            if len(self._restricted) >= self._RESTRICTED_CACHE:
                self._restricted.clear()
            self._restricted[only] = got
        return got

    def __call__(self, doclike: Doc | Span, only: frozenset[str] | set[str] | None = None) -> list[tuple[str, int, int]]:
        """Matches in doclike; with `only`, just the patterns added under those keys."""
        doc = doclike.doc if isinstance(doclike, Span) else doclike
        lo = doclike.start if isinstance(doclike, Span) else 0
        hi = doclike.end if isinstance(doclike, Span) else len(doc)
        if hi <= lo:
            return []
        arr, enc, matching = self._scan(doc)
        if only is not None:
            only = frozenset(only)
            candidates = [k for k in self._indexes_for(only) if k in matching]
        else:
            candidates = sorted(matching)
        if not candidates:
            return []
        lower = arr.lower
        sentences = arr.within(lo, hi)
        sent_starts = [s for s, _ in sentences]
        limits: dict[int, int] = {}  # sentence number -> where a match starting in it may end
        question = _QUESTION
        # Word -> its tokens in [lo, hi): the doc's table for a whole doc, a small one for a
        # sentence (looking a sentence's words up in the doc's table would cost the doc's size).
        positions = arr.positions() if (lo, hi) == (0, len(doc)) else _positions(lower, lo, hi)
        best: dict[tuple[int, str, int], int] = {}
        for k in candidates:
            pat = self._patterns[k]
            for i in _start_positions(pat, positions, lo, hi):
                n = bisect_right(sent_starts, i) - 1
                limit = limits.get(n)
                if limit is None:
                    # A match starts in this sentence; it may run into the next one only
                    # after a question or a fragment of a few words ("Incurable? Not
                    # anymore.", "Safe. Proven."), as spaCy's Matcher would allow.
                    s_start, limit = sentences[n]
                    if n + 1 < len(sentences) and (limit - s_start <= 4 or question in lower[s_start:limit]):
                        limit = sentences[n + 1][1]
                    limits[n] = limit
                self._longest_into(best, 0, pat, arr, i, limit, enc, only)
        return [(key, start, end) for (_, key, start), end in best.items()]

    def in_sentences(
        self, doc: Doc, wanted: dict[tuple[int, int], frozenset[str]]
    ) -> dict[tuple[int, int], list[tuple[str, int, int]]]:
        """Matches in each of these sentences of doc (token ranges, none overlapping), of the
        patterns under that sentence's keys: what calling the matcher on each sentence as a
        Span with `only` gives (a match stays inside its sentence), in one pass over the doc."""
        out: dict[tuple[int, int], list[tuple[str, int, int]]] = {r: [] for r in wanted}
        if not wanted or not len(doc):
            return out
        arr, enc, matching = self._scan(doc)
        candidates = [k for k in self._indexes_for(frozenset().union(*wanted.values())) if k in matching]
        if not candidates:
            return out
        ranges = sorted(wanted)
        firsts = [r[0] for r in ranges]
        positions = arr.positions()
        best: dict[tuple[int, str, int], int] = {}  # (sentence number, key, start) -> end
        for k in candidates:
            pat = self._patterns[k]
            if pat.starts is None:
                tries: Iterable[int] = (i for r in ranges for i in range(*r))
            else:
                tries = _start_positions(pat, positions, 0, len(doc))
            for i in tries:
                n = bisect_right(firsts, i) - 1
                if n < 0 or i >= ranges[n][1]:
                    continue
                keys = wanted[ranges[n]]
                if keys.isdisjoint(pat.keys):
                    continue
                self._longest_into(best, n, pat, arr, i, ranges[n][1], enc, keys)
        for (n, key, start), end in best.items():
            out[ranges[n]].append((key, start, end))
        return out

    def _scan(self, doc: Doc) -> tuple["_DocArrays", str, set[int]]:
        """The doc's token arrays, its token string, and the patterns the prefilter passes."""
        self.prepare()
        arr = _DocArrays.of(doc)
        enc = arr.encoded(self._uid, self._table)
        return arr, enc, arr.matching(self._uid, self._prefilter, enc)

    def _longest_into(
        self, best: dict[tuple[int, str, int], int], group: int, pat: "_Compiled", arr: "_DocArrays",
        start: int, limit: int, enc: str, keys: frozenset[str] | None,
    ) -> None:
        """Record the longest match of `pat` from `start` (ending by `limit`) under each of its
        keys in `keys` (every key when None): best[(group, key, start)] = end."""
        end = pat.longest(arr, start, limit, enc, self._codes)
        if end > 0:
            for key in pat.keys:
                if keys is None or key in keys:
                    at = (group, key, start)
                    if end > best.get(at, -1):
                        best[at] = end


def _positions(lower: list[int], lo: int, hi: int) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for j in range(lo, hi):
        out.setdefault(lower[j], []).append(j)
    return out


def _start_positions(pat: _Compiled, positions: dict[int, list[int]], lo: int, hi: int) -> Iterable[int]:
    """Tokens in [lo, hi) where the pattern's first step may start, in order; `positions`
    holds every word of [lo, hi) (and maybe more)."""
    if pat.starts is None:
        return range(lo, hi)
    starts = pat.starts
    # Walk the smaller side: a cue's few first words, or a sentence's few words.
    words = [w for w in starts if w in positions] if len(starts) <= len(positions) else [w for w in positions if w in starts]
    if not words:
        return ()
    found = []
    for w in words:
        at = positions[w]
        if at[0] >= lo and at[-1] < hi:
            found.extend(at)
        else:
            found.extend(at[bisect_left(at, lo) : bisect_left(at, hi)])
    if len(words) > 1:
        found.sort()
    return found
