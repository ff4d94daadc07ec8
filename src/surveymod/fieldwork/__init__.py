"""Fieldwork monitoring (``surveymod monitor``): progress against the sample, AAPOR outcome rates, interviewer
quality and interviewer effects, respondent selection, duplicates and gaps, back-checks, in one HTML report.

Each module computes one part from the data and a :class:`~surveymod.fieldwork.config.MonitorConfig`;
``monitor.run_monitor`` puts them together and ``report`` writes the HTML page and the CSV tables.
"""

from __future__ import annotations

from .config import MonitorConfig, load_config
from .monitor import Monitoring, run_monitor

__all__ = ["MonitorConfig", "Monitoring", "load_config", "run_monitor"]
