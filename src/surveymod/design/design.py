"""The survey design as plain data: which columns hold strata, PSUs, weights, FPC and replicate weights.

Like R ``svydesign``/``svrepdesign`` this only names columns and conventions; the engine turns it into a computation.
It is shared by weighting (the ``design:`` section of a weighting spec) and estimation (``--design``, ``--strata`` ...).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat

PPS = Literal["brewer", "overton"]
RepType = Literal["brr", "fay", "jk1", "jkn", "bootstrap"]
LonelyPSU = Literal["fail", "remove", "certainty", "adjust", "average"]


class Design(BaseModel):
    """Column names and conventions of a (possibly replicate-weight) survey design."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    COLUMN_FIELDS: ClassVar[tuple[str, ...]] = ("weight", "prob", "strata", "psu", "ssu", "fpc", "fpc2")
    """The fields that name one data column each (the replicate weights are a pattern: ``repweights``)."""

    weight: str | None = Field(None, description="Column with the (final) sampling weight; None = equal weights.")
    strata: str | None = Field(None, description="Column with stratum ids.")
    psu: str | None = Field(None, description="Column with primary sampling unit ids (taken as nested in strata).")
    ssu: str | None = Field(None, description="Column with secondary sampling unit ids (two-stage designs).")
    fpc: str | None = Field(
        None, description="Column with the first-stage population size (N_h, or a sampling fraction <= 1).")
    fpc2: str | None = Field(None, description="Column with the second-stage population size.")
    prob: str | None = Field(None, description="Column with selection probabilities (weight = 1/prob).")
    repweights: str | None = Field(None, description="Regular expression matching the replicate-weight columns.")
    reptype: RepType | None = Field(None, description="Replicate method of the replicate-weight columns.")
    fay_rho: float | None = Field(None, ge=0, lt=1, description="Fay coefficient (reptype 'fay').")
    scale: FiniteFloat | None = Field(None, gt=0, description="Overall replicate variance scale (R svrepdesign "
                                                              "'scale').")
    rscales: list[FiniteFloat] | None = Field(None, description="Per-replicate scales (R 'rscales'); finite numbers, "
                                                                "as R's script and Stata's multiplier() need.")
    mse: bool = Field(True, description="Replicate variance around the full-sample estimate (R mse=TRUE).")
    lonely_psu: LonelyPSU = Field("fail", description="Policy for strata with a single PSU, named as in R survey.")
    pps: Literal["brewer", "overton"] | None = Field(
        None, description="Without-replacement PPS first stage (R svydesign pps=): 'brewer' (Brewer's "
                          "approximation) or 'overton' (Overton's joint probabilities); fpc then holds each PSU's "
                          "inclusion probability.")

    def data_columns(self) -> list[str]:
        """The data columns this design names (weight, probability, strata, PSU, SSU, FPCs), in that order."""
        return [c for c in (getattr(self, f) for f in self.COLUMN_FIELDS) if c]
