"""Write nested_hh.xlsx: a household form with a repeat (members) holding a repeat (trips abroad)."""
from openpyxl import Workbook

E, M, S = "label::English (en)", "label::Macedonian (mk)", "label::Albanian (sq)"
survey = [
    ["type", "name", E, M, S, "relevant", "repeat_count"],
    ["integer", "hh_size", "How many people live here?", "Колку лица живеат тука?", "Sa persona jetojnë këtu?"],
    ["begin_repeat", "member", "Member", "Член", "Anëtar", "", "${hh_size}"],
    ["text", "m_name", "First name", "Име", "Emri"],
    ["integer", "n_trips", "Trips abroad", "Патувања во странство", "Udhëtime jashtë vendit"],
    ["begin_repeat", "trip", "Trip", "Патување", "Udhëtim", "${n_trips} > 0", "${n_trips}"],
    ["select_one country", "t_country", "Country", "Земја", "Vendi"],
    ["integer", "t_months", "Months", "Месеци", "Muaj"],
    ["end_repeat", "trip"],
    ["end_repeat", "member"],
]
choices = [["list_name", "name", E, M, S],
           ["country", "DE", "Germany", "Германија", "Gjermania"],
           ["country", "AT", "Austria", "Австрија", "Austria"]]
settings = [["form_title", "form_id", "version", "default_language"],
            ["Nested repeats", "nested_hh", "1", "English (en)"]]
wb = Workbook()
wb.remove(wb.active)
for name, rows in (("survey", survey), ("choices", choices), ("settings", settings)):
    ws = wb.create_sheet(name)
    for r in rows:
        ws.append(r)
wb.save("nested_hh.xlsx")
