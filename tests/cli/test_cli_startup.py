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
