"""Maintained code lists: countries from pycountry (ISO 3166-1) with Eurostat SCL GEO names.

Codes are ISO 3166-1 numeric (so data stay numeric and Stata can label them); the choice ``name`` is the Eurostat
SCL GEO alpha-2 code, which differs from ISO for Greece (EL, not GR) and the United Kingdom (UK, not GB).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Choice

EUROSTAT_EXCEPTIONS = {"GR": "EL", "GB": "UK"}


def eurostat_geo(alpha2: str) -> str:
    """Eurostat SCL GEO code of an ISO 3166-1 alpha-2 code."""
    return EUROSTAT_EXCEPTIONS.get(alpha2, alpha2)


@cache
def _countries() -> tuple[tuple[int, str, str], ...]:
    import pycountry

    rows = []
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        rows.append((int(c.numeric), eurostat_geo(c.alpha_2), name))
    return tuple(sorted(rows, key=lambda r: r[2]))


# Macedonian and Albanian names where pycountry's iso-codes catalogue has no translation of the short (common) name,
# a wrong one or an inverted catalogue form ("X, State of"); spelled as in Macedonian / Albanian usage (drafts,
# reviewed with the instruments: questionnaires/translation/glossary.yaml)
_FIXES = {("mk", "North Macedonia"): "Северна Македонија", ("mk", "Cabo Verde"): "Кабо Верде",
          ("mk", "Czechia"): "Чешка", ("mk", "Eswatini"): "Есватини", ("mk", "Iran"): "Иран", ("mk", "Laos"): "Лаос",
          ("mk", "North Korea"): "Северна Кореја", ("mk", "Palestine, State of"): "Палестина",
          ("mk", "South Korea"): "Јужна Кореја", ("mk", "South Sudan"): "Јужен Судан", ("mk", "Syria"): "Сирија",
          ("mk", "Tanzania"): "Танзанија", ("mk", "Türkiye"): "Турција", ("mk", "Vietnam"): "Виетнам",
          ("mk", "Hong Kong"): "Хонг Конг", ("mk", "Côte d'Ivoire"): "Брегот на Слоновата Коска",
          ("mk", "United States"): "Соединети Американски Држави",
          ("mk", "Central African Republic"): "Централноафриканска Република",
          ("mk", "Congo, The Democratic Republic of the"): "Демократска Република Конго",
          ("mk", "Virgin Islands, British"): "Британски Девствени Острови",
          ("mk", "Virgin Islands, U.S."): "Американски Девствени Острови",
          # Albanian: the catalogue's "Kepi i Fildishtë" (Cape) and inverted names ("Palestinë, Shteti i")
          ("sq", "Côte d'Ivoire"): "Bregu i Fildishtë", ("sq", "Palestine, State of"): "Palestina",
          ("sq", "Congo, The Democratic Republic of the"): "Republika Demokratike e Kongos",
          ("sq", "Micronesia, Federated States of"): "Mikronezia",
          ("sq", "Virgin Islands, British"): "Ishujt e Virgjër Britanikë",
          ("sq", "Virgin Islands, U.S."): "Ishujt e Virgjër Amerikanë"}


@cache
def _translator(lang: str) -> Callable[[str], str]:
    import gettext

    import pycountry

    try:
        t = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return lambda s: s
    return lambda s: _FIXES.get((lang, s)) or t.gettext(s)


def builtin_choices(name: str, languages: tuple[str, ...] = ("en", "mk", "sq")) -> list[Choice]:
    """The choices of a built-in list (currently ``countries``), labelled in each language pycountry knows."""
    from .model import Choice

    if name == "countries":
        out = []
        for code, geo, label in _countries():
            labels = {lang: (label if lang == "en" else _translator(lang)(label)) for lang in languages}
            out.append(Choice(code=code, name=geo, label=labels))
        return out
    raise KeyError(name)
