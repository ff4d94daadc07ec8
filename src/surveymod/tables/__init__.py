"""Tables from a YAML tabulation plan (LFS migration tables): :mod:`.plan` reads and checks the plan and
estimates every cell, :mod:`.output` writes the sheets and the HTML page."""

from .output import sheet_name, sheet_names, tables_html, write_tables
from .plan import Plan, carry_design, load_plan, plan_columns, run_plan

__all__ = ["Plan", "carry_design", "load_plan", "plan_columns", "run_plan", "sheet_name", "sheet_names",
           "tables_html", "write_tables"]
