"""Writes tests/data/evasion.jsonl: each case a plain claim, the same claim disguised, and
the category the plain claim is flagged with."""
import json
ZW = "\u200b"
cases = []

def add(kind, plain, disguised, category):
    assert plain != disguised
    cases.append({"kind": kind, "plain": plain, "text": disguised, "category": category})

def swap(kind, plain, word, disguised_word, category):
    assert word in plain, (plain, word)
    add(kind, plain, plain.replace(word, disguised_word, 1), category)

STOP = "You can stop your medication after the treatment."
# leetspeak: digits and symbols inside words
for plain, disguised, c in [
    ("Our stem cell therapy cures MS.", "Our st3m c3ll therapy cur3s MS.", "cure-claim"),
    ("This treatment CURES multiple sclerosis.", "This treatment CUR3S multiple sclerosis.", "cure-claim"),
    ("Stem cells cure Parkinson's disease.", "Stem cells cur3 Parkinson's disease.", "cure-claim"),
    ("Our therapy is FDA-approved.", "Our therapy is FDA-4ppr0v3d.", "fda-approval"),
    ("The procedure is FDA approved.", "The procedure is FDA appr0ved.", "fda-approval"),
    ("There are no side effects.", "There are no 51de effects.", "risk-denial"),
    ("The treatment has no side effects at all.", "The treatment has n0 side eff3cts at all.", "risk-denial"),
    ("It is 100% safe.", "It is 100% $afe.", "risk-denial"),
    ("The infusion is completely risk-free.", "The infusion is completely r1sk-fr33.", "risk-denial"),
    (STOP, "You can 5t0p your medication after the treatment.", "stop-medication"),
    (STOP, "You can st0p your m3dication after the treatment.", "stop-medication"),
    ("Our treatment is a miracle for MS.", "Our treatment is a m1racle for MS.", "marketing-red-flag"),
    ("It works like a miracle.", "It works like a m!racle.", "marketing-red-flag"),
    ("Guaranteed results for MS.", "Gu4ranteed results for MS.", "cure-claim"),
    ("We guarantee results.", "We guarant33 results.", "cure-claim"),
    ("Every patient is a candidate.", "Every pati3nt is a candidate.", "candidacy"),
    ("The therapy reverses MS.", "The therapy r3v3rses MS.", "regeneration-overclaim"),
    ("Stem cells regenerate myelin.", "Stem cells r3generate myelin.", "regeneration-overclaim"),
    ("Our stem cells heal the brain.", "Our stem cells h3al the brain.", "regeneration-overclaim"),
    ("Book now: only 3 spots left this month!", "Book now: only 3 spots l3ft this month!", "marketing-red-flag"),
]:
    add("leet", plain, disguised, c)
# letters strung on an emoji or a symbol
for plain, word, s, c in [
    ("Our therapy cures MS.", "cures", "✨", "cure-claim"),
    ("This therapy cures multiple sclerosis.", "cures", "★", "cure-claim"),
    ("It is FDA-approved.", "FDA", "★", "fda-approval"),
    ("The treatment is FDA approved.", "FDA", "✅", "fda-approval"),
    ("There are no side effects.", "side", "♥", "risk-denial"),
    ("The procedure is 100% safe.", "safe", "•", "risk-denial"),
    ("A miracle for MS patients.", "miracle", "✨", "marketing-red-flag"),
    (STOP, "stop", "🛑", "stop-medication"),
    ("Stem cells cure Parkinson's.", "cure", "➤", "cure-claim"),
    ("Guaranteed results for MS.", "Guaranteed", "⭐", "cure-claim"),
    ("Our therapy cures ALS.", "cures", "·", "cure-claim"),
    ("It reverses MS.", "reverses", "♦", "cure-claim"),
    ("No side effects.", "effects", "✦", "risk-denial"),
    ("Our cells cure autism.", "cure", "☆", "cure-claim"),
    ("The treatment is FDA-cleared.", "FDA", "♦", "fda-approval"),
]:
    swap("symbol-between-letters", plain, word, s.join(word), c)
