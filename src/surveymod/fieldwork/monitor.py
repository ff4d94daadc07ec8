"""Run every monitoring check on one dataset and collect the tables, flags and notes the report shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.reader import Dataset
from ..errors import Location, Problem, SurveyError
from . import aapor, backcheck, duplicates, progress, quality, selection
from .config import AAPOR_CODE, Fields, MonitorConfig, resolve_fields
from .keys import code_text

Echo = Callable[[str], None]


@dataclass
class Monitoring:
    """Everything the report shows: tables by name, flags (one row per interviewer/PSU/item and check), notes on
    what could not be checked, the columns used, and headline numbers."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    flags: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    fields: Fields = field(default_factory=Fields)
    summary: dict[str, object] = field(default_factory=dict)
    config: MonitorConfig = field(default_factory=MonitorConfig)


def _check_columns(cfg: MonitorConfig, columns: list[str], file: str) -> None:
    """Columns named in the thresholds file must be in the data."""
    c = cfg.columns
    named = [v for v in (c.interviewer, c.date, c.start, c.end, c.duration, c.psu, c.region, c.disposition,
                         c.consent, c.sex, c.age, c.n_elig, c.sel_method, c.kish_line) if v]
    named += [*(c.start_hm or []), *(c.end_hm or []), *(c.household or []), *(cfg.key_items or []),
              *(i for g in cfg.grids or [] for i in g.items)]
    gone = [n for n in dict.fromkeys(named) if n not in columns]
    if gone:
        raise SurveyError([Problem(f"column '{n}' named in the thresholds file is not in the data",
                                   rule="monitor-column", location=Location(file=file, variable=n)) for n in gone])


def _dispositions(ds: Dataset, cfg: MonitorConfig, col: str | None, notes: list[str]) -> pd.Series | None:
    """Each record's AAPOR group (I, P, R, NC, O, UH, UO, NE), or None without a disposition column."""
    df = ds.main
    if not col or col not in df.columns:
        notes.append("No disposition column: every record is taken as a completed interview and no outcome rates "
                     "are computed (name it under columns.disposition in the thresholds file).")
        return None
    mapping = cfg.dispositions
    source = "the thresholds file"
    if mapping is None and ds.questionnaire is not None and col in {q.name for q in ds.questionnaire.questions()}:
        mapping = aapor.codes_from_labels(ds.questionnaire, ds.questionnaire.question(col))
        source = f"the '(AAPOR x.y)' in the labels of {col}'s choices"
    if not mapping:
        values = df[col].dropna().astype(str).str.strip().unique()
        if len(values) and all(AAPOR_CODE.match(v) for v in values):
            mapping = {v: v for v in values}
            source = "the data (AAPOR codes)"
        else:
            notes.append(f"The codes of {col} are not linked to AAPOR dispositions (give dispositions: in the "
                         "thresholds file): no outcome rates; every record is taken as a completed interview.")
            return None
    cats = aapor.categorize(df[col], mapping)
    unknown = df[col].notna() & cats.isna()
    if unknown.any():
        codes = sorted(df.loc[unknown, col].astype(str).unique())[:10]
        notes.append(f"{int(unknown.sum())} record(s) have disposition codes without an AAPOR code ({', '.join(codes)}"
                     "); they are left out of the outcome rates.")
    blank = df[col].isna().sum()
    if blank:
        notes.append(f"{int(blank)} record(s) have no disposition; they are left out of the outcome rates.")
    notes.append(f"Dispositions: {col}, AAPOR codes from {source}: "
                 + ", ".join(f"{k} → {v} ({aapor.category(v)})" for k, v in mapping.items()) + ".")
    return cats


