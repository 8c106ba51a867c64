"""Anti-evasion text normalisation with an exact map back to the original text.

Clinic marketing sometimes hides claim words from naive matchers with
compatibility characters ("ﬁ", fullwidth letters), invisible characters,
look-alike letters from other scripts ("сurе" with Cyrillic letters) or
letter spacing ("c u r e"). :func:`normalise` undoes these and records, for
every output character, the half-open range of original code points it came
from, so matches found in the normalised text can be reported against the
text the user actually supplied.

Pipeline (each step keeps the map):

1. Invisible characters are dropped (Unicode category Cf, plus a few
   default-ignorable non-Cf characters such as variation selectors and Hangul
   fillers). This happens *before* composition so that a hidden character
   between a base letter and its combining mark cannot block composition.
2. NFKC, applied per chunk (a starter plus everything that can interact with
   it), so composition never silently merges characters across chunks and
   each output character maps to its whole chunk.
3. Typographic apostrophes/quotes/dashes become ASCII, and look-alike letters
   are folded to ASCII Latin (table derived lazily from the Unicode
   confusables data shipped with ``confusable_homoglyphs``). Folding is
   decided per word so genuine Greek, Cyrillic, etc. text survives: a word
   is folded if it mixes look-alikes with Latin letters, or if all its
   letters are look-alikes and no neighbouring word is clearly non-Latin
   (see :func:`_word_verdict` and :func:`_neighbours_allow`).
4. Letter-spaced words ("c u r e", "c-u-r-e") and dotted initialisms
   ("F.D.A.", "F. D. A.", "c.u.r.e") are joined. Only separators are
   removed; the trailing dot of an initialism is kept unless the sentence
   visibly continues (lowercase next word, comma...), so "the F.D.A. Next"
   keeps its sentence boundary while "F.D.A. approved" becomes "FDA
   approved".
5. Optionally, leetspeak ("cur3s", "51de effects") is read back as letters, for words
   the rule pack knows (checker/text/leet.py); one character becomes one.

ASCII text without letter-spaced/dotted candidates takes a fast path with
lazy identity maps (``range``); text whose characters all map 1:1 keeps
``range`` maps too. Otherwise the maps are ``array('l')``.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from checker.text.offsets import SpanMap

__all__ = ["Normalised", "normalise"]


@dataclass(frozen=True)
class Normalised:
    """Normalised text plus a per-character map to original code-point offsets.

    ``starts[i]``/``ends[i]`` give the half-open original range that produced
    ``text[i]``. Several output characters may share one range (e.g. "ﬁ" ->
    "fi"); original characters that were removed belong to no output char.
    """

    text: str
    starts: Sequence[int]
    ends: Sequence[int]
    original: str

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span ``[start, end)`` to an original span.

        A non-empty span covers everything from the source of its first char
        to the source of its last one, including removed characters in
        between. A zero-width position ``i`` maps to the point just before the
        source of ``text[i]`` (or to ``len(original)`` when ``i == len(text)``).
        """
        return SpanMap(self.starts, self.ends, len(self.original)).to_source(start, end)


# --------------------------------------------------------------------------
# Character classification (lazy, cached: only non-ASCII chars reach these)
# --------------------------------------------------------------------------

# Default-ignorable characters that are not Cf but still render as nothing
# and are used to split words invisibly.
_EXTRA_INVISIBLE = frozenset(
    [chr(0x034F)]  # combining grapheme joiner
    + [chr(c) for c in range(0xFE00, 0xFE10)]  # variation selectors
    + [chr(c) for c in range(0xE0100, 0xE01F0)]  # variation selectors supplement
    + [chr(c) for c in (0x180B, 0x180C, 0x180D, 0x180F)]  # Mongolian FVS
    + [chr(c) for c in (0x115F, 0x1160, 0x3164, 0xFFA0)]  # Hangul fillers
    + [chr(c) for c in (0x17B4, 0x17B5)]  # Khmer inherent vowels
)

