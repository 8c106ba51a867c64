"""Imported once by the fork server that check workers are forked from (api/checkpool.py).

Loading spaCy, the default checker and the judge's encoder here, before any fork, means
every worker shares these pages with the fork server instead of holding its own copy, and a
worker that replaces a stopped or retired one starts in milliseconds instead of a second.
The token matcher's regular expressions are compiled here too (about 0.6 s), so that no
replacement pays for them again on its first checks. (With STEMCHECK_JUDGE=off the
default checker is the rules alone.)
"""

from checker.pipeline import default_checker

_checker = default_checker()
_checker.compiled.main.compile_all()
_checker.compiled.aux.compile_all()
if _checker.judge is not None and _checker.judge.has_encoder:
    # Opened here, so that workers share its weights with the fork server (onnxruntime runs
    # it on the calling thread alone: one intra-op thread, no pool to lose in the fork).
    _checker.judge.encoder().proba(["Warm-up."])
