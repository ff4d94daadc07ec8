"""Tablet-ready XLSForms (issue 27): metadata rows, instructions visible by default, appearances, sample preloads.

The expectations come from the ODK XForms specification (https://getodk.github.io/xforms-spec/): metadata are
``jr:preload``/``jr:preloadParams`` binds (timestamp start/end, date today, property deviceid/username), the audit
is a binary ``meta/audit`` node, a value set when another question changes is an ``odk:setvalue`` action on the
``xforms-value-changed`` event; pyxform (an independent converter) writes the XForm and ODK Validate (Java) accepts it.
ODK Collect shows ``guidance_hint`` only when the device setting "Show guidance for questions" is on
(https://docs.getodk.org/form-question-types/#including-guidance), so instructions must go into the hint.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

from surveymod.instruments.paper import build_paper
from surveymod.instruments.xlsform import LONG_LIST, xlsform_rows
from surveymod.questionnaire import lint, loads
from surveymod.questionnaire.model import Questionnaire

from .conftest import SHIPPED, loaded

pytest.importorskip("pyxform", reason="pyxform (the [xlsform] extra) is not installed")
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")

NS = {"h": "http://www.w3.org/1999/xhtml", "x": "http://www.w3.org/2002/xforms",
      "jr": "http://openrosa.org/javarosa", "odk": "http://www.opendatakit.org/xforms"}
JR = "{http://openrosa.org/javarosa}"
X = "{http://www.w3.org/2002/xforms}"
ODK = "{http://www.opendatakit.org/xforms}"

FORM = """
id: tablet
title: {en: Tablet, mk: Таблет, sq: Tablet}
version: "1"
languages: {default: en, others: [mk, sq]}
metadata: {audit: true, audit_parameters: "track-changes=true"}
sample: {file: sample.csv, key: [psu, hh_no]}
choices:
  regions:
    - {code: 1, label: {en: East, mk: Исток, sq: Lindje}}
    - {code: 2, label: {en: West, mk: Запад, sq: Perëndim}}
  agree:
    - {code: 1, label: {en: Agree, mk: Се согласувам, sq: Pajtohem}}
    - {code: 2, label: {en: Disagree, mk: Не се согласувам, sq: Nuk pajtohem}}
  countries: {builtin: countries}
sections:
  - name: fw
    title: {en: Fieldwork, mk: Терен, sq: Terren}
    items:
      - {name: psu, type: integer, label: {en: PSU, mk: ПЕП, sq: NJPM}}
      - {name: hh_no, type: integer, label: {en: Household, mk: Домаќинство, sq: Amvisëri}}
      - name: region
        type: select_one
        choices: regions
        preload: region
        label: {en: Region, mk: Регион, sq: Rajoni}
        instruction: {en: "Record from the address list.", mk: "Запишете според списокот.", sq: "Shënoni sipas listës."}
      - {name: born, type: select_one, choices: countries, label: {en: Country, mk: Земја, sq: Vendi}}
      - {name: born2, type: select_one, choices: countries, appearance: minimal, label: {en: Country, mk: Земја, sq: Vendi}}
  - name: battery
    appearance: field-list
    title: {en: Opinions, mk: Мислења, sq: Mendime}
    items:
      - {name: a1, type: select_one, choices: agree, showcard: "C1", label: {en: One, mk: Едно, sq: Një}}
      - {name: a2, type: select_one, choices: agree, showcard: "C1", label: {en: Two, mk: Две, sq: Dy}}