# Matching uses ASCII punctuation, so typographic variants are folded.
# NFKC already handles fullwidth forms; these survive NFKC unchanged.
_PUNCT_FOLD: dict[str, str] = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark / apostrophe
    "\u201A": "'",  # single low-9 quotation mark
    "\u201B": "'",  # single high-reversed-9 quotation mark
    "\u02BC": "'",  # modifier letter apostrophe
    "\u201C": '"',
    "\u201D": '"',
    "\u201E": '"',
    "\u201F": '"',
    "\u2010": "-",  # hyphen (NFKC target of the non-breaking hyphen)
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
}


def _is_invisible(c: str) -> bool:
    return c in _EXTRA_INVISIBLE or unicodedata.category(c) == "Cf"


# Tables built from Unicode data take ~150 ms; the compile cache stores them
# and hands them back through prime_tables() so a cold start skips the build.
_PRIMED: dict[str, object] = {}


def export_tables() -> dict[str, object]:
    return {"fold": _fold_table(), "patterns": _patterns(), "seconds": _composition_seconds()}


def prime_tables(tables: dict[str, object]) -> None:
    _PRIMED.update(tables)


@lru_cache(maxsize=1)
def _composition_seconds() -> frozenset[str]:
    if "seconds" in _PRIMED:
        return _PRIMED["seconds"]  # type: ignore[return-value]
    """Characters that can be the second half of a canonical composition.

    Derived from the running Python's Unicode database rather than listed by
    hand: any primary composite (canonical pair decomposition that NFC keeps)
    contributes its second character. Hangul V/T jamo compose algorithmically.
    """
    seconds: set[str] = set()
    for cp in range(0x30000):  # no canonical decompositions exist above this
        d = unicodedata.decomposition(chr(cp))
        if d and d[0] != "<":
            parts = d.split()
            if len(parts) == 2:
                ch = chr(cp)
                if unicodedata.normalize("NFC", ch) == ch:
                    seconds.add(chr(int(parts[1], 16)))
    seconds.update(chr(c) for c in range(0x1161, 0x1176))
    seconds.update(chr(c) for c in range(0x11A8, 0x11C3))
    return frozenset(seconds)


class _CharInfo(NamedTuple):
    invisible: bool
    boundary: bool  # a chunk may start here (see _char_info)
    nfkc: str  # NFKC of the char on its own
    # Output char when the char maps 1:1 on its own (visible, boundary,
    # single-char NFKC, punctuation folded), else None.
    simple: str | None
    foldable: bool  # ``simple`` is a look-alike letter


_CHAR_INFO: dict[str, _CharInfo] = {}


def _char_info(c: str) -> _CharInfo:
    info = _CHAR_INFO.get(c)
    if info is None:
        nfkd = unicodedata.normalize("NFKD", c)
        # A chunk may start at c only if nothing in c's decomposition can
        # reorder with or compose onto the preceding characters.
        first = nfkd[0] if nfkd else c
        boundary = (
            unicodedata.combining(c) == 0
            and unicodedata.combining(first) == 0
            and first not in _composition_seconds()
        )
        invisible = _is_invisible(c)
        nfkc = unicodedata.normalize("NFKC", c)
        simple = None
        if boundary and not invisible and len(nfkc) == 1:
            simple = _PUNCT_FOLD.get(nfkc, nfkc)
        info = _CharInfo(invisible, boundary, nfkc, simple, simple in _fold_table())
        _CHAR_INFO[c] = info
    return info


