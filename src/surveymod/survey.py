"""A survey as one object: the data with its metadata, the design, and what weighting added.

As R ``survey``'s ``svydesign``/``svrepdesign`` (and balance's ``Sample``), a :class:`Survey` holds the data
(:class:`~surveymod.data.Dataset`: one frame per level, labels, missing codes), the design declaration
(:class:`~surveymod.estimation.Design`: weight, strata, PSUs, FPC or replicate weights) and, after
:func:`weight`, the calibration records and the weighting diagnostics. The functions here are the library's
front door; each is a thin call to the module that does the work::

    import surveymod as sm
    s = sm.read("baseline.csv", "questionnaires/perception_baseline.yaml")
    w = sm.weight(s, "weights/perception_general_public.yaml")
    sm.estimate(w, prop=["devimpact"], by=["region"])
    w.write("baseline_weighted.sav")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .data.levels import TOP_LEVEL, roster_files
from .design import Design
from .errors import SurveyError

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from .data import Dataset
    from .data.exporter import ExportResult
    from .data.meta import Metadata
    from .data.reader import Progress
    from .estimation.calibration import Record
    from .indicators.results import IndicatorRow
    from .questionnaire.model import Questionnaire
    from .weighting.diagnostics import Diagnostics
    from .weighting.spec import LoadedSpec


@dataclass(frozen=True)
class Survey:
    """Survey data, its metadata and its design; made by :func:`read` or :meth:`of`, weighted by :func:`weight`.

    ``calibration`` (one record per post-stratification, raking or calibration step of the weighting, row-aligned
    with the top level) lets Taylor standard errors credit the calibration as R does; ``weighting`` holds the
    weighting's diagnostics. Both are empty for a survey that was not weighted here.
    """

    dataset: Dataset
    design: Design = field(default_factory=Design)
    calibration: tuple[Record, ...] = ()
    weighting: Diagnostics | None = None

    @classmethod
    def of(cls, data: pd.DataFrame | Dataset, design: Design | None = None, **columns: Any) -> Survey:
        """A survey of data already in memory (a plain frame has no labels or missing codes), with *design* or
        the design's fields given as keywords (``weight="w", strata="region"``)."""
        import pandas as pd

        from .data import Dataset

        ds = Dataset(frames={TOP_LEVEL: data}) if isinstance(data, pd.DataFrame) else data
        return cls(ds, _design(design, columns))

    @property
    def data(self) -> pd.DataFrame:
        """The top-level frame (respondents or households), with the weights."""
        return self.dataset.main

    @property
    def meta(self) -> Metadata:
        """Variable labels, value labels and missing codes."""
        return self.dataset.meta

    @property
    def questionnaire(self) -> Questionnaire | None:
        """The questionnaire the data was read with, if any."""
        return self.dataset.questionnaire

    def level(self, name: str | None = None) -> pd.DataFrame:
        """The frame of data level *name* ('main' by default, or a roster level such as 'person')."""
        return self.dataset.level(name)

    def with_design(self, design: Design | None = None, **columns: Any) -> Survey:
        """The same data under another design: *design*, or this design with the fields given as keywords
        (``with_design(mse=False)``). The calibration records stay only while the weight they were made for
        does."""
        new = _design(design, columns, self.design if design is None else None)
        keep = new.weight == self.design.weight
        return replace(self, design=new, calibration=self.calibration if keep else (),
                       weighting=self.weighting if keep else None)

    def write(self, path: str | Path, *, lang: str | None = None) -> ExportResult:
        """Write the data to *path* (.sav, .dta, .csv, .xlsx or .parquet, from its suffix) atomically, with its
        labels and missing codes where the format holds them; a .sav/.dta of a weighted survey comes with
        ``<stem>_design.R/.do/.sps`` declaring its design. Returns the files written, the warnings (labels
        shortened, names changed for Stata) and the renamed columns; an input is never overwritten."""
        return _write(self, Path(path), lang)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {len(v)}×{v.shape[1]}" for k, v in self.dataset.frames.items())
        given = {k: v for k, v in self.design.model_dump(exclude_defaults=True).items() if k != "rscales"}
        if len(given.get("repweights", "")) > 40:
            given["repweights"] = given["repweights"][:37] + "..."
        weighted = f", weighted ({len(self.calibration)} calibration step(s))" if self.weighting else ""
        return f"Survey({shapes}; design {given or 'equal weights, one stage'}{weighted})"


