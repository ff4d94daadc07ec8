"""The lines that declare a weighted file's survey design in R, Stata and SPSS, so its users get our numbers.

``surveymod weight`` (and the demo) write them beside a .sav/.dta: ``<stem>_design.R`` (``svydesign`` or
``svrepdesign`` from the exported weights), ``<stem>_design.do`` (``svyset``) and ``<stem>_design.sps`` (a Complex
Samples plan where SPSS can express the design). Replicate designs are declared with the exact variance multipliers
surveymod uses (scale × rscales, mse), so R and Stata reproduce the replicate SEs; Stata gets them through
``jkrweight(…, multiplier())`` with ``vce(jackknife)``, which computes Σ multiplier·(θᵣ−θ)² for any replicate
method. Every name and path is written through the escaping rule of its language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..design.design import Design
from ..design.prepare import default_scale, replicate_columns
from ..questionnaire.names import spss_accepts, stata_accepts
from ..syntax.r import r_comment, r_name, r_string
from ..syntax.spss import spss_comment, spss_string
from ..syntax.stata import stata_comment, stata_string

R_TYPES = {"bootstrap": "bootstrap", "jk1": "JK1", "jkn": "JKn", "brr": "BRR", "fay": "Fay"}


def renamed_design(design: Design, renamed: dict[str, str]) -> Design:
    """*design* with its columns under the names the data file was written with (``st.x`` -> ``st_x`` in a
    .dta), so the declarations name the columns that exist."""
    changes = {f: renamed[getattr(design, f)] for f in Design.COLUMN_FIELDS if getattr(design, f) in renamed}
    return design.model_copy(update=changes) if changes else design


def multipliers(design: Design, reps: Sequence[str]) -> list[float]:
    """The variance multiplier of each replicate: scale × rscale (R svrepdesign's defaults when not given)."""
    assert design.reptype is not None
    scale = design.scale if design.scale is not None else default_scale(design.reptype, len(reps),
                                                                        design.fay_rho or 0.0)
    rscales = design.rscales or [1.0] * len(reps)
    return [scale * float(r) for r in rscales]


def r_script(design: Design, data_file: str, columns: Sequence[str]) -> str:
    """An R script that reads *data_file* with haven and declares its design with survey."""
    reader = "read_sav" if data_file.lower().endswith(".sav") else "read_dta"
    lines = [f"# Survey design of {r_comment(data_file)}, as surveymod used it (run from its folder). Needs the R "
             "packages haven and survey.",
             "# SPSS user-missing and Stata extended missing values are read as NA, as surveymod treats them.",
             "library(haven)", "library(survey)",
             f"d <- as.data.frame({reader}({r_string(data_file)}, user_na = FALSE))"
             if reader == "read_sav" else f"d <- as.data.frame({reader}({r_string(data_file)}))",
             "d[] <- lapply(d, function(x) if (inherits(x, 'haven_labelled')) zap_labels(x) else x)"]
    reps = replicate_columns(design, columns)
    if reps:
        assert design.reptype is not None
        mult = multipliers(design, reps)
        pattern = "^(" + "|".join(re.escape(c) for c in reps) + ")$"
        args = ["data = d", f"weights = ~{r_name(design.weight or '')}" if design.weight else None,
                f"repweights = {r_string(pattern)}", f"type = {r_string(R_TYPES[design.reptype])}",
                "combined.weights = TRUE", "scale = 1", f"rscales = c({', '.join(repr(m) for m in mult)})",
                f"mse = {'TRUE' if design.mse else 'FALSE'}"]
        if design.reptype == "fay":
            args.append(f"rho = {design.fay_rho!r}")
        lines.append("des <- svrepdesign(" + ", ".join(a for a in args if a) + ")")
    else:
        args = [f"ids = ~{r_name(design.psu)}" if design.psu else "ids = ~1"]
        if design.ssu:
            args[0] = f"ids = ~{r_name(design.psu or '1')} + {r_name(design.ssu)}"
        if design.strata:
            args.append(f"strata = ~{r_name(design.strata)}")
        if design.weight:
            args.append(f"weights = ~{r_name(design.weight)}")
        elif design.prob:
            args.append(f"probs = ~{r_name(design.prob)}")
        if design.fpc:
            fpcs = [design.fpc] + ([design.fpc2] if design.fpc2 else [])
            args.append("fpc = ~" + " + ".join(r_name(f) for f in fpcs))
        args += ["data = d", "nest = TRUE"]
        lines.append("des <- svydesign(" + ", ".join(args) + ")")
        if design.lonely_psu and design.lonely_psu != "fail":
            lines.insert(4, f"options(survey.lonely.psu = {r_string(design.lonely_psu)})")
        lines.append("# Taylor SEs here do not credit a post-stratification, raking or calibration done by the "
                     "weighting; for those, use replicate weights (a 'replicates' step) or redo the step in R.")
    lines += ["# e.g. svymean(~variable, des, na.rm = TRUE); svyby(~variable, ~domain, des, svymean, na.rm = TRUE)",
              ""]
    return "\n".join(lines)


def _unnameable(design: Design, language: str, ok: Callable[[str], bool], comment: Callable[[str], str],
                instead: str) -> list[str]:
    """Comment lines saying which design column *language* cannot name (written bare it would be read as other
    syntax), or [] when every name is fine; the script then declares no design rather than a wrong one."""
    bad = [(f, n) for f in Design.COLUMN_FIELDS if (n := getattr(design, f)) and not ok(n)]
    return [f"* The design's {f} column '{comment(n)}' is not a name {language} accepts, so no design is declared "
            f"here; write {instead}, or rename the column." for f, n in bad]


def stata_script(design: Design, data_file: str, columns: Sequence[str]) -> str:
    """A do-file that opens *data_file* and declares its design with svyset (every name a valid Stata name)."""
    lines = [f"* Survey design of {stata_comment(data_file)}, as surveymod used it (run from its folder).",
             (f"import spss using {stata_string(data_file)}, clear  // Stata 16 or later"
              if data_file.lower().endswith(".sav") else f"use {stata_string(data_file)}, clear")]
    refused = _unnameable(design, "Stata", stata_accepts, stata_comment,
                          "a .dta output (which renames it)")
    if refused:
        return "\n".join([*lines, *refused, "exit 198"]) + "\n"
    reps = replicate_columns(design, columns)
    weight = f"[pweight={design.weight}]" if design.weight else ""
    if reps:
        mult = multipliers(design, reps)
        groups: dict[float, list[str]] = {}
        for c, m in zip(reps, mult, strict=True):
            groups.setdefault(m, []).append(c)
        jk = " ".join(f"jkrweight({' '.join(cols)}, multiplier({m!r}))" for m, cols in groups.items())
        lines.append("* Replicate weights with surveymod's variance multipliers (scale x rscales): Stata's jackknife "
                     "variance is the sum of multiplier x (replicate - full-sample estimate)^2.")
        lines.append(f"svyset {weight}, {jk} vce(jackknife){' mse' if design.mse else ''}")
    else:
        psu = design.psu or "_n"
        opts = []
        if design.strata:
            opts.append(f"strata({design.strata})")
        if design.fpc:
            opts.append(f"fpc({design.fpc})")
        if design.lonely_psu in ("certainty", "adjust"):
            opts.append(f"singleunit({'certainty' if design.lonely_psu == 'certainty' else 'centered'})")
        stage2 = f" || {design.ssu}" + (f", fpc({design.fpc2})" if design.fpc2 else "") if design.ssu else ""
        if not design.weight and design.prob:
            lines.append(f"generate double _surveymod_w = 1 / {design.prob}")
            weight = "[pweight=_surveymod_w]"
        lines.append(f"svyset {psu} {weight}{',' if opts else ''} {' '.join(opts)}{stage2}".rstrip())
        lines.append("* Taylor SEs here do not credit a post-stratification, raking or calibration done by the "
                     "weighting; for those, use replicate weights.")
    lines.append("* e.g. svy: mean variable   or   svy: mean variable, over(domain)")
    return "\n".join(lines) + "\n"


def spss_script(design: Design, data_file: str, columns: Sequence[str]) -> str:
    """SPSS syntax: a Complex Samples analysis plan for Taylor designs; for replicate designs, what SPSS lacks."""
    get = "GET STATA FILE" if data_file.lower().endswith(".dta") else "GET FILE"
    lines = [f"* Survey design of {spss_comment(data_file)}, as surveymod used it (run from its folder).",
             f"{get}={spss_string(data_file)}."]
    refused = _unnameable(design, "SPSS", spss_accepts,
                          lambda n: spss_comment(n).replace(".", "_"), "a .dta output (whose names SPSS reads)")
    if refused:
        return "\n".join([*lines, *(r.rstrip(".") + "." for r in refused)]) + "\n"
    if replicate_columns(design, columns):
        lines += ["* SPSS Complex Samples has no replicate weights: WEIGHT BY gives the point estimates only;",
                  "* for standard errors use the R script or the Stata do-file written beside this file."]
        if design.weight:
            lines.append(f"WEIGHT BY {design.weight}.")
        return "\n".join(lines) + "\n"
    if not design.weight:
        lines.append("* Equal weights: no weight variable; Complex Samples needs one, so SEs come from the R script "
                     "or the Stata do-file written beside this file.")
        return "\n".join(lines) + "\n"
    plan = re.sub(r"\.(sav|dta)$", "", data_file, flags=re.IGNORECASE) + ".csaplan"
    lines += ["CSPLAN ANALYSIS", f"  /PLAN FILE={spss_string(plan)}",
              f"  /PLANVARS ANALYSISWEIGHT={design.weight}"]
    parts = []
    if design.strata:
        parts.append(f"STRATA={design.strata}")
    if design.psu:
        parts.append(f"CLUSTER={design.psu}")
    if parts:
        lines.append("  /DESIGN " + " ".join(parts))
    lines.append("  /ESTIMATOR TYPE=WR.")
    lines.append("* Taylor SEs (with replacement) do not credit a post-stratification, raking or calibration.")
    return "\n".join(lines) + "\n"


def declarations(design: Design, data_file: str, columns: Sequence[str], *, sav: str | None = None,
                 dta: str | None = None) -> dict[str, str]:
    """The three declarations, keyed by file suffix ('R', 'do', 'sps').

    Each reads *data_file*, or, when both exports exist, R and Stata read the .dta (*dta*) and SPSS the .sav (*sav*).
    """
    r_file = dta or sav or data_file
    return {"R": r_script(design, r_file, columns), "do": stata_script(design, dta or data_file, columns),
            "sps": spss_script(design, sav or data_file, columns)}
