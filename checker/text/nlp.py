"""The spaCy pipeline: spacy.blank("en") plus our own sentence boundaries.

No trained model: lemma matching is done by expanding each pattern lemma into
its inflections when the pack is compiled (pattern_dsl), so nothing per token
is needed at run time beyond the tokenizer and the sentence splitter.

The sentence splitter follows spaCy's Sentencizer rule (a sentence starts at
the first non-punctuation token after a full stop, ! or ?), computed on token
arrays with numpy instead of a Python loop over tokens, and adds line breaks:
a blank line always ends a sentence, and so does a line break that is not a
hard wrap inside a sentence (headings and list items have no full stop).
tests/test_nlp.py checks it against spaCy's Sentencizer.

Markup pasted as plain text: a bare tag such as ``<p>`` or ``</p>`` is a token of its
own wherever it stands, so "cures multiple sclerosis.</p>" still ends in the words and
the full stop the rules look for.
"""

from __future__ import annotations

from functools import lru_cache

import numpy
import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

# Texts are cut into pieces this long before spaCy sees them (see chunking),
# so the limit here only guards against accidental misuse.
MAX_DOC_CHARS = 2_000_000
_STOPS = numpy.array(sorted(get_string_id(c) for c in Sentencizer.default_punct_chars), dtype=numpy.uint64)
_SHORT_LINE = 60  # a line shorter than this is a heading or list item
# A tag with no attributes (attributes hold spaces, and spaces split tokens anyway).
_BARE_TAG = r"</?[A-Za-z][A-Za-z0-9]*/?>"
# Inside a run with no space ("sclerosis.</p><br/>Book"), a stop right before a tag.
_STOP_BEFORE_TAG = r"[.!?](?=" + _BARE_TAG + ")"


def sentence_starts(doc: Doc) -> numpy.ndarray:
    """Boolean array: which tokens start a sentence."""
    n = len(doc)
    starts = numpy.zeros(n, dtype=bool)
    if n == 0:
        return starts
    cols = doc.to_array([ORTH, IS_PUNCT, IS_SPACE])
    stop = numpy.isin(cols[:, 0], _STOPS)
    punct = stop | (cols[:, 1] == 1)
    # Spacy's rule: the first token that is not punctuation after a stop.
    words = numpy.flatnonzero(~punct)
    starts[0] = True
    if len(words):
        seen = numpy.concatenate(([0], numpy.cumsum(stop)))  # stops before index i
        prev = numpy.concatenate(([-1], words[:-1]))  # the word before each word
        starts[words[(seen[words] - seen[prev + 1]) > 0]] = True
    _line_breaks(doc, numpy.flatnonzero(cols[:, 2] == 1), starts, punct)
    return starts


def _line_breaks(doc: Doc, spaces: numpy.ndarray, starts: numpy.ndarray, punct: numpy.ndarray) -> None:
    line_start = 0  # character offset where the current line began
    n = len(doc)
    for i in spaces.tolist():
        tok = doc[i]
        text = tok.text
        if "\n" not in text:
            continue
        if i + 1 < n:
            nxt = doc[i + 1]
            if not nxt.is_space and (
                text.count("\n") >= 2
                or not nxt.text[:1].islower()
                or i == 0
                or punct[i - 1]
                or tok.idx - line_start < _SHORT_LINE
            ):
                starts[i + 1] = True
        line_start = tok.idx + text.rindex("\n") + 1


@Language.component("sentences")
def sentences(doc: Doc) -> Doc:
    if len(doc):
        values = numpy.where(sentence_starts(doc), 1, -1).astype(numpy.uint64)
        doc.from_array([SENT_START], values.reshape(-1, 1))
    return doc


def build_nlp() -> Language:
    nlp = spacy.blank("en")
    # First in each list, so that "<p>" is one token rather than "<", "p", ">".
    defaults = nlp.Defaults
    nlp.tokenizer.prefix_search = compile_prefix_regex([_BARE_TAG, *defaults.prefixes]).search
    nlp.tokenizer.suffix_search = compile_suffix_regex([_BARE_TAG, *defaults.suffixes]).search
    nlp.tokenizer.infix_finditer = compile_infix_regex([_BARE_TAG, _STOP_BEFORE_TAG, *defaults.infixes]).finditer
    nlp.add_pipe("sentences")
    nlp.max_length = MAX_DOC_CHARS
    return nlp


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The process-wide pipeline, built once."""
    return build_nlp()
