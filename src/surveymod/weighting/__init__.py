"""Weighting: a YAML spec of design and steps (nonresponse, post-stratification, raking, calibration, trimming,
replicate weights), run with checks and diagnostics.

Public API: ``load_weighting_spec(path)`` and ``run_weighting(data, spec) -> WeightingResult`` (its ``data``: the
data with the final and replicate weights; its ``design``, ``calibration`` and ``diagnostics``).
"""

from .pipeline import WeightingResult, run_weighting
from .spec import LoadedSpec, load_weighting_spec, parse_spec

__all__ = ["LoadedSpec", "WeightingResult", "load_weighting_spec", "parse_spec", "run_weighting"]
