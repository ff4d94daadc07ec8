"""Independent pieces of work side by side on the machine's cores, the results in the pieces' order.

For work that numpy and Arrow do outside the interpreter lock (a column's checks, say): threads, not processes,
so nothing is copied. Small inputs stay on one thread, where starting threads would cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

THREAD_ROWS = 100_000
"""Below this many rows the pieces run one after another (module global: tests set it to 0)."""
MAX_THREADS = 4


def in_parallel(fn: Callable[[T], R], items: Iterable[T], *, rows: int) -> list[R]:
    """``[fn(x) for x in items]``, on up to as many threads as the machine has cores when *rows* is large."""
    todo = list(items)
    workers = min(os.cpu_count() or 1, MAX_THREADS, len(todo))
    if workers < 2 or rows < THREAD_ROWS:
        return [fn(x) for x in todo]
    with ThreadPoolExecutor(workers, thread_name_prefix="surveymod") as pool:
        return list(pool.map(fn, todo))
