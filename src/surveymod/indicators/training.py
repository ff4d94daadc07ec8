"""Training pre/post-test indicators: trainees tested, matched, and whose knowledge improved, by sex and age.

One definition for the total and every breakdown (shared/reference/perception_items.md §6): *trained* = every
trainee who attended, i.e. has a pre- or a post-test (a trainee's sex, age and institution are taken from their
first test row that has them); *improved* = a trainee with a matched pre- and post-test whose post − pre reaches the declared gain
threshold in points of the maximum score (optionally also post ≥ a pass mark). Unmatched trainees are trained but
cannot count as improved; they are reported. The paired test is a paired t-test and a Wilcoxon signed-rank test on
the score difference of the matched pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SurveyError


@dataclass(frozen=True)
class TrainingRule:
    """How to read the test file and what counts as improvement."""

    id: str = "trainee_id"
    test: str = "test"
    score: str = "score_total"
    pre_code: int = 1
    post_code: int = 2
    max_score: float = 100.0
    min_gain_points: float = 10.0  # gain threshold in % points of the maximum score
    pass_mark: float | None = None  # optional: post-test score required as well
    by: tuple[str, ...] = ("sex", "agegrp")


@dataclass
class TrainingResult:
    """Counts and tests; ``by`` maps (variable, level) -> (trained, improved), with the same definitions as the
    totals, so each breakdown adds up to ``tested`` and ``improved``."""

    tested: int  # trained = attended (has any test)
    matched: int
    improved: int
    unmatched_ids: list[str]
    mean_pre: float
    mean_post: float
    t_stat: float
    t_p: float
    wilcoxon_p: float
    by: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    matched_frame: pd.DataFrame | None = None


def level_text(v: object) -> str:
    """A category as text: 2.0 -> '2', missing -> 'missing'."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "missing"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def matched_pairs(df: pd.DataFrame, rule: TrainingRule) -> tuple[pd.DataFrame, list[str]]:
    """One row per trainee with pre and post scores (and the pre-test's sex/age); plus ids lacking a pair."""
    for col in (rule.id, rule.test, rule.score, *rule.by):
        if col not in df.columns:
            raise SurveyError(f"training data has no column '{col}' (needed by the training indicator)")
    test = pd.to_numeric(df[rule.test], errors="coerce")
    bad = df.index[~test.isin([rule.pre_code, rule.post_code])]
    if len(bad):
        raise SurveyError(f"row {int(bad[0]) + 1}: column '{rule.test}' must be {rule.pre_code} (pre) or "
                          f"{rule.post_code} (post); found {df.loc[bad[0], rule.test]!r}")
    pre = df[test == rule.pre_code]
    post = df[test == rule.post_code]
    for name, part in (("pre", pre), ("post", post)):
        dup = part[rule.id][part[rule.id].duplicated()]
        if len(dup):
            raise SurveyError(f"trainee '{dup.iloc[0]}' has more than one {name}-test; keep one before computing")
    keep = [rule.id, rule.score, *rule.by]
    merged = pre[keep].merge(post[[rule.id, rule.score]], on=rule.id, how="outer", suffixes=("_pre", "_post"),
                             indicator=True)
    unmatched = sorted(str(x) for x in merged.loc[merged["_merge"] != "both", rule.id])
    both = merged[merged["_merge"] == "both"].drop(columns="_merge").reset_index(drop=True)
    return both, unmatched


def training_indicators(df: pd.DataFrame, rule: TrainingRule) -> TrainingResult:
    """Compute trainees tested / improved overall and by sex and age, with paired tests."""
    pairs, unmatched = matched_pairs(df, rule)
    pre = pd.to_numeric(pairs[f"{rule.score}_pre"], errors="coerce").to_numpy(float)
    post = pd.to_numeric(pairs[f"{rule.score}_post"], errors="coerce").to_numpy(float)
    gain_pts = (post - pre) / rule.max_score * 100.0
    improved = gain_pts >= rule.min_gain_points
    if rule.pass_mark is not None:
        improved &= post >= rule.pass_mark
    pairs = pairs.assign(gain_points=gain_pts, improved=improved)
    diff = post - pre
    if len(diff) >= 2 and np.nanstd(diff) > 0:
        t = stats.ttest_rel(post, pre, nan_policy="omit")
        t_stat, t_p = float(t.statistic), float(t.pvalue)
        w_p = float(stats.wilcoxon(post, pre, zero_method="wilcox", nan_policy="omit").pvalue)
    else:
        t_stat = t_p = w_p = float("nan")
    # every trainee once (sex, age ... from their first test row that has them), improved only through a matched pair
    people = df.groupby(rule.id, sort=False, dropna=True)[list(rule.by)].first().reset_index() if rule.by \
        else df[[rule.id]].dropna().drop_duplicates()
    better = set(pairs.loc[pairs["improved"], rule.id])
    people = people.assign(improved=people[rule.id].isin(better))
    by: dict[tuple[str, str], tuple[int, int]] = {}
    for var in rule.by:
        for level, g in people.groupby(people[var].map(level_text), dropna=False):
            by[(var, str(level))] = (len(g), int(g["improved"].sum()))
    tested = len(people)
    return TrainingResult(tested=tested, matched=len(pairs), improved=int(improved.sum()), unmatched_ids=unmatched,
                          mean_pre=float(np.nanmean(pre)) if len(pre) else float("nan"),
                          mean_post=float(np.nanmean(post)) if len(post) else float("nan"),
                          t_stat=t_stat, t_p=t_p, wilcoxon_p=w_p, by=by, matched_frame=pairs)
