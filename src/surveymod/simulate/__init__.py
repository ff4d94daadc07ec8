"""Synthetic survey data from a questionnaire (routing, constraints, rosters, a design, known effects) and
sample-size planning.

Typical use::

    from surveymod.questionnaire import load
    from surveymod.simulate import simulate, load_sample_design, load_effects

    sim = simulate(load("q.yaml"), n=2000, seed=1, design=load_sample_design("d.yaml"), effects=load_effects("e.yaml"))
    sim.main          # respondent-level frame; sim.frames["members"] a roster; sim.truth the known effects
"""

from __future__ import annotations

from .design import SampleDesign, design_from_dict, load_sample_design
from .effects import Effects, effects_from_dict, load_effects
from .run import Simulated, simulate

__all__ = ["SampleDesign", "Effects", "Simulated", "design_from_dict", "effects_from_dict", "load_sample_design", "load_effects",
           "simulate"]
