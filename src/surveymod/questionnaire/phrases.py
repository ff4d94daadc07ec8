"""The instruments' own words (headings, routing frame, generated labels) in English, Macedonian and Albanian.

One table for every generated text that is not in the questionnaire: the paper questionnaire's frame ("Ask if",
"Go to"), the codebook's headings and sentences ("Universe", "All respondents"), and generated value labels
("Selected"). The words of conditions themselves ("is at least", "and") are in ``questionnaire.expr.WORDS``.
A phrase may hold ``{name}`` slots filled by :func:`phrase`. Languages without an entry fall back to English.
Instructions to the interviewer use the formal imperative, like every other text (mk "Прашајте", sq "Pyetni").
"""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ generated value labels (SPSS/Stata/codebook)
    "selected": {"en": "Selected", "mk": "Избрано", "sq": "Zgjedhur"},
    "not_selected": {"en": "Not selected", "mk": "Не е избрано", "sq": "Nuk është zgjedhur"},
    # ----------------------------------------------------------------------------------------- paper questionnaire
    "ask_if": {"en": "Ask if", "mk": "Прашајте ако", "sq": "Pyetni nëse"},
    "section_if": {"en": "Ask this section if", "mk": "Прашајте го овој дел ако",
                   "sq": "Pyetni këtë pjesë nëse"},
    "go_to": {"en": "Go to", "mk": "Одете на", "sq": "Shkoni te"},
    "end_roster": {"en": "Next row of the roster", "mk": "Следен ред од листата",
                   "sq": "Rreshti tjetër i listës"},
    "end": {"en": "End of the interview", "mk": "Крај на интервјуто", "sq": "Fundi i intervistës"},
    "interviewer": {"en": "Interviewer", "mk": "Анкетар", "sq": "Anketuesi"},
    "show_card": {"en": "Show card {card}", "mk": "Покажете ја картичката {card}", "sq": "Tregojeni kartelën {card}"},
    "all_apply": {"en": "Mark all that apply.", "mk": "Означете ги сите што важат.",
                  "sq": "Shënoni të gjitha që vlejnë."},
    "one_answer": {"en": "One answer only.", "mk": "Само еден одговор.", "sq": "Vetëm një përgjigje."},
    "roster": {"en": "Ask for each row", "mk": "Прашајте за секој ред", "sq": "Pyetni për çdo rresht"},
    "rows": {"en": "number of rows", "mk": "број на редови", "sq": "numri i rreshtave"},
    "at_most": {"en": "at most", "mk": "најмногу", "sq": "më së shumti"},
    "version": {"en": "Version", "mk": "Верзија", "sq": "Versioni"},
    "day_month_year": {"en": "day / month / year", "mk": "ден / месец / година", "sq": "dita / muaji / viti"},
    # -------------------------------------------------------------------------------------------------- codebook
    "codebook": {"en": "Codebook: {title}", "mk": "Книга на шифри: {title}", "sq": "Libri i kodeve: {title}"},
    "form_line": {"en": "Form id: {id}; version {version}; languages: {langs} (this codebook: {this})",
                  "mk": "Ознака на формуларот: {id}; верзија {version}; јазици: {langs} (оваа книга на шифри: {this})",
                  "sq": "Identifikuesi i formularit: {id}; versioni {version}; gjuhët: {langs} "
                        "(ky libër kodesh: {this})"},
    "description": {"en": "Description", "mk": "Опис", "sq": "Përshkrimi"},
    "source": {"en": "Source", "mk": "Извор", "sq": "Burimi"},
    "missing_kinds": {
        "en": "Missing-value kinds: codes flagged as don't know, refusal, not applicable, no answer or not stated "
              "are user-missing in SPSS and extended missing (.a, .b, …) in Stata.",
        "mk": "Видови вредности што недостасуваат: шифрите означени како „не знам“, „одбивање“, „не се однесува“, "
              "„без одговор“ или „не е наведено“ се кориснички дефинирани недостасувачки вредности (user-missing) "
              "во SPSS и проширени недостасувачки вредности (.a, .b, …) во Stata.",
        "sq": "Llojet e vlerave që mungojnë: kodet e shënuara si „nuk e di“, „refuzim“, „nuk zbatohet“, "
              "„pa përgjigje“ ose „e padeklaruar“ janë vlera që mungojnë të përcaktuara nga përdoruesi "
              "(user-missing) në SPSS dhe vlera të zgjeruara që mungojnë (.a, .b, …) në Stata."},
    "file": {"en": "File {file}", "mk": "Датотека {file}", "sq": "Skedari {file}"},
    "top_level": {"en": "One row per respondent (top level).", "mk": "Еден ред за секој испитаник (основно ниво).",
                  "sq": "Një rresht për çdo të anketuar (niveli kryesor)."},
    "roster_level": {"en": "One row per {roster} row.", "mk": "Еден ред за секој ред од {roster}.",
                     "sq": "Një rresht për çdo rresht të {roster}."},
    "roster_level_ids": {"en": "One row per {roster} row, linked to the top level by {ids}.",
                         "mk": "Еден ред за секој ред од {roster}, поврзан со основното ниво преку {ids}.",
                         "sq": "Një rresht për çdo rresht të {roster}, i lidhur me nivelin kryesor përmes {ids}."},
    "variable": {"en": "Variable", "mk": "Променлива", "sq": "Ndryshorja"},
    "label": {"en": "Label", "mk": "Ознака", "sq": "Etiketa"},
    "type": {"en": "Type", "mk": "Тип", "sq": "Lloji"},
    "format": {"en": "Format", "mk": "Формат", "sq": "Formati"},
    "code": {"en": "Code", "mk": "Шифра", "sq": "Kodi"},
    "missing": {"en": "Missing", "mk": "Недостасува", "sq": "Mungon"},
    "type_line": {"en": "Type: {type}; format {format}; measurement level {measure}",
                  "mk": "Тип: {type}; формат {format}; мерно ниво: {measure}",
                  "sq": "Lloji: {type}; formati {format}; niveli i matjes: {measure}"},
    "nominal": {"en": "nominal", "mk": "номинално", "sq": "emëror"},
    "ordinal": {"en": "ordinal", "mk": "ординално", "sq": "rendor"},
    "scale": {"en": "scale", "mk": "интервално", "sq": "intervalor"},
    "universe": {"en": "Universe", "mk": "Опфат", "sq": "Popullata"},
    "all_respondents": {"en": "All respondents", "mk": "Сите испитаници", "sq": "Të gjithë të anketuarit"},
    "dummy_type": {"en": "select_multiple dummy", "mk": "select_multiple (индикатор 0/1)",
                   "sq": "select_multiple (tregues 0/1)"},
    "derived": {"en": "Derived", "mk": "Изведена", "sq": "E nxjerrë"},
    "dummy_rule": {"en": "1 if code {code} was chosen at {of}, 0 if not; missing if the question was not asked.",
                   "mk": "1 ако во {of} е избрана шифрата {code}, 0 ако не е; недостасува ако прашањето не е "
                         "поставено.",
                   "sq": "1 nëse te {of} është zgjedhur kodi {code}, 0 nëse jo; mungon nëse pyetja nuk është "
                         "bërë."},
    "valid_range": {"en": "Valid range", "mk": "Дозволен опсег", "sq": "Intervali i lejuar"},
    "range": {"en": "{lo} to {hi}", "mk": "од {lo} до {hi}", "sq": "nga {lo} deri në {hi}"},
    "unit": {"en": "Unit", "mk": "Единица", "sq": "Njësia"},
    "hint": {"en": "Hint", "mk": "Напомена", "sq": "Udhëzim"},
    "instruction": {"en": "Interviewer instruction", "mk": "Упатство за анкетарот", "sq": "Udhëzim për anketuesin"},
    "constraint": {"en": "Constraint", "mk": "Ограничување", "sq": "Kufizimi"},
    "calculation": {"en": "Calculation", "mk": "Пресметка", "sq": "Llogaritja"},
    "source_variable": {"en": "variable {name}", "mk": "променлива {name}", "sq": "ndryshorja {name}"},
    "programme_specific": {"en": "programme-specific", "mk": "специфично за програмата",
                           "sq": "specifike për programin"},
    "dont_know": {"en": "don't know", "mk": "не знам", "sq": "nuk e di"},
    "refusal": {"en": "refusal", "mk": "одбивање", "sq": "refuzim"},
    "not_applicable": {"en": "not applicable", "mk": "не се однесува", "sq": "nuk zbatohet"},
    "no_answer": {"en": "no answer", "mk": "без одговор", "sq": "pa përgjigje"},
    "not_stated": {"en": "not stated", "mk": "не е наведено", "sq": "e padeklaruar"},
    # ------------------------------------------------------------------ paper questionnaire: show cards (annexes)
    "show_card_ref": {"en": "Write in the answer; code it from show card {card} (end of the questionnaire).",
                      "mk": "Запишете го одговорот; шифрирајте го според картичката {card} (на крајот на "
                            "прашалникот).",
                      "sq": "Shkruani përgjigjen; kodojeni sipas kartelës {card} (në fund të pyetësorit)."},
    "show_card_title": {"en": "Show card {card}", "mk": "Картичка {card}", "sq": "Kartela {card}"},
    "country_codes": {"en": "Country codes", "mk": "Шифри на земјите", "sq": "Kodet e vendeve"},
    "used_at": {"en": "Used at", "mk": "Се користи кај", "sq": "Përdoret te"},
    "country": {"en": "Country", "mk": "Земја", "sq": "Vendi"},
}
"""Every instrument phrase: key -> {language: text}; the English text is required, others fall back to it."""


def phrase(key: str, lang: str | None, **slots: object) -> str:
    """The phrase *key* in *lang* (English if not translated), with its ``{slots}`` filled in."""
    table = PHRASES[key]
    text = table.get(lang or "en", table["en"])
    return text.format(**slots) if slots else text