@lru_cache(maxsize=1)
def _fold_table() -> dict[str, str]:
    """Look-alike letter -> single ASCII letter, from Unicode confusables data.

    Only letters that NFKC leaves alone are included (NFKC runs first). Latin
    letters below U+0250 are excluded: that range holds real orthography
    (Turkish dotless i, African letters) rather than decorative look-alikes.
    """
    if "fold" in _PRIMED:
        return _PRIMED["fold"]  # type: ignore[return-value]
    from confusable_homoglyphs import categories, confusables

    ascii_letters = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    candidates: dict[str, set[str]] = {}
    for key, entries in confusables.confusables_data.items():
        for entry in entries:
            other = entry["c"]
            # The data lists pairs in both directions; take either.
            for src, dst in ((key, other), (other, key)):
                if len(src) == 1 and len(dst) == 1 and dst in ascii_letters and not src.isascii():
                    candidates.setdefault(src, set()).add(dst)
    table: dict[str, str] = {}
    for src, dsts in candidates.items():
        if not src.isalpha() or unicodedata.normalize("NFKC", src) != src:
            continue
        if categories.alias(src) == "LATIN" and ord(src) < 0x250:
            continue
        # Prefer a target of the same case when the data offers several.
        ordered = sorted(dsts, key=lambda d: (d.isupper() != src.isupper(), d))
        dst = ordered[0]
        # Unicode's prototype for the I/l/1 look-alike class is "l"; an
        # uppercase source is far more likely to stand for "I".
        if dst == "l" and src.isupper():
            dst = "I"
        table[src] = dst
    # Small-capital letters ("ᴄᴜʀᴇ") are a common decorative evasion, but the
    # confusables data covers only some of them; their Unicode names say
    # which Latin letter they are, so derive the rest from the names.
    for cp in range(0x250, 0x20000):
        ch = chr(cp)
        if ch not in table:
            m = _SMALL_CAPITAL_NAME.match(unicodedata.name(ch, ""))
            if m and unicodedata.normalize("NFKC", ch) == ch:
                table[ch] = m.group(1).lower()
    return table


_SMALL_CAPITAL_NAME = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])$")


@lru_cache(maxsize=4096)
def _is_latin_letter(c: str) -> bool:
    from confusable_homoglyphs import categories

    return c.isalpha() and (c.isascii() or categories.alias(c) == "LATIN")


def _ranges(codepoints: list[int]) -> str:
    """Body of a regex character class for sorted code points."""
    out: list[str] = []
    i = 0
    while i < len(codepoints):
        j = i
        while j + 1 < len(codepoints) and codepoints[j + 1] == codepoints[j] + 1:
            j += 1
        lo, hi = codepoints[i], codepoints[j]
        out.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
        i = j + 1
    return "".join(out)


def _char_class(codepoints: list[int]) -> str:
    """Regex matching exactly one of the sorted code points, scanned fast.

    ``re`` compiles a BMP-only class to a bitmap, but a class holding many
    astral ranges is tested range by range (~30x slower on every char it
    scans). So the scanned class is the BMP members plus the whole astral
    plane as a single range, and a lookbehind (run only after that class
    matched) checks astral hits against the real astral members.
    """
    bmp = [c for c in codepoints if c <= 0xFFFF]
    astral = [c for c in codepoints if c > 0xFFFF]
    if not astral:
        return f"[{_ranges(bmp)}]" if bmp else "(?!)"
    return (
        f"[{_ranges(bmp)}\\U00010000-\\U0010ffff]"
        f"(?<=[\\x00-\\uffff]|[{_ranges(astral)}])"
    )


class _Patterns:
    """Regexes over Unicode classes that ``re`` cannot express directly."""

    def __init__(self) -> None:
        scan = [*range(0x20000), *range(0xE0000, 0xE1000)]
        marks = [cp for cp in scan if unicodedata.category(chr(cp))[0] == "M"]
        invisible = sorted(
            {cp for cp in scan if unicodedata.category(chr(cp)) == "Cf"}
            | {ord(c) for c in _EXTRA_INVISIBLE}
        )
        foldable = sorted(ord(c) for c in _fold_table())
        # Words are letters plus combining marks, so an unfused mark does not
        # split a word when judging look-alikes.
        self.word = re.compile(rf"(?:[^\W\d_]|{_char_class(marks)})+")
        self.invisible = re.compile(_char_class(invisible))
        self.foldable = re.compile(_char_class(foldable))


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    if "patterns" in _PRIMED:
        return _PRIMED["patterns"]  # type: ignore[return-value]
    return _Patterns()