def _roster(ds: Dataset, cfg: MonitorConfig, notes: list[str]) -> tuple[pd.DataFrame, list[str]] | None:
    """The roster frame and the columns linking it to the household records, or None (with a note) when the data
    has no roster with the members' age and sex."""
    rc = cfg.roster
    levels = [lv for lv in ds.frames if lv != "main"]
    level = rc.level or next((lv for lv in levels if {rc.age, rc.sex} <= set(ds.frames[lv].columns)), None)
    if level is None:
        if rc.level or levels:
            notes.append(f"No roster level with the members' {rc.age} and {rc.sex}: the Kish selection is checked "
                         "statistically only.")
        return None
    if level not in ds.frames:
        raise SurveyError(f"roster level '{level}' is not in the data (levels: {', '.join(ds.frames)})",
                          rule="monitor-roster")
    link = rc.link or ([ds.questionnaire.respondent_id] if ds.questionnaire and ds.questionnaire.respondent_id
                       else None)
    frame = ds.frames[level]
    if not link or any(c not in frame.columns or c not in ds.main.columns for c in link):
        notes.append(f"The roster '{level}' cannot be linked to the households (set roster.link in the thresholds "
                     "file): the Kish selection is checked statistically only.")
        return None
    return frame, link


def _share(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den > 0)


def run_monitor(ds: Dataset, cfg: MonitorConfig | None = None, *, sample: pd.DataFrame | None = None,
                sample_path: str = "sample", backchecks: pd.DataFrame | None = None, backcheck_path: str = "backcheck",
                data_path: str = "data", echo: Echo | None = None) -> Monitoring:
    """Every check the data allows; parts whose columns are missing are left out with a note."""
    cfg = cfg or MonitorConfig()
    say = echo or (lambda _s: None)
    df = ds.main
    _check_columns(cfg, [str(c) for c in df.columns], data_path)
    f = resolve_fields(cfg.columns, [str(c) for c in df.columns], ds.questionnaire)
    m = Monitoring(fields=f, config=cfg)
    iv = f.get("interviewer")
    if iv:  # interviewer ids as text ('107', not 107.0) in every table; the data itself is not changed
        df = df.assign(**{iv: code_text(df[iv]).where(df[iv].notna())})
    else:
        m.notes.append("No interviewer column: nothing is reported by interviewer (name it under "
                       "columns.interviewer in the thresholds file).")
    say("outcome rates")
    cats = _dispositions(ds, cfg, f.get("disposition"), m.notes)
    complete = cats.isin(["I", "P"]) if cats is not None else pd.Series(True, index=df.index)
    m.summary.update(records=len(df), completed=int(complete.sum()),
                     interviewers=int(df[iv].nunique()) if iv else None)
    if cats is not None:
        _outcomes(m, df, cats)
    say("progress")
    _progress(m, ds, df, complete, sample, sample_path)
    comp = df[complete.to_numpy()]
    items = quality.substantive_items(comp, ds.questionnaire, f, cfg)
    m.notes += items.notes
    if iv and len(comp):
        say("interviewer quality")
        _quality(m, ds, comp, items, iv, df)
        say("interviewer effects")
        _effects(m, ds, comp, items, iv)
    say("selection, duplicates, back-checks")
    _selection(m, ds, comp, iv)
    _duplicates(m, ds, df, comp, items, iv)
    if backchecks is not None:
        _backchecks(m, comp, backchecks, backcheck_path, iv)
    m.flags = _flags(m)
    return m


def _outcomes(m: Monitoring, df: pd.DataFrame, cats: pd.Series) -> None:
    """AAPOR rates overall, by interviewer and by PSU, with the e used."""
    cfg, f = m.config, m.fields
    overall = aapor.rate_table(cats, e=cfg.eligibility)
    m.tables["outcomes_overall"] = overall
    e = float(overall["e"].iloc[0]) if pd.notna(overall["e"].iloc[0]) else None
    m.summary["e"] = e
    m.summary["e_source"] = "given in the thresholds file" if cfg.eligibility is not None else (
        "estimated: eligible share among cases of known eligibility, (I+P+R+NC+O)/(I+P+R+NC+O+NE)")
    iv, psu = f.get("interviewer"), f.get("psu")
    if iv:
        m.tables["outcomes_interviewer"] = aapor.rate_table(cats, df[iv], e=e).rename(
            columns={"group": "interviewer"})
    if psu:
        m.tables["outcomes_psu"] = aapor.rate_table(cats, code_text(df[psu]), e=e).rename(columns={"group": "psu"})


