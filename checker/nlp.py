"""The spaCy pipeline: spacy.blank("en") plus our own sentence-boundary component.

No trained model: lemma matching is done by expanding each pattern lemma into
its inflections when the pack is compiled (pattern_dsl), so nothing per token
is needed at run time beyond the tokenizer and the sentencizer.
"""

from __future__ import annotations

from functools import lru_cache

import numpy
import spacy
from spacy.attrs import IS_SPACE
from spacy.language import Language
from spacy.tokens import Doc

# Texts are cut into pieces this long before spaCy sees them (see engine), so the
# limit here only guards against accidental misuse.
MAX_DOC_CHARS = 2_000_000


@Language.component("line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """Start a sentence after a blank line, and after a line break that is not a
    hard wrap inside a sentence (headings and list items have no final stop)."""
    # Only whitespace tokens can hold a line break; find them in C, not by
    # walking every token in Python.
    spaces = numpy.flatnonzero(doc.to_array(IS_SPACE)) if len(doc) else ()
    line_start = 0  # character offset where the current line began
    for i in spaces:
        tok = doc[int(i)]
        text = tok.text
        if "\n" not in text:
            continue
        if i + 1 < len(doc):
            nxt = doc[int(i) + 1]
            prev = doc[int(i) - 1] if i > 0 else None
            if not nxt.is_space and (
                text.count("\n") >= 2
                or not nxt.text[:1].islower()
                or prev is None
                or prev.is_punct
                or tok.idx - line_start < 60  # a short line: heading or list item
            ):
                nxt.is_sent_start = True
        line_start = tok.idx + text.rindex("\n") + 1
    return doc


def build_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("line_breaks")
    nlp.max_length = MAX_DOC_CHARS
    return nlp


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The process-wide pipeline, built once."""
    return build_nlp()
