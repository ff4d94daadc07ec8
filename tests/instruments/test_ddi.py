"""DDI-Codebook 2.5: every questionnaire validates against the official schema (vendored in tests/data); element
order and contents of a variable checked on the household fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from surveymod.instruments.ddi import NS, build_ddi, validate_ddi
from surveymod.questionnaire.model import Questionnaire

from .conftest import ALL_FILES, XSD, file_id, loaded

N = {"d": NS}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.mark.parametrize("path", ALL_FILES, ids=file_id)
def test_every_questionnaire_validates_against_the_schema(path: Path) -> None:
    qn = loaded(path)
    xml = build_ddi(qn)
    assert validate_ddi(xml, str(XSD)) == []
    doc = etree.fromstring(xml)
    names = doc.xpath("//d:dataDscr/d:var/@name", namespaces=N)
    assert len(names) == len(set(names)) and "stdyDscr" in xml.decode()


def test_schema_rejects_wrong_order(household: Questionnaire) -> None:
    """Guard that validation is real: catgry moved before qstn must fail (the schema fixes the order)."""
    doc = etree.fromstring(build_ddi(household))
    var = doc.xpath("//d:var[@name='work']", namespaces=N)[0]
    cat = var.find("d:catgry", N)
    var.remove(cat)
    var.insert(0, cat)
    assert validate_ddi(etree.tostring(doc), str(XSD)) != []


def test_household_variable(household: Questionnaire) -> None:
    doc = etree.fromstring(build_ddi(household))
    var = doc.xpath("//d:var[@name='work']", namespaces=N)[0]
    tags = [etree.QName(c).localname for c in var]
    assert tags == ["labl", "labl", "qstn", "qstn", "universe", "catgry", "catgry", "catgry", "catgry",
                    "varFormat"]
    labels = {c.get(XML_LANG): c.text for c in var.findall("d:labl", N)}
    assert labels == {"en": "Worked last week", "mk": "Работел минатата недела"}
    assert var.find("d:qstn/d:qstnLit", N).text == "Did this person do any paid work last week?"
    assert var.find("d:universe", N).text == ("age is between 15 and 74 and COUNTRYB is not 807 "
                                              "(North Macedonia)")
    cats = {c.find("d:catValu", N).text: c.get("missing") for c in var.findall("d:catgry", N)}
    assert cats == {"1": None, "2": None, "8": "Y", "9": "Y"}
    assert var.get("files") == "F2"  # the members roster file
    hours = doc.xpath("//d:var[@name='hours']", namespaces=N)[0]
    rng = hours.find("d:valrng/d:range", N)
    assert (rng.get("min"), rng.get("max"), rng.get("UNITS")) == ("0", "99.5", "REAL")
    cb = doc.xpath("//d:var[@name='COUNTRYB']/d:notes", namespaces=N)[0].text
    assert cb == "Source: EU-LFS Reg. (EU) 2019/2240, Annex I; source variable COUNTRYB"
    files = doc.xpath("//d:fileDscr/d:fileTxt/d:fileName/text()", namespaces=N)
    assert files == ["hh_test.csv", "hh_test_person.csv"]
