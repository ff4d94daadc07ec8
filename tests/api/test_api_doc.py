"""docs/api.md runs: every ```python block, in order, in one namespace, in an empty folder (so the page's example
cannot fall behind the code)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def python_blocks(text: str) -> list[str]:
    """The code of the page's ```python fences, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_api_page_has_its_walk_through() -> None:
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    code = "\n".join(blocks)
    assert len(blocks) >= 7
    for call in ("sm.read(", "sm.weight(", "sm.estimate(", "sm.change(", "sm.tabulate(", ".write("):
        assert call in code, call


def test_every_python_block_of_the_api_page_runs(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__api_doc__"}
    for i, block in enumerate(python_blocks(DOC.read_text(encoding="utf-8"))):
        exec(compile(block, f"docs/api.md block {i + 1}", "exec"), namespace)  # noqa: S102 - our own page
    printed = capsys.readouterr().out
    assert "final_weight bootstrap" in printed
    assert "1,525,366 people" in printed  # the Census 2021 15+ population the margins add to (weights/README.md)
    assert (tmp_path / "baseline_weighted.sav").exists() and (tmp_path / "baseline_weighted_design.R").exists()