_PUNCT_RE = re.compile("[" + "".join(_PUNCT_FOLD) + "]")


def _fold_punct(s: str) -> str:
    # A regex sub touches only the matches; str.translate costs ~170 ns per
    # char on non-ASCII strings.
    return _PUNCT_RE.sub(lambda m: _PUNCT_FOLD[m.group()], s)


# --------------------------------------------------------------------------
# Step 4 patterns (ASCII letters only: folding has already produced ASCII)
# --------------------------------------------------------------------------

# Letter-spaced: >= 3 standalone letters with one consistent separator
# (single space or hyphen). Each letter must be followed by a non-word char,
# so "a b c dog" joins only "a b c".
_SPACED = r"[A-Za-z](?P<sep>[ \-])[A-Za-z](?!\w)(?:(?P=sep)[A-Za-z](?!\w))+"
# Dotted with final dot: "F.D.A.", "F. D. A.", "e.g.". >= 2 letters.
_DOTTED = r"[A-Za-z]\.(?: ?[A-Za-z]\.)+(?!\w)"
# Dotted without final dot and without spaces: "F.D.A", "c.u.r.e"; the
# lookahead rejects domain/file-like runs such as "x.y.com".
_DOTTED_OPEN = r"[A-Za-z](?:\.[A-Za-z])+(?![\w.\-@/])"
# The cheap lookahead rejects most positions before the alternation runs.
_RUN = rf"(?=[A-Za-z][ .\-] ?[A-Za-z])(?:{_DOTTED}|{_DOTTED_OPEN}|{_SPACED})"
# A run must start a word: the char before it is consumed (a plain char class
# lets the regex engine skip ahead quickly; a leading lookbehind makes it try
# every position). The class is ASCII for speed; (?<!\w) then rejects
# non-ASCII word chars. Runs at the very start of the text use _RUN_AT_START.
_COLLAPSE_RE = re.compile(rf"[^A-Za-z0-9_\-'.@/](?<!\w)(?P<run>{_RUN})")
_RUN_AT_START = re.compile(_RUN)

_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


# --------------------------------------------------------------------------
# Pipeline
# --------------------------------------------------------------------------


def _identity(n: int) -> array[int]:
    """``array('l', range(n))``, built in C when numpy is available.

    Copying slices of one identity array (memcpy) is much cheaper than
    extending result arrays from ``range`` objects element by element.
    """
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy ships with spaCy
        return array("l", range(n))
    ident: array[int] = array("l")
    ident.frombytes(np.arange(n, dtype=np.dtype(f"i{ident.itemsize}")).tobytes())
    return ident