def _progress(m: Monitoring, ds: Dataset, df: pd.DataFrame, complete: pd.Series, sample: pd.DataFrame | None,
              sample_path: str) -> None:
    """Completed interviews by day, PSU, region and interviewer against the targets; PSUs without interviews."""
    f = m.fields
    targets = None
    if sample is not None:
        targets = progress.sample_targets(sample, f.get("psu") or "psu", sample_path)
        m.summary["target"] = float(targets["target"].sum())
    day = f.get("date") or f.get("start")
    if day:
        m.tables["progress_day"] = progress.by_day(df[day], complete, m.summary.get("target"))  # type: ignore[arg-type]
    done = df.assign(_complete=complete.to_numpy())
    for name, col in (("psu", f.get("psu")), ("region", f.get("region")), ("interviewer", f.get("interviewer"))):
        if col:
            table = progress.by_group(done, col, targets, name)
            if col in ds.meta and ds.meta.info(col).values:
                table.insert(1, "label", [ds.meta.value_label(col, g) or "" for g in table["group"]])
            m.tables[f"progress_{name}"] = table
    if targets is not None and f.get("psu"):
        m.tables["gaps"] = duplicates.empty_psus(targets, df[f.get("psu")], complete)


def _effects(m: Monitoring, ds: Dataset, comp: pd.DataFrame, items: quality.Items, iv: str) -> None:
    """rho_int and deff_int of the key items (default: grid and scale items)."""
    qn = ds.questionnaire
    key_items = m.config.key_items or list(dict.fromkeys(
        [i for g in items.grids for i in g.items]
        + [q.name for q in (qn.questions() if qn else []) if q.type == "scale" and q.name in items.names]))
    vals = quality.valid_values(comp, ds.meta, key_items)
    rows = []
    for item in key_items:
        rho, k, n = quality.rho_int(vals[item], comp[iv])
        rows.append({"item": item, "rho_int": rho, "interviewers": k, "interviews": n,
                     "deff_int": 1 + (n / k - 1) * rho if k and np.isfinite(rho) else np.nan})
    m.tables["interviewer_effects"] = pd.DataFrame(rows, columns=["item", "rho_int", "interviewers", "interviews",
                                                                  "deff_int"])


def _selection(m: Monitoring, ds: Dataset, comp: pd.DataFrame, iv: str | None) -> None:
    """The Kish check: statistical, and exact against a roster when the data has one."""
    f, cfg = m.fields, m.config
    n_elig, line = f.get("n_elig"), f.get("kish_line")
    if not (iv and n_elig and line):
        m.notes.append("Selection check left out: it needs the interviewer, the number of eligible persons and "
                       "the Kish line (columns n_elig and kish_line).")
        return
    sel = selection.kish_check(comp, iv, n_elig, line, f.get("sel_method"), f.get("sex"), f.get("age"))
    roster = _roster(ds, cfg, m.notes)
    if roster is not None:
        found, per = selection.roster_check(comp, roster[0], roster[1], iv, line, n_elig, f.get("sex"), f.get("age"),
                                            cfg.roster.sex, cfg.roster.age, cfg.roster.min_age)
        sel = sel.merge(per, on="interviewer", how="left")
        m.tables["selection_roster"] = found
    m.tables["selection"] = sel


def _duplicates(m: Monitoring, ds: Dataset, df: pd.DataFrame, comp: pd.DataFrame, items: quality.Items,
                iv: str | None) -> None:
    """Households interviewed twice, respondent ids used twice, identical answer patterns."""
    qn = ds.questionnaire
    dups = [duplicates.duplicate_keys(comp, m.fields.household, "household interviewed twice")]
    if qn is not None and qn.respondent_id:
        dups.append(duplicates.duplicate_keys(df, [qn.respondent_id], "respondent id used twice"))
    dups.append(duplicates.identical_answers(comp, items.names))
    found = [d for d in dups if len(d)]
    dup = pd.concat(found, ignore_index=True) if found else dups[0]
    if iv and len(dup):
        dup = dup.assign(interviewer=df.loc[dup["data_row"] - 2, iv].to_numpy())
    m.tables["duplicates"] = dup


