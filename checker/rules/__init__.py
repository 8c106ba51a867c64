"""Stage 3, rules: the rule pack as data (pack/*.yaml, format in pack/README.md), its
schema (schema.py) and loader (loader.py), the pattern syntax (pattern_syntax.py), the
compiled token matcher (token_matcher.py, matching.py, spans.py), a rule's exceptions and
required context (context.py) and the disk cache of the compiled pack (compile_cache.py).

In: tokenised sentences. Out: rule matches, each with its rule, span and pattern.
"""