def _nfkc_stage(
    text: str,
) -> tuple[str, Sequence[int], Sequence[int], list[tuple[int, int]]]:
    """Steps 1-2 plus punctuation folding.

    Also returns the output ranges that contain look-alike letters, so the
    folding step only searches there. Only non-ASCII runs (plus, when they
    may attach to it, the ASCII char before each) are inspected. Text and
    map are both copied lazily: a run whose chars map 1:1 (the common case:
    curly quotes, accented letters, other scripts) leaves the map identity,
    and the map arrays are only materialised once some run breaks that.
    """
    pats = _patterns()
    fold = _fold_table()
    info_cache = _CHAR_INFO
    n_text = len(text)
    if unicodedata.is_normalized("NFKC", text) and not pats.invisible.search(text):
        # Whole text maps 1:1 (typical for clean prose in any script): do it
        # in C. The fold step finds look-alikes itself.
        out_text = _fold_punct(text)
        return out_text, range(n_text), range(1, n_text + 1), [(0, n_text)]
    parts: list[str] = []
    text_from = 0  # text[text_from:] not yet copied to parts
    fold_ranges: list[tuple[int, int]] = []
    # Map state: original chars from map_from onwards map 1:1 to output
    # index (original index + shift); nothing is materialised until needed.
    starts: array[int] | None = None
    ends: array[int] = array("l")
    ident: array[int] = array("l")
    map_from = 0
    shift = 0

    for m in _NON_ASCII_RE.finditer(text):
        a, b = m.span()
        info = info_cache.get(text[a]) or _char_info(text[a])
        if b - a == 1 and info.simple is not None:
            if info.simple != text[a]:
                parts.append(text[text_from:a])
                parts.append(info.simple)
                text_from = b
            if info.foldable:
                fold_ranges.append((a + shift, b + shift))
            continue
        # The preceding ASCII char is only needed as a possible base when the
        # run may attach to it (combining mark, or an invisible that could
        # hide one).
        rs = a - 1 if a > 0 and (info.invisible or not info.boundary) else a
        seg = text[rs:b]
        if unicodedata.is_normalized("NFKC", seg) and not pats.invisible.search(seg):
            # Already NFKC with nothing to drop: every char maps to itself.
            out_seg = _fold_punct(seg)
            if out_seg != seg:
                parts.append(text[text_from:rs])
                parts.append(out_seg)
                text_from = b
            if pats.foldable.search(seg):
                fold_ranges.append((rs + shift, b + shift))
            continue

        # Map-changing run: materialise the pending identity map, then walk
        # the run chunk by chunk.
        parts.append(text[text_from:rs])
        text_from = b
        if starts is None:
            ident = _identity(n_text + 1)
            starts = array("l")
        starts.extend(ident[map_from:rs])
        ends.extend(ident[map_from + 1 : rs + 1])
        out_len = rs + shift
        chunk: list[str] = []
        chunk_start = chunk_end = rs
        for k in range(rs, b + 1):
            if k < b:
                c = text[k]
                ci = info_cache.get(c) or _char_info(c)
                if ci.invisible:  # no output, but stays inside the chunk range
                    continue
                if chunk and not ci.boundary:
                    chunk.append(c)
                    chunk_end = k + 1
                    continue
            if chunk:
                s = chunk[0] if len(chunk) == 1 else "".join(chunk)
                out = _char_info(s).nfkc if len(s) == 1 else unicodedata.normalize("NFKC", s)
                for ch in out:
                    ch = _PUNCT_FOLD.get(ch, ch)
                    if ch in fold:
                        fold_ranges.append((out_len, out_len + 1))
                    parts.append(ch)
                    starts.append(chunk_start)
                    ends.append(chunk_end)
                    out_len += 1
            if k < b:
                chunk = [c]
                chunk_start, chunk_end = k, k + 1
        map_from = b
        shift = out_len - b

    parts.append(text[text_from:])
    out_text = "".join(parts) if len(parts) > 1 else text
    if starts is None:
        return out_text, range(n_text), range(1, n_text + 1), fold_ranges
    starts.extend(ident[map_from:n_text])
    ends.extend(ident[map_from + 1 : n_text + 1])
    return out_text, starts, ends, fold_ranges


_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

# How far to look for a neighbouring word; bounds the work per word.
_NEIGHBOUR_WINDOW = 80


def _blocks_folding(word: str, fold: dict[str, str]) -> bool:
    # A neighbour written in a non-Latin script, with letters that have no
    # Latin look-alike, shows we are inside genuine non-Latin text.
    return any(c.isalpha() and not _is_latin_letter(c) for c in set(word).difference(fold))


def _word_verdict(word: str, fold: dict[str, str]) -> bool | None:
    """Context-free part of the folding rule for one word.

    * The word has a look-alike and also a Latin letter -> mixed script ->
      fold (True).
    * Every letter is a look-alike (the word would become all-Latin) ->
      depends on the neighbours (None), see :func:`_neighbours_allow`.
    * Otherwise (e.g. Greek "μέθοδος") -> leave the word untouched (False).
    """
    chars = set(word)
    if chars.isdisjoint(fold):
        return False
    if not chars.isdisjoint(_ASCII_LETTERS) or any(_is_latin_letter(c) for c in chars):
        return True
    if all(c in fold for c in chars if c.isalpha()):
        return None
    return False


