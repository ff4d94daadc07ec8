"""The one escaping rule of each output language for text that comes from a user (labels, titles, names, values).

Every writer quotes through these modules and nowhere else: :mod:`.spss`, :mod:`.stata`, :mod:`.r` (syntax
files), :mod:`.xpath` (XLSForm expressions), :mod:`.html` (pages; Jinja2 templates call it through autoescape),
:mod:`.markdown` and :mod:`.terminal`; :mod:`.controls` holds the characters none of them passes on raw.
Spreadsheet cells have their rule in :mod:`surveymod.xlsx` (never a formula).
"""
