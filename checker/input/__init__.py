"""Stage 1, input: reading files (files.py) and HTML extraction (html.py).

In: paths, bytes or HTML strings. Out: text, with a map from each character back to the
source HTML.
"""
