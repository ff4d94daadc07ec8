"""Duplicate keys in a weighting spec are errors naming the spec line (YAML alone would keep the last one silently).

Expected lines are counted by hand in the spec texts below; the CLI must exit 1 with no traceback and write nothing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.errors import SurveyError
from surveymod.weighting import load_weighting_spec, run_weighting

DATA = pd.DataFrame({"sex": ["m", "f", "m", "f"], "region": ["p", "p", "q", "q"], "w": [1.0, 2.0, 1.0, 2.0]})

CASES = {
    # name: (spec text, line of the second occurrence, duplicated key)
    "top_level": ("design:\n"                      # 1
                  "  weight: w\n"                  # 2
                  "steps:\n"                       # 3
                  "  - step: rake\n"               # 4
                  "    margins:\n"                 # 5
                  "      - variables: sex\n"       # 6
                  "        targets: {m: 10, f: 10}\n"  # 7
                  "design:\n"                      # 8  <- duplicate
                  "  weight: region\n", 8, "design"),
    "inside_step": ("design:\n"                    # 1
                    "  weight: w\n"                # 2
                    "steps:\n"                     # 3
                    "  - step: rake\n"             # 4
                    "    tolerance: 1.0e-8\n"      # 5
                    "    margins:\n"               # 6
                    "      - variables: sex\n"     # 7
                    "        targets: {m: 10, f: 10}\n"  # 8
                    "    tolerance: 0.5\n", 9, "tolerance"),  # 9 <- duplicate
    "inline_target_level": ("design:\n"            # 1
                            "  weight: w\n"        # 2
                            "steps:\n"             # 3
                            "  - step: poststratify\n"  # 4
                            "    margin:\n"        # 5
                            "      variables: sex\n"  # 6
                            "      targets:\n"     # 7
                            "        m: 10\n"      # 8
                            "        f: 12\n"      # 9
                            "        m: 11\n", 10, "m"),  # 10 <- duplicate
    "inline_flow_level": ("design:\n  weight: w\nsteps:\n  - step: rake\n    margins:\n"
                          "      - variables: sex\n"
                          "        targets: {m: 10, f: 10, f: 12}\n", 7, "f"),  # 7
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_duplicate_key_is_located_error(name: str, write_spec) -> None:
    text, line, key = CASES[name]
    spec = write_spec(text)
    with pytest.raises(SurveyError) as exc:
        load_weighting_spec(spec)
    msg = str(exc.value)
    assert f"{spec}:{line}:" in msg, msg
    assert f"duplicate key '{key}'" in msg, msg
    with pytest.raises(SurveyError):
        run_weighting(DATA, spec)


def test_without_duplicate_the_same_spec_loads(write_spec) -> None:
    """Control: removing the duplicated line leaves a valid spec (the error above is about the duplicate only)."""
    text = CASES["inline_target_level"][0].replace("        m: 11\n", "")
    loaded = load_weighting_spec(write_spec(text))
    assert loaded.spec.steps[0].margin.targets == {"m": 10.0, "f": 12.0}


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_exit_1_no_traceback_no_output(name: str, write_spec, tmp_path: Path) -> None:
    text, line, key = CASES[name]
    spec = write_spec(text)
    data = tmp_path / "data.csv"
    DATA.to_csv(data, index=False)
    out = tmp_path / "out" / "weighted.csv"
    _register()
    res = CliRunner().invoke(cli, ["weight", str(data), "--spec", str(spec), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    assert f"{spec}:{line}:" in res.output
    assert f"duplicate key '{key}'" in res.output
    assert not out.exists()
    assert not (tmp_path / "out" / "weighted_weighting_report.json").exists()
    assert not (tmp_path / "out" / "weighted_weighting_report.html").exists()
