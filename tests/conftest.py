"""Settings for the whole suite."""

from __future__ import annotations

import pytest

from surveymod import parallel


@pytest.fixture(autouse=True, scope="session")
def _threads_at_any_size() -> None:
    """Work that large data does on several threads does so on the suite's small data too, so every test of the
    checker runs the threaded path users get (tests/data_io/test_check_threads.py compares it with one thread)."""
    parallel.THREAD_ROWS = 0