def _design(design: Design | None, columns: dict[str, Any], base: Design | None = None) -> Design:
    """*design*, or *base* (default: none) updated with the fields in *columns*; not both."""
    if design is not None and columns:
        raise TypeError("give the design either as a Design or as keywords, not both")
    if design is not None:
        return design
    return Design(**{**(base.model_dump(exclude_defaults=True) if base else {}), **columns})


def read(path: str | Path, questionnaire: Questionnaire | str | Path | None = None, *, design: Design | None = None,
         missing: Sequence[float] = (), keep: Callable[[str], bool] | None = None, rosters: bool = False,
         encoding: str | None = None, sheet: str | None = None, lang: str | None = None,
         progress: Progress | None = None, narrow: bool = False) -> Survey:
    """Read a data file, folder or .zip into a :class:`Survey` (the one reader, :func:`surveymod.data.read`).

    With a *questionnaire* (YAML or XLSForm path, or a loaded one) columns are named, typed and labelled by it and
    roster files are found by its roster names; *missing* declares codes missing in every numeric column (a plain
    CSV). With *rosters*, a folder's top level is its file with the shortest name, and without a questionnaire
    the files beside the top-level one named ``<stem>_<level>`` (``data.levels.roster_files``) are read as
    levels too. *keep* reads only the columns it accepts; *narrow* holds whole-number columns as float32 (half the
    memory, the same values; see :func:`surveymod.data.read`). Problems that would change a number (a truncated
    file, values that cannot be read) are errors; warnings stay in ``survey.dataset.problems``.
    """
    from .data import read as read_data

    options: dict[str, Any] = {"encoding": encoding, "sheet": sheet, "lang": lang, "keep": keep, "progress": progress,
                               "narrow": narrow}
    if rosters:
        path = _top_file(Path(path))
    if rosters and questionnaire is None:
        ds = _read_levels(path, options)
    else:
        ds = read_data(path, questionnaire, **options)
    errors = [p for p in ds.problems if p.severity == "error"]
    if errors:
        raise SurveyError(errors)
    if missing:
        ds = ds.declare_missing([float(c) for c in missing])
    return Survey(ds, design or Design())


def _top_file(path: Path) -> Path:
    """A folder's top-level data file (the shortest name); a file as it is."""
    if not path.is_dir():
        return path
    from .data.writer import SUFFIXES

    files = sorted((p for p in path.iterdir() if p.suffix.lower() in SUFFIXES), key=lambda p: len(p.stem))
    if not files:
        raise SurveyError(f"no data files ({', '.join(SUFFIXES)}) in {path}", rule="no-data")
    return files[0]


def _read_levels(path: Path, options: dict[str, Any]) -> Dataset:
    """The top-level file and each roster file beside it, each read alone, as one Dataset (labels and missing
    codes from the top-level file)."""
    from .data import Dataset
    from .data import read as read_data

    parts = {TOP_LEVEL: read_data(path, **options)}
    for level, file in roster_files(path):
        parts.setdefault(level, read_data(file, **options))
    top = parts[TOP_LEVEL]
    return Dataset(frames={lv: d.main for lv, d in parts.items()}, meta=top.meta,
                   sources={lv: d.sources.get(TOP_LEVEL, "") for lv, d in parts.items()},
                   problems=[p for d in parts.values() for p in d.problems],
                   inputs=[f for d in parts.values() for f in d.inputs])


