"""The command group starts without numerical libraries, and its help table says what each command says."""

from __future__ import annotations

import subprocess
import sys

from surveymod.cli.main import COMMANDS, _register, cli

HEAVY = ("numpy", "pandas", "scipy", "polars", "pyarrow", "matplotlib", "svy", "pyreadstat", "openpyxl", "pydantic")

PROBE = """
import sys
from surveymod.cli.main import cli
try:
    cli([{arg!r}], prog_name="surveymod")
except SystemExit:
    pass
print("LOADED:" + ",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))))
"""


def _loaded(arg: str) -> str:
    out = subprocess.run([sys.executable, "-c", PROBE.format(arg=arg, heavy=HEAVY)], capture_output=True,
                         text=True, check=True)
    return out.stdout.strip().splitlines()[-1].removeprefix("LOADED:")


def test_version_and_help_import_no_numerical_library() -> None:
    assert _loaded("--version") == ""
    assert _loaded("--help") == ""


def test_help_table_matches_each_commands_own_help() -> None:
    _register()
    for name, (_module, short) in COMMANDS.items():
        assert cli.commands[name].get_short_help_str(200) == short, name
    assert set(cli.commands) == set(COMMANDS), "every command is in the lazy table"


def test_analysis_loads_neither_checker_exporter_nor_scipy() -> None:
    """estimate/change need the reader and the estimators only: no checker, exporter, questionnaire model or
    scipy (t quantiles are our own, scipy.special alone costs a tenth of a whole estimate)."""
    code = ("import sys, surveymod.cli.commands_estimate\n"
            "print(sorted(m for m in sys.modules if m.startswith(('surveymod.data.checker', 'surveymod.data.exporter',"
            " 'surveymod.questionnaire', 'surveymod.instruments', 'scipy'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_data_package_names_are_the_functions_whatever_was_imported_first() -> None:
    """``surveymod.data.read/check/export`` are functions even after their modules were imported directly."""
    code = ("import surveymod.data.reader, surveymod.data.checker, surveymod.data.exporter\n"
            "from surveymod.data import check, export, read, Dataset, CheckReport, ExportResult\n"
            "import surveymod.data as d\n"
            "print(all(callable(f) and not isinstance(f, type(d)) for f in (check, export, read, d.check, d.read)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def test_long_steps_are_reported_on_a_terminal_only(monkeypatch, capsys) -> None:
    from surveymod.cli import common

    assert common.progress_lines(10_000_000) is None  # pytest's stderr is no terminal
    monkeypatch.setattr(common.sys.stderr, "isatty", lambda: True, raising=False)
    assert common.progress_lines(1_000) is None  # small data: nothing to report
    say = common.progress_lines(1_000_000)
    assert say is not None
    say("step 2 of 3: rake")
    assert "step 2 of 3: rake" in capsys.readouterr().err