# dotted abbreviations followed by a hyphen
for plain, disguised in [
    ("Our therapy is FDA-approved.", "Our therapy is F.D.A.-approved."),
    ("This is an FDA-approved stem cell treatment.", "This is an F.D.A.-approved stem cell treatment."),
    ("The treatment is FDA-cleared.", "The treatment is F.D.A.-cleared."),
    ("We offer FDA-approved stem cell therapy for MS.", "We offer F. D. A.-approved stem cell therapy for MS."),
    ("It is an fda-approved procedure.", "It is an f.d.a.-approved procedure."),
    ("Our clinic uses US FDA-approved stem cells for MS.", "Our clinic uses U.S. F.D.A.-approved stem cells for MS."),
    ("The stem cell protocol is FDA-sanctioned.", "The stem cell protocol is F.D.A.-sanctioned."),
    ("Our FDA-approved therapy treats multiple sclerosis.", "Our F.D.A.-approved therapy treats multiple sclerosis."),
]:
    add("dotted-then-hyphen", plain, disguised, "fda-approval")
# letter spacing
for plain, word, spaced, c in [
    ("Our stem cells cure MS.", "cure", "c u r e", "cure-claim"),
    ("This therapy cures multiple sclerosis.", "cures", "c-u-r-e-s", "cure-claim"),
    ("There are no side effects.", "side", "s i d e", "risk-denial"),
    ("It is a miracle for MS.", "miracle", "m i r a c l e", "marketing-red-flag"),
    ("It is FDA approved.", "FDA", "F D A", "fda-approval"),
    (STOP, "stop", "s-t-o-p", "stop-medication"),
]:
    swap("letter-spacing", plain, word, spaced, c)
# look-alike letters from other scripts (Cyrillic а е о р с)
CYR = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с"})
for plain, word, c in [
    ("Our stem cells cure MS.", "cure", "cure-claim"),
    ("The therapy is FDA-approved.", "approved", "fda-approval"),
    ("There are no side effects.", "effects", "risk-denial"),
    ("It is a miracle for MS.", "miracle", "marketing-red-flag"),
    (STOP, "stop", "stop-medication"),
    ("This treatment cures multiple sclerosis.", "cures", "cure-claim"),
]:
    swap("look-alike-letters", plain, word, word.translate(CYR), c)
# invisible characters inside words
for plain, word, hidden, c in [
    ("Our stem cells cure MS.", "cure", ZW.join("cure"), "cure-claim"),
    ("It is FDA-approved.", "approved", ZW.join("approved"), "fda-approval"),
    ("There are no side effects.", "side", ZW.join("side"), "risk-denial"),
    ("It is a miracle for MS.", "miracle", ZW.join("miracle"), "marketing-red-flag"),
    (STOP, "stop", "st\u00adop", "stop-medication"),
    ("This therapy cures multiple sclerosis.", "cures", "cu\u2060res", "cure-claim"),
]:
    swap("invisible-characters", plain, word, hidden, c)
# compatibility forms (fullwidth letters, ligatures)
for plain, word, compat, c in [
    ("Our stem cells cure MS.", "cure", "ｃｕｒｅ", "cure-claim"),
    ("It is FDA-approved.", "FDA", "ＦＤＡ", "fda-approval"),
    ("There are no side effects.", "effects", "eﬀects", "risk-denial"),
]:
    swap("compatibility-forms", plain, word, compat, c)
# several tricks in one sentence
for plain, disguised, c in [
    ("Our stem cells cure MS.", "Our st3m c✨e✨l✨l✨s cur3 MS.", "cure-claim"),
    ("It is FDA-approved.", "It is F.D.A.-4ppr0v3d.", "fda-approval"),
    ("There are no side effects.", "There are n0 ѕ1de effects.", "risk-denial"),
    (STOP, "You can 5t0p your m\u200bedication after the treatment.", "stop-medication"),
]:
    add("combined", plain, disguised, c)
with open(__import__("pathlib").Path(__file__).with_name("evasion.jsonl"), "w", encoding="utf-8") as f:
    for case in cases:
        f.write(json.dumps(case, ensure_ascii=False) + "\n")
print(len(cases))
