"""The LFS migration module and the training pre/post test in Macedonian and Albanian, the training test's
participant fields, simulated data from both forms through ``check``, and the simulated LFS migration profile.

Language facts checked: every text has mk and sq; mk is written in Cyrillic and differs from the English; sq
differs from the English (except language-neutral texts such as "15-24"); every country name in mk is Cyrillic;
the mk and sq paper questionnaires contain none of the English texts and no English sentence (two or more
English function words in one line).  The native-born majority is the Census 2021 fact that almost all residents
of North Macedonia were born there (foreign-born about 6%, see ``simulate/countries.py``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from shipped_paths import QDIR

from surveymod.cli.main import _register, cli
from surveymod.instruments.translations import translation_rows
from surveymod.questionnaire.lint import lint
from surveymod.questionnaire.model import Questionnaire

FORMS = ["lfs_migration", "training_prepost"]
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
NEUTRAL = re.compile(r"^[\d\s.,%+\-–()/]+$")   # numbers and ranges read the same in every language
ENGLISH_WORDS = re.compile(r"\b(the|is|are|and|of|to|this|that|not|if|or|was|did|does|what|which|how|with|from|"
                           r"when|least|answered|who|has|have|your|you)\b")


def _rows(qn: Questionnaire) -> list[tuple[str, dict[str, str]]]:
    return [(r.key, r.texts) for r in translation_rows(qn)]


@pytest.mark.parametrize("name", FORMS)
def test_no_translation_pending(forms: dict[str, Questionnaire], name: str) -> None:
    qn = forms[name]
    assert qn.languages.pending == [] and set(qn.languages.draft) == {"mk", "sq"}
    assert [p for p in lint(qn) if p.rule.startswith("translation") or p.rule == "missing-translation"] == []


@pytest.mark.parametrize("name", FORMS)
def test_mk_is_cyrillic_and_differs_from_english(forms: dict[str, Questionnaire], name: str) -> None:
    bad = []
    for key, t in _rows(forms[name]):
        en, mk = t.get("en", ""), t.get("mk", "")
        if NEUTRAL.match(en):
            assert mk == en or NEUTRAL.match(mk), key
            continue
        if not mk or mk == en or not CYRILLIC.search(mk):
            bad.append((key, en, mk))
    assert bad == []


@pytest.mark.parametrize("name", FORMS)
def test_sq_differs_from_english(forms: dict[str, Questionnaire], name: str) -> None:
    bad = []
    for key, t in _rows(forms[name]):
        en, sq = t.get("en", ""), t.get("sq", "")
        if NEUTRAL.match(en):
            continue
        if not sq or sq.strip().casefold() == en.strip().casefold() or CYRILLIC.search(sq):
            bad.append((key, en, sq))
    assert bad == []


def test_country_names_are_translated(forms: dict[str, Questionnaire]) -> None:
    qn = forms["lfs_migration"]
    countries = qn.choice_list(qn.question("COUNTRYB"))
    assert len(countries) > 240
    not_cyrillic = [c.label["en"] for c in countries if not CYRILLIC.search(c.label.get("mk", ""))]
    assert not_cyrillic == []
    assert all(c.label.get("sq") for c in countries)
    names = {c.name: c.label for c in countries}
    # spot checks against ordinary usage: Турција / Turqi, Грција / Greqi, Косово / Kosova
    assert names["TR"]["mk"] == "Турција" and names["TR"]["sq"] == "Turqi"
    assert names["EL"]["mk"] == "Грција" and names["EL"]["sq"] == "Greqi"
    assert names["XK"]["mk"] == "Косово" and names["XK"]["sq"] == "Kosova"


def _paper_lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"<(style|script)\b.*?</\1>", "", text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", text))
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("name", FORMS)
def test_paper_questionnaires_have_no_english(forms: dict[str, Questionnaire], name: str, tmp_path: Path) -> None:
    _register()
    res = CliRunner().invoke(cli, ["build", str(QDIR / f"{name}.yaml"), "--to", "paper", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    english = {t["en"] for _, t in _rows(forms[name]) if len(t["en"].split()) >= 3}
    for lang in ("mk", "sq"):
        lines = _paper_lines(tmp_path / f"{name}_paper_{lang}.html")
        assert len(lines) > 50
        body = "\n".join(lines)
        assert [e for e in english if e in body] == [], lang
        sentences = [ln for ln in lines if len(set(ENGLISH_WORDS.findall(ln.lower()))) >= 2]
        assert sentences == [], (lang, sentences[:5])


# ------------------------------------------------------------------------------------------- training test


def test_training_records_institution_sex_and_age(forms: dict[str, Questionnaire]) -> None:
    qn = forms["training_prepost"]
    inst = qn.question("institution")
    assert inst.type == "select_one" and inst.required
    labels = {c.code: c.label["en"] for c in qn.choice_list(inst)}
    assert labels == {1: "Ministry or other central government body", 2: "State Statistical Office",
                      3: "National Bank", 4: "Local government (municipality)", 5: "Media outlet",
                      6: "Civil society organisation (CSO/NGO)", 7: "Academia or research institute",
                      8: "International organisation", 9: "Other"}
    # the variables and codes the training indicators already use are unchanged
    assert {c.code for c in qn.choice_list(qn.question("sex"))} == {1, 2}
    assert {c.code for c in qn.choice_list(qn.question("agegrp"))} == set(range(1, 7))
    assert {c.code: c.name for c in qn.choice_list(qn.question("test"))} == {1: "pre", 2: "post"}
    assert {c.code for c in qn.choice_list(qn.question("org_type"))} == set(range(1, 7))
    for var in ("trainee_id", "event", "age", "organisation", "total_score", "pct_score"):
        qn.question(var)


# ------------------------------------------------------------------------------------ simulated data, tables


@pytest.mark.parametrize("name", FORMS)
def test_simulated_data_pass_check(name: str, tmp_path: Path) -> None:
    _register()
    out = tmp_path / f"{name}.csv"
    runner = CliRunner()
    res = runner.invoke(cli, ["simulate", str(QDIR / f"{name}.yaml"), "-n", "120", "--seed", "8", "-o", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["check", str(out), "-q", str(QDIR / f"{name}.yaml")])
    assert res.exit_code == 0, res.output
    assert " 0 error(s)" in res.output


def test_simulated_lfs_tables_show_a_native_born_majority(tmp_path: Path) -> None:
    """`surveymod tables` on simulated LFS data: migration status of persons aged 15-74."""
    _register()
    runner = CliRunner()
    data = tmp_path / "lfs.csv"
    res = runner.invoke(cli, ["simulate", str(QDIR / "lfs_migration.yaml"), "-n", "400", "--seed", "3",
                              "-o", str(data)])
    assert res.exit_code == 0, res.output
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"""\
questionnaire: {QDIR / 'lfs_migration.yaml'}
tables:
  - {{id: M, title: migration status 15-74, level: person, universe: "15 <= AGE <= 74", stat: prop,
     variable: MIGSTAT}}
  - {{id: B, title: born abroad, level: person, stat: prop, variable: COUNTRYB}}
""", encoding="utf-8")
    out = tmp_path / "tables.xlsx"
    res = runner.invoke(cli, ["tables", str(data), "--plan", str(plan), "-o", str(out)])
    assert res.exit_code == 0, res.output
    m = pd.read_excel(out, sheet_name="M", dtype={"level": str})
    share = dict(zip(m["level"].astype(str), m["estimate"], strict=True))
    assert share["1"] > 0.5                       # native background is the majority ...
    assert share["3"] < 0.15                      # ... first-generation immigrants a small minority
    assert share["1"] > share["2"] > 0            # second generation exists but is smaller
    b = pd.read_excel(out, sheet_name="B", dtype={"level": str})
    born = dict(zip(b["level"].astype(str), b["estimate"], strict=True))
    assert 0.85 < born["807"] < 0.99              # born in North Macedonia (ISO 807)
    assert max(v for k, v in born.items() if k != "807") < 0.05
