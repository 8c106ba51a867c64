"""Stage 2, text: normalisation (normalise.py, leet.py), the offset maps back to the
original (offsets.py), spaCy's tokenizer and sentence splitter (nlp.py), chunking of long
texts (chunking.py) and word counts over tokens (words.py).

In: the extracted text. Out: a normalised text with its map back, tokenised into sentences.
"""
