"""Education in the perception forms maps cleanly onto ISCED 2011 and its three Eurostat groups.

The reference is the standard, written out here: UNESCO Institute for Statistics, International Standard
Classification of Education ISCED 2011 (levels 0-8), and Eurostat's aggregation of ISCED 2011 levels into
low (0-2), medium (3-4) and high (5-8) used in EU-LFS and SDG 4 tables. The national answer categories are placed
on ISCED levels from the UNESCO/Eurostat ISCED mapping of North Macedonia (nine-year primary school = ISCED 1-2;
three- and four-year secondary = ISCED 3; post-secondary specialisation and master-craftsman education = ISCED 4;
two-year "viša" higher school = ISCED 5; first university degree = ISCED 6; master = 7; doctorate = 8).
"""

from __future__ import annotations

import numpy as np
import pytest
from shipped_paths import PERCEPTION

from surveymod.questionnaire import expr as E
from surveymod.questionnaire.conditions import compile_condition
from surveymod.questionnaire.model import Questionnaire

ISCED_2011 = {0: "Early childhood education", 1: "Primary education", 2: "Lower secondary education",
              3: "Upper secondary education", 4: "Post-secondary non-tertiary education",
              5: "Short-cycle tertiary education", 6: "Bachelor's or equivalent level",
              7: "Master's or equivalent level", 8: "Doctoral or equivalent level"}
EUROSTAT_GROUP = {0: 1, 1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 3, 8: 3}   # 1 low, 2 medium, 3 high

# answer code of `educ` -> (a word its label must contain, the highest ISCED 2011 level it certifies)
ANSWERS = {1: ("not completed", 1), 2: ("Primary", 2), 3: ("three-year", 3), 4: ("four-year", 3),
           5: ("non-tertiary", 4), 6: ("Short-cycle", 5), 7: ("bachelor", 6), 8: ("doctorate", 8)}


@pytest.mark.parametrize("name", PERCEPTION)
def test_education_answers_map_to_one_isced_group_each(forms: dict[str, Questionnaire], name: str) -> None:
    qn = forms[name]
    educ = {c.code: qn.text(c.label) for c in qn.choice_list(qn.question("educ")) if not c.missing}
    assert sorted(educ) == sorted(ANSWERS)
    for code, (word, _) in ANSWERS.items():
        assert word.lower() in educ[code].lower(), (code, educ[code])
    node = compile_condition(qn, qn.question("educ3").calculation or "")
    codes = np.array([*ANSWERS, 99], dtype=float)
    got = E.evaluate(node, {"educ": codes}, len(codes))
    want = [EUROSTAT_GROUP[level] for _, level in ANSWERS.values()] + [9]   # 99 refused -> 9 not known
    assert list(got.astype(int)) == want
    groups = {c.code: qn.text(c.label) for c in qn.choice_list(qn.question("educ3"))}
    assert groups[1] == "Low (ISCED 0-2)" and groups[2] == "Medium (ISCED 3-4)" and groups[3] == "High (ISCED 5-8)"


def test_post_secondary_and_short_cycle_are_different_groups() -> None:
    """The reason for the split (issue 18): ISCED 4 is medium, ISCED 5 is high, so one answer cannot hold both."""
    assert ISCED_2011[4].startswith("Post-secondary non-tertiary") and ISCED_2011[5].startswith("Short-cycle")
    assert EUROSTAT_GROUP[4] == 2 and EUROSTAT_GROUP[5] == 3
