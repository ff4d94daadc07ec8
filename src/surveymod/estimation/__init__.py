"""Design-based estimation: estimates with honest uncertainty, domains and change between waves."""

from .design import Design
from .estimate import COLUMNS, Estimates, estimate
from .flags import FlagRules

__all__ = ["COLUMNS", "Design", "Estimates", "FlagRules", "estimate"]