def _backchecks(m: Monitoring, comp: pd.DataFrame, bc: pd.DataFrame, path: str, iv: str | None) -> None:
    """Back-checks against the completed interviews (bcstats rules)."""
    spec = m.config.backcheck
    ids = spec.id or m.fields.household
    if not ids:
        raise SurveyError("back-checks need id columns to match the originals: set backcheck.id in the thresholds "
                          "file", location=Location(file=path), rule="backcheck-id")
    res = backcheck.compare(comp, bc, spec, ids, iv, path)
    m.tables["backcheck_item"] = res.by_item
    m.tables["backcheck_interviewer"] = res.by_interviewer
    m.tables["backcheck_discrepancies"] = res.discrepancies
    m.summary["backchecks"] = res.matched
    m.notes += res.notes
    if not (spec.type1 or spec.type2 or spec.type3):
        m.notes.append("Back-checks given but no items to compare: list them under backcheck.type1/2/3.")


def _quality(m: Monitoring, ds: Dataset, comp: pd.DataFrame, items: quality.Items, iv: str,
             df: pd.DataFrame) -> None:
    """The interviewer quality table (one row per interviewer) and the outliers found."""
    f, th = m.fields, m.config.thresholds
    per = pd.DataFrame({"interviewer": comp[iv]}, index=comp.index)
    dur, source = quality.duration_minutes(comp, f)
    if dur is not None:
        limit = th.speeder_minutes or th.speeder_fraction * float(dur.median())
        m.summary.update(duration_source=source, speeder_limit=limit, median_duration=float(dur.median()))
        per["duration"] = dur
        per["speeder"] = (dur < limit).astype(float).where(dur.notna())
    else:
        m.notes.append("No start/end times or duration column: durations and speeders are not reported.")
    asked = quality.asked_masks(comp, ds.questionnaire, items.names)
    per = per.join(quality.item_response(comp, items, ds.meta, asked))
    per = per.join(quality.straightlining(comp, items.grids, ds.meta))
    per = per.join(quality.other_answers(comp, items))
    count, found = quality.outliers(comp, items.numeric, ds.meta, th.outlier_z)
    per["outlier"] = (count > 0).astype(float)
    if len(found):
        found = found.assign(interviewer=comp.loc[found["row"], iv].to_numpy(), data_row=found["row"] + 2)
        m.tables["outliers"] = found.drop(columns="row")
    m.tables["interviews"] = per.assign(data_row=per.index + 2)
    g = per.groupby("interviewer")
    t = pd.DataFrame({"completed": g.size()})
    if "duration" in per:
        t["median_duration"] = g["duration"].median()
        t["speeder_share"] = g["speeder"].mean()
    sums = g[["asked", "blank", "dk", "refused", "grids", "straight", "other_asked", "other"]].sum()
    t["item_nonresponse"] = _share(sums["blank"], sums["asked"])
    t["dont_know"] = _share(sums["dk"], sums["asked"])
    t["refusal"] = _share(sums["refused"], sums["asked"])
    t["straightlining"] = _share(sums["straight"], sums["grids"])
    t["other_share"] = _share(sums["other"], sums["other_asked"])
    t["outlier_share"] = g["outlier"].mean()
    consent = f.get("consent")
    if consent and ds.questionnaire is not None and consent in {q.name for q in ds.questionnaire.questions()}:
        qn = ds.questionnaire
        refuse = [float(c.code) for c in qn.choice_list(qn.question(consent))
                  if qn.text(c.label, "en").strip().lower().startswith(("no", "refus"))]
        cv = pd.to_numeric(df[consent], errors="coerce")
        asked_c = cv.notna()
        cg = pd.DataFrame({"i": df[iv], "asked": asked_c, "ref": cv.isin(refuse)}).groupby("i")
        t["consent_refusal"] = _share(cg["ref"].sum(), cg["asked"].sum())
    t = t.reset_index().rename(columns={"index": "interviewer"})
    if "outcomes_interviewer" in m.tables:
        o = m.tables["outcomes_interviewer"][["interviewer", "RR3"]]
        t = t.merge(o, on="interviewer", how="outer")
    m.tables["quality_interviewer"] = t
    m.summary["grids"] = [g_.name for g_ in items.grids]


