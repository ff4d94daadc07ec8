"""questionnaire/dictionary.py: the label/missing metadata, checked against hand-worked values from the household fixture."""

from __future__ import annotations

from surveymod.questionnaire.dictionary import (
    SPSS_LIMITS,
    STATA_LIMITS,
    data_dictionary,
    raw_columns,
    shorten,
    stata_missing_letters,
    text_size,
)
from surveymod.questionnaire.model import Questionnaire


def test_stata_letters_fixed_per_kind_and_spill_from_f() -> None:
    assert stata_missing_letters({8: "dont_know", 9: "refusal"}) == {8: ".a", 9: ".b"}
    assert stata_missing_letters({77: "refusal", 88: "dont_know", 99: "no_answer"}) == {
        77: ".b", 88: ".a", 99: ".d"}
    # two refusal codes: the second takes the first free letter after .e
    assert stata_missing_letters({7: "refusal", 97: "refusal", 98: "dont_know"}) == {7: ".b", 97: ".f", 98: ".a"}


def test_shorten_counts_bytes_or_characters() -> None:
    cyr = "Возраст на лицето"  # 15 Cyrillic letters (2 bytes each) + 2 spaces = 32 bytes, 17 characters
    assert text_size(cyr, "bytes") == 32 and text_size(cyr, "chars") == 17
    assert shorten(cyr, 17, "chars") == cyr
    cut = shorten(cyr, 10, "bytes")  # '…' is 3 bytes: room for 7 bytes = 3 letters (6 bytes)
    assert cut == "Воз…" and text_size(cut, "bytes") <= 10
    assert shorten("abcdefghij", 5) == "abcd…"


def test_variables_formats_and_levels(household: Questionnaire) -> None:
    d = data_dictionary(household, "en", SPSS_LIMITS)
    v = {x.name: x for x in d.variables}
    assert v["sex"].spss_format == "F1.0" and v["sex"].measure == "nominal"
    assert v["hhid"].spss_format == "F5.0"  # max 99999
    assert v["age"].spss_format == "F3.0"  # 0..120 and special code 998
    assert v["COUNTRYB"].spss_format == "F3.0"  # ISO numeric codes up to 997
    assert v["hours"].spss_format == "F8.2" and v["hours"].measure == "scale"
    assert v["yarr"].spss_format == "F4.0"
    assert v["imbgeco"].measure == "ordinal"
    assert v["adults"].spss_format == "F8.0"  # hhsize - 1 is a whole number
    assert v["share"].decimals == 2  # 1 / hhsize is not
    assert v["int_date"].kind == "date" and v["int_date"].spss_format == "SDATE10"
    assert v["comment"].kind == "string"
    # select_multiple: raw string column + one dummy per code, "Question :: Choice"
    assert v["reason"].kind == "string" and v["reason"].spss_format == "A5"  # "1 2 3"
    assert v["reason_2"].label == "Reason for moving :: Family"
    assert v["reason_2"].value_labels == {0: "Not selected", 1: "Selected"}
    assert [x.name for x in raw_columns(d.levels[1])] == [
        "line", "sex", "age", "COUNTRYB", "work", "hours", "reason", "yarr"]


def test_shared_label_sets_and_missing(household: Questionnaire) -> None:
    d = data_dictionary(household, "mk")
    v = {x.name: x for x in d.variables}
    assert v["work"].label_set == v["donate"].label_set == v["volunteer"].label_set == "yn"
    assert d.label_sets["yn"].labels == {1: "Да", 2: "Не", 8: "Не знам", 9: "Одбива"}
    assert v["work"].missing == {8: "dont_know", 9: "refusal"}
    assert v["work"].stata_missing == {8: ".a", 9: ".b"}
    assert v["age"].missing == {998: "dont_know"}
    assert v["trust"].missing == {6: "not_applicable", 7: "refusal", 8: "dont_know", 9: "no_answer"}
    assert [lv.name for lv in d.levels] == ["hh_test", "hh_test_person"]
    assert d.levels[1].ids == ("hhid",)


def test_long_labels_are_shortened_and_listed(household: Questionnaire) -> None:
    d = data_dictionary(household, "en", STATA_LIMITS)
    short = d.variable("imbgeco").label
    assert len(short) <= 80 and short.endswith("…")
    assert short.startswith("Immigration bad or good for the country's economy, as judged by the respondent")
    assert [(s.variable, s.what) for s in d.shortened] == [("imbgeco", "variable label")]
    assert data_dictionary(household, "en", SPSS_LIMITS).shortened == []  # 105 bytes fit SPSS's 255


def test_spss_missing_for_pyreadstat(household: Questionnaire) -> None:
    from surveymod.questionnaire.dictionary import spss_missing

    d = data_dictionary(household)
    assert spss_missing(d.variable("work")).pyreadstat() == [8, 9]
    assert spss_missing(d.variable("trust")).pyreadstat() == [{"lo": 6, "hi": 9}]
    assert spss_missing(d.variable("sex")).pyreadstat() == []
