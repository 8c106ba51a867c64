"""Imported once by the fork server that check workers are forked from (api/checkpool.py).

Loading spaCy and the default checker here, before any fork, means every worker shares these
pages with the fork server instead of holding its own copy, and a worker that replaces a
stopped one starts in milliseconds instead of a second. (With STEMCHECK_JUDGE=off the default
checker is the rules alone.)
"""

from checker.engine import default_checker

default_checker()