"""


def _line(text: str, needle: str) -> int:
    """1-based line of *needle* in the YAML *text* (as the loader counts it)."""
    return text[: text.index(needle)].count("\n") + 1


@pytest.fixture(scope="module")
def tablet() -> Questionnaire:
    qn = loads(FORM, "tablet.yaml")
    assert [p for p in lint(qn) if p.severity == "error"] == []
    return qn


def _xform(qn: Questionnaire, validate: bool = False) -> ET.Element:
    from pyxform.xls2xform import convert

    from surveymod.instruments.xlsform import build_xlsform

    r = convert(xlsform=build_xlsform(qn), validate=validate, file_type=".xlsx")
    assert r.warnings == [], r.warnings
    return ET.fromstring(r.xform)


def _binds(root: ET.Element) -> dict[str, dict[str, str]]:
    return {b.get("nodeset", "").rsplit("/", 1)[-1]: dict(b.attrib) for b in root.iter(f"{X}bind")}


def test_metadata_rows_open_the_form(tablet: Questionnaire) -> None:
    survey = xlsform_rows(tablet)["survey"]
    assert [(r["type"], r["name"]) for r in survey[:6]] == [
        ("start", "start"), ("end", "end"), ("today", "today"), ("deviceid", "deviceid"), ("username", "username"),
        ("audit", "audit")]
    assert survey[5]["parameters"] == "track-changes=true"


def test_metadata_become_the_specs_preload_binds(tablet: Questionnaire) -> None:
    binds = _binds(_xform(tablet))
    want = {"start": ("timestamp", "start", "dateTime"), "end": ("timestamp", "end", "dateTime"),
            "today": ("date", "today", "date"), "deviceid": ("property", "deviceid", "string"),
            "username": ("property", "username", "string")}
    for name, (preload, params, typ) in want.items():
        b = binds[name]
        assert (b.get(f"{JR}preload"), b.get(f"{JR}preloadParams"), b.get("type")) == (preload, params, typ), name
    assert binds["audit"]["type"] == "binary" and binds["audit"]["nodeset"].endswith("/meta/audit")
    assert binds["audit"].get(f"{ODK}track-changes") == "true"


def test_metadata_can_be_switched_off_and_may_not_clash_with_a_variable() -> None:
    off = loads(FORM.replace("metadata: {audit: true", "metadata: {start: false, end: false, today: false, "
                                                       "deviceid: false, username: false, audit: false"), "off.yaml")
    assert xlsform_rows(off)["survey"][0]["type"] == "begin_group"
    clash = loads(FORM.replace("name: hh_no", "name: end").replace("hh_no]", "end]"), "clash.yaml")
    errors = [p for p in lint(clash) if p.severity == "error"]
    assert [(p.rule, p.location.line) for p in errors] == [("duplicate-name", _line(FORM, "name: hh_no"))]
    assert "'end' is also a form metadata field" in errors[0].message


def test_instructions_and_show_cards_are_in_the_hint_not_in_guidance_hint(tablet: Questionnaire) -> None:
    rows = {r["name"]: r for r in xlsform_rows(tablet)["survey"]}
    assert not any(k.startswith("guidance_hint") for r in rows.values() for k in r)
    assert rows["region"]["hint::English (en)"] == "Interviewer: Record from the address list."
    assert rows["region"]["hint::Macedonian (mk)"] == "Анкетар: Запишете според списокот."
    assert rows["region"]["hint::Albanian (sq)"] == "Anketuesi: Shënoni sipas listës."
    assert rows["a1"]["hint::English (en)"] == "Show card C1"
    assert rows["a1"]["hint::Macedonian (mk)"] == "Покажете ја картичката C1"
    assert rows["a1"]["hint::Albanian (sq)"] == "Tregojeni kartelën C1"
    assert "Покажете ја картичката C1" in build_paper(tablet, "mk")   # the paper form names the card too
    # in the XForm the instruction is an ordinary <hint>, shown without any device setting
    body = _xform(tablet).find("h:body", NS)
    assert body is not None
    region = next(e for e in body.iter(f"{X}select1") if e.get("ref", "").endswith("/region"))
    hint = region.find("x:hint", NS)
    assert hint is not None and hint.get("ref", "").startswith("jr:itext(")


def test_appearances(tablet: Questionnaire) -> None:
    rows = {r["name"]: r for r in xlsform_rows(tablet)["survey"]}
    assert len(tablet.choice_list(tablet.question("born"))) > LONG_LIST
    assert rows["born"]["appearance"] == "autocomplete"          # a country list: type to search
    assert rows["born2"]["appearance"] == "minimal"              # the questionnaire's own appearance wins
    assert "appearance" not in rows["a1"]                         # short lists keep the default buttons
    battery = next(r for r in xlsform_rows(tablet)["survey"] if r["name"] == "battery")
    assert battery["type"] == "begin_group" and battery["appearance"] == "field-list"
    body = _xform(tablet).find("h:body", NS)
    assert body is not None
    groups = {g.get("ref", "").rsplit("/", 1)[-1]: g for g in body.iter(f"{X}group")}
    assert groups["battery"].get("appearance") == "field-list"


def test_preload_is_pulldata_from_the_sample_file_set_when_the_key_changes(tablet: Questionnaire) -> None:
    rows = {r["name"]: r for r in xlsform_rows(tablet)["survey"]}
    assert rows["region"]["calculation"] == "pulldata('sample', 'region', 'key', concat(${psu}, '-', ${hh_no}))"
    assert rows["region"]["trigger"] == "${hh_no}"
    root = _xform(tablet)
    model = root.find("h:head/x:model", NS)
    assert model is not None
    srcs = {i.get("id"): i.get("src") for i in model.findall("x:instance", NS) if i.get("src")}
    assert srcs == {"sample": "jr://file-csv/sample.csv"}   # the CSV is a media file of the form
    setvalues = [e for e in root.iter(f"{X}setvalue")]
    assert len(setvalues) == 1
    sv = setvalues[0]
    assert sv.get("event") == "xforms-value-changed" and sv.get("ref", "").endswith("/region")
    want = "pulldata('sample','region','key',concat(/tablet/fw/psu,'-',/tablet/fw/hh_no))"
    assert sv.get("value", "").replace(" ", "") == want
    # the region stays an ordinary (editable) question: no readonly, no calculate bind
    b = _binds(root)["region"]
    assert "calculate" not in b and "readonly" not in b


def test_preload_rules_are_located() -> None:
    no_sample = loads(FORM.replace("sample: {file: sample.csv, key: [psu, hh_no]}\n", ""), "nosample.yaml")
    errs = [(p.rule, p.location.line) for p in lint(no_sample) if p.severity == "error"]
    assert errs == [("preload-without-sample", _line(FORM, "preload: region") - 1)]  # one line less: no sample
    bad_key = loads(FORM.replace("key: [psu, hh_no]", "key: [psu, hhno]"), "badkey.yaml")
    errs = [(p.rule, p.message) for p in lint(bad_key) if p.severity == "error"]
    assert errs == [("unknown-variable", "sample key 'hhno' is not a question of this form")]


@needs_java
def test_the_feature_form_passes_odk_validate(tablet: Questionnaire) -> None:
    _xform(tablet, validate=True)  # raises ODKValidateError on any problem


@pytest.mark.parametrize("name", ["perception_baseline", "perception_policymakers_endline", "lfs_migration",
                                  "training_prepost"])
def test_shipped_forms_are_tablet_ready(name: str) -> None:
    qn = loaded(SHIPPED / f"{name}.yaml")
    survey = xlsform_rows(qn)["survey"]
    types = [r["type"] for r in survey]
    assert types[:5] == ["start", "end", "today", "deviceid", "username"]
    assert ("audit" in types) == (name != "training_prepost")   # interviews have an audit log; the self-test not
    assert not any(k.startswith("guidance_hint") for r in survey for k in r)
    instructed = [q for q in qn.questions() if q.instruction]
    rows = {r["name"]: r for r in survey}
    for q in instructed:
        assert qn.text(q.instruction) in rows[q.name]["hint::English (en)"]
    for q in qn.questions():
        if q.is_choice and len(qn.choice_list(q)) > LONG_LIST and q.type != "scale":
            assert rows[q.name].get("appearance") == "autocomplete", q.name
    if name.startswith("perception"):
        assert qn.sample is not None and rows["dweight"]["trigger"] == f"${{{qn.sample.key[-1]}}}"
        assert {r["name"] for r in survey if r.get("appearance") == "field-list"} == {
            "gallup_mai", "ess_refugees", "dev_actors"}
        assert "Show card C2" in rows["imbgeco"]["hint::English (en)"]


def test_build_writes_the_sample_file_header(tablet: Questionnaire) -> None:
    from surveymod.instruments.build import build

    files = build(tablet, ["xlsform"]).files
    assert files["tablet_sample_template.csv"] == "key,region\n"
    shipped = build(loaded(SHIPPED / "perception_baseline.yaml"), ["xlsform"]).files
    assert shipped["perception_baseline_sample_template.csv"] == "key,region,urbrur,dweight\n"
