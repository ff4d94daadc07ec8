"""The svy adapter: the only package that imports svy (and polars for svy's sake)."""

from .estimate import build_sample, run
from .frames import to_pandas, to_polars

__all__ = ["build_sample", "run", "to_pandas", "to_polars"]
