"""Stage 6, findings: the one decision from rules, judge and assertion (decide.py) and
the report with its page verdict (report.py).

In: rule matches, judge scores and assertions. Out: findings and the report's summary.
"""
