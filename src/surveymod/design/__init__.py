"""The survey design core under weighting and estimation: the design's columns (``Design``), their checks and
canonical form (``prepare``), Taylor linearisation, calibration records, replicate factors and replicate weights."""

from .design import Design

__all__ = ["Design"]