def weight(survey: Survey, spec: LoadedSpec | str | Path,
           progress: Callable[[str], None] | None = None) -> Survey:
    """Run a weighting spec (``surveymod.weighting``) on the survey: the result carries the final weight and any
    replicate weights as columns, the design that names them, the calibration records and the diagnostics."""
    from .weighting import run_weighting

    res = run_weighting(survey.dataset, spec, progress=progress)
    return Survey(res.data, res.design, tuple(res.calibration), res.diagnostics)


def estimate(survey: Survey, **options: Any) -> pd.DataFrame:
    """Design-based estimates of the survey (``mean=[...]``, ``prop=[...]``, ``total``, ``ratio``, ``quantile``,
    ``by=[...]`` and the other options of :func:`surveymod.estimation.estimate`), one row each with SE, CI, df,
    deff, CV, n and a reliability flag; Taylor SEs credit the survey's calibration."""
    from .estimation import estimate as run

    return run(survey.dataset, survey.design, calibration=survey.calibration, **options)


def change(baseline: Survey, endline: Survey, **options: Any) -> pd.DataFrame:
    """Baseline -> endline change (``prop=[...]``, ``mean=[...]``, ``by``, ``panel_id`` and the other options of
    :func:`surveymod.estimation.change`), each wave under its own design and calibration."""
    from .estimation import change as run

    return run(baseline.dataset, baseline.design, endline.dataset, endline.design,
               base_calibration=baseline.calibration, end_calibration=endline.calibration, **options)


def tabulate(survey: Survey, plan: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of a tabulation plan (YAML, e.g. the LFS migration tables) on the survey's levels: table id ->
    cells with estimate, SE, CI, CV, n and flag. The plan names its own design weight."""
    from .tables import load_plan, run_plan

    loaded, positions = load_plan(plan)
    return run_plan(loaded, survey.dataset, file=str(plan), positions=positions)


def compute_indicators(spec: str | Path, *, as_of: str | None = None, out: str | Path | None = None) -> list[IndicatorRow]:
    """A programme's indicators (survey, training and monitoring) as of a reporting year (default: the last), one
    row each with its breakdowns; with *out*, the results framework and report are also written to that folder."""
    if out is not None:
        from .atomic import output_folder
        from .indicators.report import write_indicator_report

        output_folder(str(out), False)
        return write_indicator_report(spec, out, as_of).rows
    from .indicators.compute import compute
    from .indicators.programme import load_programme

    return compute(load_programme(spec), as_of)[0]


def _write(survey: Survey, path: Path, lang: str | None) -> ExportResult:
    """The one place the API calls the data writers: the labelled exporter for a survey with a questionnaire
    going to .sav/.dta, the top level with its metadata otherwise (both through ``data.writer.write``); then the
    design declarations of a weighted .sav/.dta."""
    from .atomic import refuse_overwriting_inputs
    ds, ext = survey.dataset, path.suffix.lower()
    refuse_overwriting_inputs(path, ds.inputs)
    added: dict[str, str] = {}
    if survey.weighting is not None:
        from .design.prepare import replicate_columns
        from .weighting.output import weight_labels

        columns = [str(c) for c in ds.main.columns]
        spec = Path(survey.weighting.spec).name if survey.weighting.spec else "spec"
        added = weight_labels([survey.weighting.output, *replicate_columns(survey.design, columns)],
                              survey.weighting.output, spec)
    from .data.writer import write

    labelled = ds.questionnaire is not None and ext in (".sav", ".dta")  # every level, from the questionnaire
    result = write(ds, None, path, lang=lang, added=added) if labelled else \
        write(ds.main, ds.meta, path, lang=lang, added=added)
    if ext in (".sav", ".dta") and survey.weighting is not None:
        from .atomic import write_text
        from .weighting.declare import declarations, renamed_design

        design = renamed_design(survey.design, result.renamed)  # the names the file was written with
        columns = [result.renamed.get(str(c), str(c)) for c in ds.main.columns]
        for suffix, text in declarations(design, path.name, columns).items():
            target = path.with_name(f"{path.stem}_design.{suffix}")
            refuse_overwriting_inputs(target, ds.inputs)
            result.files.append(write_text(target, text))
    return result
