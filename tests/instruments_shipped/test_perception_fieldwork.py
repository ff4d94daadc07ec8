"""The perception forms can go to the field in North Macedonia: complete Macedonian (Cyrillic) and Albanian texts,
paper questionnaires with no English left, a fieldwork block whose routing ends the interview on refusal, simulated
data that pass ``check``, and the shipped weighting spec running on data simulated from the shipped form.

The facts asserted come from outside the code: the Cyrillic and Latin alphabets (Unicode blocks), English function
words, the AAPOR Standard Definitions (2023) outcome codes, the Kish/last-birthday selection probability 1/n and
the weighting spec's own documented status codes (weights/perception_general_public.yaml).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shipped_paths import PERCEPTION, QDIR, ROOT

from surveymod.cli.main import _register, cli
from surveymod.questionnaire.model import Group, Question, Questionnaire
from surveymod.simulate import load_effects, load_sample_design, simulate

EXAMPLES = ROOT / "examples" / "designs"
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
LATIN_WORD = re.compile(r"[A-Za-z]+")
# Latin tokens a Macedonian text may keep: standards' acronyms and brand names (spelled so in Macedonian media).
LATIN_OK_MK = {"AAPOR", "ISCED", "MAI", "NUTS", "Facebook", "Instagram", "TikTok", "YouTube"}
# Albanian words spelled exactly as the English ones (dictionary forms): radio, media.
SAME_IN_SQ = {"Radio", "Media"}
ENGLISH_WORDS = {"the", "and", "is", "of", "to", "if", "or", "not", "least", "answer", "ask", "between", "section",
                 "interviewer", "you", "your", "what", "how", "which", "please", "does", "record", "read",
                 "respondent", "household", "yes", "no", "don't", "know", "refusal", "refused"}


def texts(qn: Questionnaire) -> Iterator[tuple[str, dict[str, str]]]:
    """Every translatable text of the form: (where, {lang: text})."""
    yield "title", qn.title
    if qn.description:
        yield "description", qn.description
    for name, cl in qn.choices.items():
        for c in cl.choices:
            yield f"choices.{name}.{c.code}", c.label
    for item, _ in qn.walk():
        if isinstance(item, Group):
            if item.title:
                yield f"{item.name}.title", item.title
            continue
        assert isinstance(item, Question)
        for field in ("label", "short", "hint", "instruction", "constraint_message", "unit"):
            value = getattr(item, field)
            if value:
                yield f"{item.name}.{field}", value
        for v, text in (item.anchors or {}).items():
            yield f"{item.name}.anchor{v}", text


@pytest.mark.parametrize("name", PERCEPTION)
def test_every_text_is_in_cyrillic_macedonian_and_in_albanian(forms: dict[str, Questionnaire], name: str) -> None:
    bad: list[str] = []
    for where, t in texts(forms[name]):
        en, mk, sq = t.get("en", ""), t.get("mk", ""), t.get("sq", "")
        if not re.search(r"[A-Za-z]", en):
            assert mk == en and sq == en, where  # numbers only ("15-24"): the same in every language
            continue
        if not mk or not CYRILLIC.search(mk) or mk == en:
            bad.append(f"{where}: mk {mk!r}")
        latin = set(LATIN_WORD.findall(mk)) - LATIN_OK_MK
        if latin:
            bad.append(f"{where}: Latin words {sorted(latin)} in mk {mk!r}")
        if not sq or (sq == en and en not in SAME_IN_SQ) or CYRILLIC.search(sq):
            bad.append(f"{where}: sq {sq!r}")
    assert bad == []


def _visible_text(page: str) -> str:
    page = re.sub(r"(?s)<style>.*?</style>", " ", page)
    page = re.sub(r'(?s)<span class="var">.*?</span>', " ", page)        # variable names, hidden in print
    page = re.sub(r'(?s)<p class="meta">.*?</p>', " ", page)             # form id and version
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("name", PERCEPTION)
@pytest.mark.parametrize("lang", ["mk", "sq"])
def test_no_english_left_in_the_paper_questionnaire(forms: dict[str, Questionnaire], name: str, lang: str,
                                                    tmp_path: Path) -> None:
    _register()
    res = CliRunner().invoke(cli, ["build", str(QDIR / f"{name}.yaml"), "--to", "paper", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    pages = sorted(tmp_path.rglob(f"*{lang}*.htm*"))
    assert pages, sorted(p.name for p in tmp_path.rglob("*"))
    text = _visible_text(pages[0].read_text(encoding="utf-8"))
    words = {w.lower() for w in re.findall(r"[\w']+", text)}
    assert sorted(words & ENGLISH_WORDS) == []
    # no English question text, instruction or answer of three words or more is printed
    qn = forms[name]
    flat = re.sub(r"\s+", " ", text)
    left = [t["en"] for _, t in texts(qn) if len(t.get("en", "").split()) >= 3 and t["en"] in flat]
    assert left == []
    # routing is written in the language: "Прашајте ако: Q9 е 1 (...)" / "Pyetni nëse: Q9 është 1 (...)"
    assert {"mk": "Прашајте ако: Q", "sq": "Pyetni nëse: Q"}[lang] in flat
    assert {"mk": " е 1 (", "sq": " është 1 ("}[lang] in flat


# ------------------------------------------------------------------------------------------------ fieldwork

DISPOSITIONS = {1: "1.1", 2: "1.2", 3: "2.10", 4: "2.20", 5: "2.30", 6: "4.0"}
"""AAPOR Standard Definitions (2023): complete 1.1, partial 1.2, refusal and break-off 2.10, non-contact 2.20,
other non-interview 2.30, not eligible 4.0."""


@pytest.mark.parametrize("name", PERCEPTION)
def test_fieldwork_block(forms: dict[str, Questionnaire], name: str) -> None:
    qn = forms[name]
    names = [q.name for q in qn.questions()]
    common = ["resp_id", "intv_id", "int_date", "dweight", "contact_res", "consent", "int_lang", "t_start_h",
              "t_start_m", "t_end_h", "t_end_m", "duration", "disposition", "result", "base_weight"]
    assert set(common) <= set(names)
    if "policymakers" in name:
        assert {"list_stratum", "list_no", "inst_type"} <= set(names)
        assert not {"n_elig", "kish_line", "hh_no"} & set(names)   # a list sample: no household selection
    else:
        assert {"region", "psu", "hh_no", "n_elig", "sel_method", "kish_line"} <= set(names)
    codes = {c.code: qn.text(c.label) for c in qn.choice_list(qn.question("disposition"))}
    assert {k: f"(AAPOR {v})" in codes[k] for k, v in DISPOSITIONS.items()} == dict.fromkeys(DISPOSITIONS, True)
    langs = [qn.text(c.label) for c in qn.choice_list(qn.question("int_lang"))]
    assert langs == ["Macedonian language", "Albanian language", "English language", "Other language"]
    # every section after the fieldwork block is asked only with consent
    for g in qn.sections:
        if g.name not in ("fieldwork", "outcome"):
            assert g.relevant == "consent = 1", g.name


def _sim(qn: Questionnaire, n: int, seed: int, design: bool) -> pd.DataFrame:
    if not design:
        return simulate(qn, n, seed).main
    return simulate(qn, n, seed, design=load_sample_design(EXAMPLES / "perception_design.yaml"),
                    effects=load_effects(EXAMPLES / "perception_effects.yaml")).main


@pytest.mark.parametrize("name", PERCEPTION)
def test_refusal_ends_the_interview_in_simulated_data(forms: dict[str, Questionnaire], name: str) -> None:
    m = _sim(forms[name], 400, 11, design=False)
    no = m["consent"].to_numpy() != 1
    assert 0 < no.sum() < len(m)
    substantive = ["imsmetn", "mai_1", "devimpact", "gvrfgap", "dev_econ", "sex", "age", "educ", "int_lang",
                   "t_end_h"]
    assert m.loc[no, substantive].isna().all().all()
    assert m.loc[~no, substantive].notna().all().all()
    # the final outcome agrees with contact and consent (AAPOR), and result follows the weighting spec's codes
    disp, res = m["disposition"].to_numpy(), m["result"].to_numpy()
    assert np.all(np.isin(disp[m["consent"] == 1], [1, 2]))
    assert np.all(disp[m["consent"] == 2] == 3) and np.all(disp[m["contact_res"] == 2] == 4)
    assert np.all(disp[m["contact_res"] == 3] == 6)
    assert np.array_equal(res, np.select([disp <= 2, disp == 6], [1, 3], 2))


def test_within_household_selection_gives_the_base_weight(forms: dict[str, Questionnaire]) -> None:
    """Kish grid or last birthday select 1 of n eligible persons: base weight = household weight x n."""
    m = _sim(forms["perception_baseline"], 500, 5, design=True)
    n = m["n_elig"].to_numpy()
    assert n.min() >= 1 and 1.5 < n.mean() < 3.5                      # plausible numbers of persons 15+
    np.testing.assert_allclose(m["dweight"], 1 / m["prob_sel"])       # the design's household weight
    np.testing.assert_allclose(m["base_weight"], m["dweight"] * n)
    kish = m["kish_line"].to_numpy()
    asked = ~np.isnan(kish)
    assert np.array_equal(asked, (n > 1) & (m["sel_method"].to_numpy() == 1))
    assert np.all(kish[asked] <= n[asked])
    assert set(m["result"]) == {1} and set(m["consent"]) == {1}       # the design's rows are its respondents
    assert m["duration"].between(0, 240).all()


@pytest.mark.parametrize("name", PERCEPTION)
@pytest.mark.parametrize("design", [False, True], ids=["plain", "design"])
def test_simulated_data_pass_check(forms: dict[str, Questionnaire], name: str, design: bool,
                                   tmp_path: Path) -> None:
    if design and "policymakers" in name:
        pytest.skip("the shipped design example is the general-public design")
    data = tmp_path / "sim.csv"
    _sim(forms[name], 300, 7, design=design).to_csv(data, index=False)
    _register()
    res = CliRunner().invoke(cli, ["check", str(data), "-q", str(QDIR / f"{name}.yaml"),
                                   "-o", str(tmp_path / "problems.csv")])
    assert res.exit_code == 0, res.output
    assert " 0 error(s)" in res.output


@pytest.mark.parametrize("wave", ["perception_baseline", "perception_endline"])
def test_shipped_weighting_spec_runs_on_simulated_shipped_form(forms: dict[str, Questionnaire], wave: str,
                                                               tmp_path: Path) -> None:
    data = tmp_path / "sim.csv"
    m = _sim(forms[wave], 600, 3, design=True)
    m.to_csv(data, index=False)
    _register()
    out = tmp_path / "weighted.csv"
    res = CliRunner().invoke(cli, ["weight", str(data), "--spec", str(ROOT / "weights" / "perception_general_public.yaml"),
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    w = pd.read_csv(out)
    assert len(w) == len(m) and (w["final_weight"] > 0).all()
    # raked to the Census 2021 population 15+ (weights/mk2021_sex_agegrp_15plus.csv: 1,525,366)
    assert w["final_weight"].sum() == pytest.approx(1_525_366, rel=1e-6)


def test_nonresponse_step_uses_the_forms_outcome(forms: dict[str, Questionnaire], tmp_path: Path) -> None:
    """With refusals, non-contacts and ineligible addresses recorded in the form, the spec's nonresponse step gives
    them weight 0 and the interviews carry the population (raked to the census 15+ total)."""
    text = (EXAMPLES / "perception_effects.yaml").read_text(encoding="utf-8")
    mixed = text.replace("  contact_res: {1: 1.0}", "  contact_res: {1: 0.9, 2: 0.07, 3: 0.03}").replace(
        "  consent: {1: 1.0}", "  consent: {1: 0.8, 2: 0.17, 3: 0.03}")
    assert mixed.count("0.9, 2: 0.07") == 1 and mixed.count("0.8, 2: 0.17") == 1
    (tmp_path / "effects.yaml").write_text(mixed, encoding="utf-8")
    m = simulate(forms["perception_baseline"], 1000, 4, design=load_sample_design(EXAMPLES / "perception_design.yaml"),
                 effects=load_effects(tmp_path / "effects.yaml")).main
    assert set(m["result"]) == {1, 2, 3}
    data, out = tmp_path / "sim.csv", tmp_path / "weighted.csv"
    m.to_csv(data, index=False)
    _register()
    res = CliRunner().invoke(cli, ["weight", str(data), "--spec", str(ROOT / "weights" / "perception_general_public.yaml"),
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    w = pd.read_csv(out)
    assert (w.loc[w["result"] != 1, "final_weight"] == 0).all()
    assert (w.loc[w["result"] == 1, "final_weight"] > 0).all()
    assert w["final_weight"].sum() == pytest.approx(1_525_366, rel=1e-6)
