"""Missing codes are missing everywhere (issue 12): on data simulated from every shipped instrument, means and
proportions from the CLI — with -q on the CSV, and from the exported .sav and .dta without it — equal a
computation on the valid codes alone. The missing codes of the expected values are read straight from the
questionnaire YAML (yaml.safe_load), not through surveymod's metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from surveymod.cli.main import _register, cli

ROOT = Path(__file__).resolve().parents[2]
CASES = {  # instrument -> a variable with declared missing codes (or none: the training test has no such item)
    "perception_baseline": "imbgeco",
    "perception_endline": "imbgeco",
    "perception_policymakers_baseline": "imbgeco",
    "perception_policymakers_endline": "imsmetn",
    "lfs_migration": "REMFREQ",
    "training_prepost": None,
}


def run(*args: str) -> str:
    _register()
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def _find(items: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    for it in items:
        if it.get("name") == name:
            return it
        found = _find(it.get("items", []), name)
        if found:
            return found
    return None


def yaml_missing_codes(path: Path, var: str) -> set[float]:
    """The codes flagged `missing:` in the variable's choice list, from the raw YAML."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    q = None
    for sec in doc["sections"]:
        q = q or _find(sec.get("items", []), var)
    assert q is not None, var
    choices = q.get("choices")
    entries = doc["choices"][choices] if isinstance(choices, str) else choices
    if isinstance(entries, dict):
        entries = entries.get("choices", [])
    return {float(c["code"]) for c in entries or [] if c.get("missing")}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("missing")
    effects = d / "effects.yaml"
    effects.write_text("nonsubstantive: 0.25\n", encoding="utf-8")
    out = {}
    for name in CASES:
        target = d / f"{name}.csv"
        run("simulate", str(ROOT / "questionnaires" / f"{name}.yaml"), "-n", "600", "--seed", "11", "--effects",
            str(effects), "-o", str(target))
        out[name] = target
    return out


def _estimate(data: Path, var: str, *extra: str) -> pd.DataFrame:
    out = data.with_name(f"{data.stem}_{var}_est.csv")
    run("estimate", str(data), "--mean", var, "--prop", var, *extra, "-o", str(out))
    return pd.read_csv(out)


@pytest.mark.parametrize("name", list(CASES))
def test_means_and_shares_use_valid_codes_only(simulated: dict[str, Path], name: str) -> None:
    qpath = ROOT / "questionnaires" / f"{name}.yaml"
    data = simulated[name]
    raw = pd.read_csv(data)
    var = CASES[name] or next(c for c in raw.columns if pd.api.types.is_numeric_dtype(raw[c])
                              and raw[c].notna().sum() > 50 and raw[c].nunique() > 2)
    codes = yaml_missing_codes(qpath, var) if CASES[name] else set()
    values = pd.to_numeric(raw[var], errors="coerce")
    if codes:
        assert values.isin(codes).sum() > 0, "the simulation planted no missing codes"
    valid = values[values.notna() & ~values.isin(codes)]
    want_mean = valid.mean()
    want_shares = valid.value_counts(normalize=True)

    paths = {"csv -q": (data, ["-q", str(qpath)])}
    for ext in ("sav", "dta"):
        exported = data.with_name(f"{data.stem}_export.{ext}")
        run("export", str(data), "-q", str(qpath), "--to", ext, "-o", str(exported))
        paths[f"{ext} alone"] = (exported, [])
    for how, (path, extra) in paths.items():
        got = _estimate(path, var, *extra)
        mean = got[(got["variable"] == var) & (got["level"] == "mean")]["estimate"].iloc[0]
        assert mean == pytest.approx(want_mean, rel=1e-12), how
        shares = got[got["level"] != "mean"].set_index("level")["estimate"]
        assert {float(k) for k in shares.index} == {float(k) for k in want_shares.index}, how
        for k, v in shares.items():
            assert v == pytest.approx(want_shares[float(k)], rel=1e-12), (how, k)
        if codes:
            labelled = got[got["level"] != "mean"]["level_label"].dropna()
            assert len(labelled) == len(shares), f"{how}: every category has its label"


def test_plain_csv_counts_codes_and_warns(simulated: dict[str, Path]) -> None:
    data = simulated["perception_baseline"]
    _register()
    r = CliRunner().invoke(cli, ["estimate", str(data), "--mean", "imbgeco", "-o", str(data.with_name("p.csv"))])
    assert r.exit_code == 0, r.output
    assert "look like missing-value codes" in r.output and "--missing 77,88" in r.output
    naive = pd.read_csv(data.with_name("p.csv"))["estimate"].iloc[0]
    by_hand = run("estimate", str(data), "--mean", "imbgeco", "--missing", "77,88,99", "-o",
                  str(data.with_name("m.csv")))
    assert "wrote" in by_hand
    declared = pd.read_csv(data.with_name("m.csv"))["estimate"].iloc[0]
    raw = pd.to_numeric(pd.read_csv(data)["imbgeco"], errors="coerce")
    assert naive == pytest.approx(raw.mean(), rel=1e-12)
    assert declared == pytest.approx(raw[raw <= 10].mean(), rel=1e-12)
    assert np.isfinite(naive) and naive > declared
