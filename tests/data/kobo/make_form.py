"""Write migration_hh.xlsx, the XLSForm of the Kobo export tests (see README.md)."""

from openpyxl import Workbook

E, M = "label::English (en)", "label::Macedonian (mk)"
survey = [
    ["type", "name", E, M, "hint::English (en)", "relevant", "constraint", "constraint_message::English (en)",
     "required", "repeat_count"],
    ["start", "start"], ["end", "end"], ["today", "today"],
    ["select_one yes_no", "consent", "Do you agree to take part?", "Дали се согласувате да учествувате?", "", "", "",
     "", "yes"],
    ["begin_group", "household", "Household", "Домаќинство", "", "${consent} = 'yes'"],
    ["integer", "hh_size", "How many people live in this household?", "Колку лица живеат во ова домаќинство?", "",
     "", ". >= 1 and . <= 30", "Between 1 and 30", "yes"],
    ["select_one municipality", "municipality", "Municipality", "Општина"],
    ["begin_repeat", "hh_members", "Household member", "Член на домаќинството", "", "", "", "", "", "${hh_size}"],
    ["text", "m_name", "First name", "Име"],
    ["select_one sex", "m_sex", "Sex", "Пол"],
    ["integer", "m_age", "Age in completed years", "Возраст во навршени години", "", "", ". <= 110"],
    ["select_one yes_no", "m_abroad", "Has this person lived abroad for 3 months or more?",
     "Дали ова лице живеело во странство 3 месеци или повеќе?", "", "${m_age} >= 15"],
    ["select_one country or_other", "m_country", "In which country?", "Во која земја?", "", "${m_abroad} = 'yes'"],
    ["end_repeat", "hh_members"],
    ["end_group", "household"],
    ["begin_group", "migration", "Migration", "Миграција", "", "${consent} = 'yes'"],
    ["select_one yes_no", "any_emigrant", "Has anyone from this household emigrated in the last 5 years?",
     "Дали некој од ова домаќинство емигрирал во последните 5 години?"],
    ["select_multiple reason", "reasons", "Why did they leave?", "Зошто заминаа?", "Select all that apply",
     "${any_emigrant} = 'yes'"],
    ["text", "reasons_other", "Other reason", "Друга причина", "", "selected(${reasons}, 'other')"],
    ["decimal", "remit_amount", "Remittances received last year (EUR)", "Дознаки примени минатата година (EUR)", "",
     "${any_emigrant} = 'yes'", ". >= 0"],
    ["select_one plan", "plan_to_leave_in_the_next_twelve_months_for_work",
     "Do you plan to leave the country in the next 12 months for work?",
     "Дали планирате да ја напуштите земјата во следните 12 месеци заради работа?"],
    ["end_group", "migration"],
]
choices = [
    ["list_name", "name", E, M],
    ["yes_no", "yes", "Yes", "Да"], ["yes_no", "no", "No", "Не"],
    ["sex", "male", "Male", "Машки"], ["sex", "female", "Female", "Женски"],
    ["municipality", "skopje", "Skopje", "Скопје"], ["municipality", "tetovo", "Tetovo", "Тетово"],
    ["municipality", "bitola", "Bitola", "Битола"], ["municipality", "kumanovo", "Kumanovo", "Куманово"],
    ["country", "DE", "Germany", "Германија"], ["country", "AT", "Austria", "Австрија"],
    ["country", "CH", "Switzerland", "Швајцарија"], ["country", "IT", "Italy", "Италија"],
    ["country", "US", "United States", "Соединети Американски Држави"],
    ["reason", "work", "Work", "Работа"], ["reason", "family", "Family", "Семејство"],
    ["reason", "study", "Study", "Студии"], ["reason", "safety", "Safety", "Безбедност"],
    ["reason", "other", "Other", "Друго"],
    ["plan", "1", "Yes", "Да"], ["plan", "2", "No", "Не"], ["plan", "98", "Don't know", "Не знам"],
]
settings = [["form_title", "form_id", "version", "default_language"],
            ["Migration household survey", "migration_hh", "2026030101", "English (en)"]]
wb = Workbook()
wb.remove(wb.active)
for name, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
    ws = wb.create_sheet(name)
    for r in rows:
        ws.append(r)
wb.save("migration_hh.xlsx")
