"""Bad specs: each gives a clear message naming the spec line, exit 1 from the CLI and no output file."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.errors import SurveyError
from surveymod.weighting import run_weighting

DATA = pd.DataFrame({"sex": ["m", "f", "m", "f", "m", "f"], "region": ["p", "p", "q", "q", "q", "p"],
                     "w": [1.0, 2.0, 1.0, 2.0, 1.0, 1.0]})

CASES = {
    # name: (spec text, expected line, words in the message)
    "unknown_variable": ("design:\n  weight: w\nsteps:\n  - step: rake\n    margins:\n      - variables: gender\n"
                         "        targets: {m: 10, f: 10}\n", 6, ["unknown variable", "gender"]),
    "level_absent": ("design:\n  weight: w\nsteps:\n  - step: poststratify\n    margin:\n      variables: sex\n"
                     "      targets: {m: 10, f: 10, x: 3}\n", 7, ["sex=x", "absent from the data"]),
    "shares_not_one": ("design:\n  weight: w\nsteps:\n  - step: rake\n    margins:\n      - variables: sex\n"
                       "        kind: share\n        targets: {m: 0.5, f: 0.6}\n", 8, ["sum to 1.1", "not 1"]),
    "negative_weight": ("design:\n  weight: w\nsteps:\n  - step: rake\n    margins:\n      - variables: sex\n"
                        "        targets: {m: 10, f: 10}\n", 2, ["negative weights", "row"]),
    "margin_cannot_be_met": ("design:\n  weight: w\nsteps:\n  - step: rake\n    max_iter: 50\n    margins:\n"
                             "      - variables: sex\n        targets: {m: 10, f: 10}\n"
                             "      - variables: region\n        targets: {p: 2, q: 18}\n", 4, ["rak"]),
    "bad_step_field": ("design:\n  weight: w\nsteps:\n  - step: trim\n    upper: lots\n", 5, ["median"]),
}

_NEG = DATA.assign(w=[1.0, -2.0, 1.0, 2.0, 1.0, 1.0])
# sex and region coincide for a subset so the two margins conflict: region p needs 2 but holds all of sex f's.
_CONFLICT = pd.DataFrame({"sex": ["m", "f", "f", "m"], "region": ["q", "p", "p", "q"], "w": [1.0] * 4})


def _data_for(name: str) -> pd.DataFrame:
    return {"negative_weight": _NEG, "margin_cannot_be_met": _CONFLICT}.get(name, DATA)


@pytest.mark.parametrize("name", sorted(CASES))
def test_api_error_names_line(name, write_spec):
    text, line, words = CASES[name]
    spec = write_spec(text)
    with pytest.raises(SurveyError) as exc:
        run_weighting(_data_for(name), spec)
    msg = str(exc.value)
    assert f"{spec}:{line}" in msg, msg
    for w in words:
        assert w in msg, msg


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_exit_1_and_no_output(name, write_spec, tmp_path):
    text, line, _ = CASES[name]
    spec = write_spec(text)
    data = tmp_path / "data.csv"
    _data_for(name).to_csv(data, index=False)
    out = tmp_path / "out" / "weighted.csv"
    _register()
    res = CliRunner().invoke(cli, ["weight", str(data), "--spec", str(spec), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert f"{spec}:{line}" in res.output
    assert not out.exists()
    assert not (tmp_path / "out" / "weighted_weighting_report.json").exists()
