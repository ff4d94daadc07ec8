"""Replicate weights made a batch of columns at a time, and written a block of rows at a time.

At 10,000,000 rows 100 replicate weights are 8 GB, so ``surveymod weight`` makes them a few columns at a time and a
.csv/.parquet output is written from a temporary file in blocks of rows. These tests shrink the batch, spill and
block sizes so that 183 rows take every path, and check that the result is exactly the one made at once: the same
bytes of CSV as pandas writes for the whole frame, the same Parquet frame, the same replicate weights for any batch
size, and a main weight that does not depend on the replicates made with it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from r_replicate_common import SCHWIDE, STYPE

from surveymod.cli.main import _register, cli
from surveymod.data import writer
from surveymod.data.reader import read
from surveymod.design import replicate_weights
from surveymod.weighting import run_weighting

API = Path(__file__).resolve().parents[1] / "data" / "api" / "apiclus1.csv"
DESIGN = "design:\n  weight: pw\n  psu: dnum\nsteps:\n"
BOOT = "  - step: replicates\n    method: bootstrap\n    n: 30\n    seed: 1\n"  # a seed whose replicates can all be trimmed
RAKE = "  - step: rake\n    tolerance: 1.0e-10\n    margins:\n" + STYPE + SCHWIDE
STEPS = RAKE + "  - step: trim\n    upper: 4 median\n    lower: 0.3 median\n    strict: true\n"


@pytest.fixture
def small_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 4 replicate columns, always spilled to a file, blocks of 50 rows: every path on 183 rows."""
    monkeypatch.setattr(replicate_weights, "BATCH_BYTES", 183 * 8 * 4)
    monkeypatch.setattr(replicate_weights, "SPILL_BYTES", 0)
    monkeypatch.setattr(writer, "BLOCK_BYTES", 8 * 31 * 50)


def _spec(tmp_path: Path, steps: str) -> Path:
    p = tmp_path / "spec.yaml"
    p.write_text(DESIGN + steps, encoding="utf-8")
    return p


def test_any_batch_size_gives_the_same_replicates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Made a few columns at a time on every core and read back from the temporary file, the replicates are
    those made all at once, whatever the batch size."""
    spec = _spec(tmp_path, BOOT + STEPS)
    at_once = run_weighting(read(API).main, spec).replicate_weights
    assert at_once is not None
    whole = at_once.matrix().copy()
    monkeypatch.setattr(replicate_weights, "SPILL_BYTES", 0)  # always through the temporary file
    for columns in (1, 4, 7, 30):
        monkeypatch.setattr(replicate_weights, "BATCH_BYTES", 183 * 8 * columns)
        rep = run_weighting(read(API).main, spec, stream_to=tmp_path).replicate_weights
        assert rep is not None
        with rep.by_rows(tmp_path) as rows:
            got = rows(0, 183).T
        np.testing.assert_array_equal(got, whole, err_msg=f"{columns} columns a batch")
    # every replicate meets the raking margins before trimming moves them: check on the rake alone
    raked = run_weighting(read(API).main, _spec(tmp_path, BOOT + RAKE)).data.main
    reps = [f"repw{k}" for k in range(1, 31)]
    np.testing.assert_allclose(raked.groupby("stype")[reps].sum().loc["H"], 755, rtol=1e-9)


def test_main_weight_does_not_depend_on_the_replicates(tmp_path: Path) -> None:
    """Each column is raked until its own margins are met, so adding replicates leaves the main weight as it is."""
    plain = run_weighting(read(API).main, _spec(tmp_path, STEPS)).data.main["final_weight"]
    with_reps = run_weighting(read(API).main, _spec(tmp_path, BOOT + STEPS)).data.main["final_weight"]
    np.testing.assert_array_equal(plain.to_numpy(), with_reps.to_numpy())


def _weigh(data: Path, spec: Path, out: Path) -> tuple[int, str]:
    _register()
    res = CliRunner().invoke(cli, ["weight", str(data), "--spec", str(spec), "-o", str(out)])
    return res.exit_code, res.output


@pytest.mark.usefixtures("small_sizes")
@pytest.mark.parametrize("ext", [".csv", ".parquet"])
def test_streamed_output_is_the_frame_made_at_once(tmp_path: Path, ext: str) -> None:
    shutil.copy(API, tmp_path / "apiclus1.csv")
    spec = _spec(tmp_path, BOOT + STEPS)
    code, said = _weigh(tmp_path / "apiclus1.csv", spec, tmp_path / "out" / f"weighted{ext}")
    assert code == 0, said
    expected = run_weighting(read(API).main, spec).data.main
    assert expected.shape == (183, 39 + 31)  # apiclus1 has 39 columns
    if ext == ".csv":  # the same text as pandas writes for the whole frame
        assert (tmp_path / "out" / "weighted.csv").read_text(encoding="utf-8") == expected.to_csv(index=False)
    else:
        import pyarrow.parquet as pq

        got = pd.read_parquet(tmp_path / "out" / "weighted.parquet")
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert pq.ParquetFile(tmp_path / "out" / "weighted.parquet").num_row_groups == 4  # blocks of 50 rows
    # nothing else is left in the output folder: the spilled replicates went with the run
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"weighted{ext}", "weighted_weighting_report.html", "weighted_weighting_report.json"])


@pytest.mark.usefixtures("small_sizes")
def test_a_replicate_that_fails_while_streaming_writes_nothing(tmp_path: Path) -> None:
    """Post-stratifying on a cell found in one district only: the jackknife replicate without that district has
    no weight in the cell. The main weight passes, the replicate fails while it is written: exit 1, the error
    names the replicate and the spec line, and no file is left."""
    df = read(API).main
    df["tiny"] = np.where(df["dnum"] == df["dnum"].iloc[0], "a", "b")
    df.to_csv(tmp_path / "data.csv", index=False)
    spec = _spec(tmp_path, "  - step: replicates\n    method: jk1\n  - step: poststratify\n    margin:\n"
                           "      variables: tiny\n      targets: {a: 100, b: 6094}\n")
    (tmp_path / "out").mkdir()
    code, said = _weigh(tmp_path / "data.csv", spec, tmp_path / "out" / "weighted.parquet")
    assert code == 1, said
    assert "has no weight in replicate" in said and "spec.yaml" in said and "Traceback" not in said
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.usefixtures("small_sizes")
def test_a_full_disk_is_refused_before_starting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Streamed replicates go through a temporary file: too little free disk in the output's folder is said
    before any step runs, with what is needed."""
    import shutil as sh
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(sh, "disk_usage", lambda _p: usage(10**9, 10**9 - 1000, 1000))
    shutil.copy(API, tmp_path / "apiclus1.csv")
    code, said = _weigh(tmp_path / "apiclus1.csv", _spec(tmp_path, BOOT + STEPS), tmp_path / "weighted.parquet")
    assert code == 1 and "of disk in" in said and "spec.yaml:5" in said, said
    assert not (tmp_path / "weighted.parquet").exists()
