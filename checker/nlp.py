"""The spaCy pipeline: spacy.blank("en") plus our own sentence-boundary component.

No trained model: lemma matching is done by expanding each pattern lemma into
its inflections when the pack is compiled (pattern_dsl), so nothing per token
is needed at run time beyond the tokenizer and the sentencizer.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

# Texts are cut into pieces this long before spaCy sees them (see engine), so the
# limit here only guards against accidental misuse.
MAX_DOC_CHARS = 2_000_000


@Language.component("line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """Start a sentence after a blank line, and after a line break that is not a
    hard wrap inside a sentence (headings and list items have no final stop)."""
    text = doc.text
    if "\n" not in text:
        return doc
    for tok in doc:
        if "\n" not in tok.text_with_ws or tok.i + 1 >= len(doc):
            continue
        nxt = doc[tok.i + 1]
        if nxt.is_space:
            continue
        line_start = text.rfind("\n", 0, tok.idx) + 1
        if (
            tok.text_with_ws.count("\n") >= 2
            or not nxt.text[:1].islower()
            or tok.is_punct
            or tok.idx - line_start < 60  # a short line: heading or list item
        ):
            nxt.is_sent_start = True
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
