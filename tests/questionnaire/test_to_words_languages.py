"""``to_words`` writes routing in the interview language (hand-written expected sentences per language)."""

from __future__ import annotations

import pytest

from surveymod.questionnaire import expr as E

CASES = [
    ("AGE >= 15 and (A = 1 or B != 2)",
     {"en": "AGE is at least 15 and (A is 1 or B is not 2)",
      "mk": "AGE е најмалку 15 и (A е 1 или B не е 2)",
      "sq": "AGE është të paktën 15 dhe (A është 1 ose B nuk është 2)"}),
    ("15 <= AGE <= 74",
     {"en": "AGE is between 15 and 74", "mk": "AGE е помеѓу 15 и 74", "sq": "AGE është ndërmjet 15 dhe 74"}),
    ("not answered(X)",
     {"en": "X is not answered", "mk": "X не е одговорено", "sq": "X nuk ka përgjigje"}),
    ("X in [1, 2]",
     {"en": "X is one of 1, 2", "mk": "X е едно од 1, 2", "sq": "X është një nga 1, 2"}),
    ("selected(M, 3)",
     {"en": "M includes 3", "mk": "во M е означено 3", "sq": "te M është shënuar 3"}),
    ("AGE < 18",
     {"en": "AGE is less than 18", "mk": "AGE е помало од 18", "sq": "AGE është më e vogël se 18"}),
]


@pytest.mark.parametrize(("text", "want"), CASES)
def test_routing_words_per_language(text: str, want: dict[str, str]) -> None:
    node = E.parse(text)
    for lang, sentence in want.items():
        assert E.to_words(node, lang=lang) == sentence
    assert E.to_words(node) == want["en"]              # English stays the default
    assert E.to_words(node, lang="fr") == want["en"]   # a language without phrases falls back to English