def _z_others(k: float, n: float, k_all: float, n_all: float) -> float:
    """z of one group's share k/n against everyone else's (pooled binomial SE)."""
    ko, no = k_all - k, n_all - n
    if n <= 0 or no <= 0:
        return np.nan
    p = k_all / n_all
    se = np.sqrt(p * (1 - p) * (1 / n + 1 / no))
    return (k / n - ko / no) / se if se > 0 else np.nan


def _flags(m: Monitoring) -> pd.DataFrame:
    """One row per finding a field manager should act on: who, check, value, limit."""
    th = m.config.thresholds
    rows: list[dict[str, object]] = []

    def add(who: object, check: str, value: float, limit: str) -> None:
        rows.append({"interviewer": who, "check": check, "value": value, "limit": limit})

    q = m.tables.get("quality_interviewer")
    if q is not None:
        big = q["completed"].fillna(0) >= th.min_interviews
        share_checks = [("speeder_share", th.speeder_share, "speeders"), ("item_nonresponse", th.item_nonresponse,
                        "item nonresponse"), ("straightlining", th.straightlining, "straightlining in grids"),
                        ("other_share", th.other_share, "'Other' answers"), ("outlier_share", th.outlier_share,
                        "interviews with outliers"), ("consent_refusal", th.consent_refusal, "consent refusals")]
        for col, limit, what in share_checks:
            if col in q:
                for _, r in q[big & (q[col] > limit)].iterrows():
                    add(r["interviewer"], what, r[col], f"> {limit:.0%}")
        if {"dont_know", "refusal"} <= set(q.columns):
            dkr = q["dont_know"] + q["refusal"]
            for i in q.index[big & (dkr > th.dk_refusal)]:
                add(q.at[i, "interviewer"], "don't know and refusal", dkr[i], f"> {th.dk_refusal:.0%}")
        if "RR3" in q:
            for _, r in q[big & (q["RR3"] < th.response_rate)].iterrows():
                add(r["interviewer"], "low response rate (RR3)", r["RR3"], f"< {th.response_rate:.0%}")
    o = m.tables.get("outcomes_interviewer")
    if o is not None:
        elig = o[["I", "P", "R", "NC", "O"]].sum(axis=1)
        resp = o["I"] + o["P"]
        for i in o.index:
            z = _z_others(resp[i], elig[i], resp.sum(), elig.sum())
            if z > th.rate_z:
                add(o.at[i, "interviewer"], "response rate far above the others' (z)", z, f"> {th.rate_z:g}")
    s = m.tables.get("selection")
    if s is not None:
        # sex and age are shown, not flagged: interviewers work in different areas, whose people differ
        for _, r in s[s["line1_z"] > th.rate_z].iterrows():
            add(r["interviewer"], "Kish line 1 (oldest) selected too often (z)", r["line1_z"], f"> {th.rate_z:g}")
        if "roster_mismatch_rate" in s:
            bad = (s["roster_mismatch_rate"] > th.selection_mismatch) & (s["roster_mismatches"] >= 2)
            for _, r in s[bad].iterrows():
                add(r["interviewer"], "selected person not the roster's Kish choice", r["roster_mismatch_rate"],
                    f"> {th.selection_mismatch:.0%}")
    b = m.tables.get("backcheck_interviewer")
    if b is not None and "type1_error_rate" in b:
        for _, r in b[(b["type1_error_rate"] > th.backcheck_error) & (b["type1_different"] >= 2)].iterrows():
            add(r["interviewer"], "back-check discrepancies (type 1)", r["type1_error_rate"],
                f"> {th.backcheck_error:.0%}")
    d = m.tables.get("duplicates")
    if d is not None and len(d) and "interviewer" in d:
        for (who, check), n in d.groupby(["interviewer", "check"]).size().items():
            add(who, check, float(n), "any")
    e = m.tables.get("interviewer_effects")
    if e is not None:
        for _, r in e[e["rho_int"] > th.rho_int].iterrows():
            add("(item) " + str(r["item"]), "interviewer effect rho_int", r["rho_int"], f"> {th.rho_int:g}")
    return pd.DataFrame(rows, columns=["interviewer", "check", "value", "limit"])
