"""Paths and names of the shipped instruments (imported by the tests of this folder)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QDIR = ROOT / "questionnaires"
IDIR = QDIR / "indicators"
REFDIR = ROOT / "tests" / "data" / "reference_tables"
PERCEPTION = ["perception_baseline", "perception_endline",
              "perception_policymakers_baseline", "perception_policymakers_endline"]
SHIPPED = ["lfs_migration", *PERCEPTION, "training_prepost"]
