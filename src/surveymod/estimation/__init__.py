"""Design-based estimation: estimates with honest uncertainty, domains and change between waves."""

from ..design import Design
from .change import CHANGE_COLUMNS, change
from .estimate import COLUMNS, Estimates, estimate
from .flags import FlagRules

__all__ = ["CHANGE_COLUMNS", "COLUMNS", "change", "Design", "Estimates", "FlagRules", "estimate"]