def _neighbours_allow(text: str, lo: int, hi: int, fold: dict[str, str]) -> bool:
    """An all-look-alike word is folded unless a neighbouring word is genuine
    non-Latin text, so a Russian "сор" or Greek "ΚΑΙ" inside Russian/Greek
    prose is left alone while "сое" among English words is folded."""
    word_re = _patterns().word
    # Search the reversed preceding window so only the nearest word is read.
    before = word_re.search(text[max(0, lo - _NEIGHBOUR_WINDOW) : lo][::-1])
    after = word_re.search(text, hi, hi + _NEIGHBOUR_WINDOW)
    return not (
        (before is not None and _blocks_folding(before.group(), fold))
        or (after is not None and _blocks_folding(after.group(), fold))
    )


def _word_start(text: str, i: int, floor: int) -> int:
    """Start of the word ending at ``text[i]`` (not before ``floor``)."""
    word_re = _patterns().word
    window = 32
    while True:
        lo = max(floor, i + 1 - window)
        # ``re`` cannot search backwards, so match over the reversed slice.
        back = word_re.match(text[lo : i + 1][::-1])
        start = i + 1 - back.end() if back else i
        if start > lo or lo == floor:
            return start
        window *= 4


def _fold_stage(text: str, ranges: list[tuple[int, int]]) -> str:
    """Fold look-alike letters in the words found inside ``ranges``."""
    if not ranges:
        return text
    fold = _fold_table()
    pats = _patterns()
    table = _fold_translate()
    verdicts: dict[str, bool | None] = {}
    pieces: list[str] = []
    prev = 0
    hi = 0
    # Ranges are ascending and each word is located and judged once, however
    # many look-alikes it holds; ``hi`` (end of the last word) bounds the
    # backward scans, so total work stays linear on adversarial input.
    for r_start, r_end in ranges:
        pos = max(r_start, hi)
        while pos < r_end:
            m = pats.foldable.search(text, pos, r_end)
            if m is None:
                break
            lo = _word_start(text, m.start(), hi)
            wm = pats.word.match(text, lo)
            hi = wm.end() if wm else m.end()
            word = text[lo:hi]
            if word in verdicts:
                verdict = verdicts[word]
            else:
                verdict = verdicts[word] = _word_verdict(word, fold)
            if verdict is None:
                verdict = _neighbours_allow(text, lo, hi, fold)
            if verdict:
                # Folding is 1:1 per char, so the offset map is unaffected.
                pieces.append(text[prev:lo])
                pieces.append(word.translate(table))
                prev = hi
            pos = hi
    if not pieces:
        return text
    pieces.append(text[prev:])
    return "".join(pieces)


@lru_cache(maxsize=1)
def _fold_translate() -> dict[int, str]:
    return str.maketrans(_fold_table())


def _collapse_deletions(text: str) -> list[int]:
    """Indices of separator characters to drop (step 4)."""
    dels: list[int] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    m0 = _RUN_AT_START.match(text)
    if m0:
        spans.append(m0.span())
        pos = m0.end()
    spans.extend(m.span("run") for m in _COLLAPSE_RE.finditer(text, pos))
    for s, e in spans:
        # Keep a trailing dot when it may end the sentence ("... the F.D.A.
        # Next"); drop it when the sentence visibly goes on ("F.D.A.
        # approved", "U.S., and"), or "FDA." would split the claim in two.
        last = e
        if text[e - 1] == "." and not _SENTENCE_GOES_ON.match(text, e):
            last = e - 1
        dels.extend(k for k in range(s, last) if not text[k].isalpha())
    return dels


# After a dotted initialism: the next word is lowercase, a clause mark, or a hyphen that
# joins it to the next word ("F.D.A.-approved": no sentence ends in ".-").
_SENTENCE_GOES_ON = re.compile(r"\s{0,4}[a-z]|[,;:\-]")


