"""Stage 6, findings: a match's confidence (score.py), one match per category where several
overlap (candidates.py), the one decision from rules, judge and assertion (decide.py,
judged.py), the finding with its offsets in the original (build.py), and the report with
its page verdict (report.py).

In: rule matches, judge scores and assertions. Out: findings and the report's summary.
"""
