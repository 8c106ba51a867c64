"""Stage 6, findings: a match's confidence (score.py), the one decision from rules, judge
and assertion (decide.py) and the report with its page verdict (report.py).

In: rule matches, judge scores and assertions. Out: findings and the report's summary.
"""