# Letters strung on a symbol or emoji ("c✨u✨r✨e✨s", "F★D★A", "s•a•f•e"): >= 3 single
# letters with one and the same separator between each pair, a non-ASCII character of a
# Symbol or Punctuation category.
_SYMBOL_SPACED = re.compile(r"(?<![^\W\d_])[A-Za-z](?P<sep>[^\w\s])(?:[A-Za-z](?P=sep))+[A-Za-z](?![^\W\d_])")


def _symbol_deletions(text: str) -> list[int]:
    """Indices of the symbols that string single letters together (step 4, emoji)."""
    dels: list[int] = []
    for m in _SYMBOL_SPACED.finditer(text):
        sep = m.group("sep")
        if sep.isascii() or unicodedata.category(sep)[0] not in "SP":
            continue  # ASCII separators are the letter-spaced and dotted rules' business
        dels.extend(i for i in range(m.start(), m.end()) if text[i] == sep)
    return dels


def _delete(
    text: str, starts: Sequence[int], ends: Sequence[int], dels: list[int]
) -> tuple[str, array[int], array[int]]:
    """Drop the chars at sorted indices ``dels``; survivors keep their map."""
    parts: list[str] = []
    new_starts: array[int] = array("l")
    new_ends: array[int] = array("l")
    prev = 0
    for d in dels + [len(text)]:
        if d > prev:
            parts.append(text[prev:d])
            new_starts.extend(starts[prev:d])
            new_ends.extend(ends[prev:d])
        prev = d + 1
    return "".join(parts), new_starts, new_ends


# No word is this long: a longer run of non-space characters ("&&&&...", a pasted blob) is
# broken by turning one character in every MAX_RUN into a space, a punctuation mark where
# one is near. spaCy's tokenizer strips a giant token one affix at a time, in time
# quadratic in its length (20,000 "&" took 37 s and held the interpreter lock); runs of at
# most MAX_RUN characters keep that bounded. One character becomes one, so the offset map
# is untouched.
MAX_RUN = 100
_LONG_RUN = re.compile(r"\S{%d,}" % (MAX_RUN + 1))


def _break_long_runs(text: str) -> str:
    chars: list[str] | None = None
    for m in _LONG_RUN.finditer(text):
        if chars is None:
            chars = list(text)
        i, end = m.start(), m.end()
        while end - i > MAX_RUN:
            cut = i + MAX_RUN
            k = cut
            while k > i + MAX_RUN // 2 and text[k].isalnum():  # bounded look-back for a mark
                k -= 1
            if text[k].isalnum():  # no mark near: cut at the limit
                k = cut
            chars[k] = " "
            i = k + 1
    return text if chars is None else "".join(chars)


def normalise(text: str, deleet: Callable[[str], str] | None = None) -> Normalised:
    """Normalise ``text`` against evasion tricks, keeping an exact offset map.

    ``deleet`` (a checker.text.leet.Deleeter, which knows the rule pack's words) is step 5: it
    reads leetspeak back as letters, one character for one."""

    def finish(out: str) -> str:
        out = _break_long_runs(out)
        return deleet(out) if deleet is not None else out

    if text.isascii():
        # ASCII is NFKC-stable and has no Cf or look-alike letters, so only
        # steps 4 and 5 can apply.
        n = len(text)
        dels = _collapse_deletions(text)
        if not dels:
            return Normalised(finish(text), range(n), range(1, n + 1), text)
        ident = _identity(n + 1)
        out, starts, ends = _delete(text, ident, ident[1:], dels)
        return Normalised(finish(out), starts, ends, text)

    mid, starts, ends, fold_ranges = _nfkc_stage(text)
    mid = _fold_stage(mid, fold_ranges)
    dels = sorted(set(_collapse_deletions(mid)) | set(_symbol_deletions(mid)))
    if dels:
        if isinstance(starts, range):
            # Still identity: slice arrays (memcpy) rather than ranges.
            ident = _identity(len(text) + 1)
            starts, ends = ident, ident[1:]
        mid, starts, ends = _delete(mid, starts, ends, dels)
    return Normalised(finish(mid), starts, ends, text)
