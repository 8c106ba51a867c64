"""Stage 5, assertion: is a match asserted, hedged, investigational, negated, questioned,
conditional or attributed? (classify.py, with the cue words of rules/pack/assertion.yaml).

In: a sentence and a match in it. Out: the assertion status and the cue that set it.
"""
