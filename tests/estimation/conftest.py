"""Fixtures for the estimation tests live in est_helpers (a uniquely named module, so that test files can import
its helpers whatever other conftest.py pytest loaded first)."""

from est_helpers import *  # noqa: F403
