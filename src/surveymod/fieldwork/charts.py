"""Charts of the monitoring report (matplotlib, Agg), returned as PNG data URIs for the self-contained page."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd

FLAG = "#b42318"
BAR = "#1f4e79"
LIGHT = "#9db9d3"
MAX_BARS = 60
"""Most interviewers one chart shows (the flagged ones and the most extreme; the tables have them all)."""


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _uri(fig: Any) -> str:
    plt = _plt()
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def cumulative_chart(day: pd.DataFrame, target: float | None) -> str:
    """Completed interviews per day (bars) and cumulative (line), with the total target."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 3.2))
    x = pd.to_datetime(day["date"])
    ax.bar(x, day["completed"], color=LIGHT, label="completed that day")
    ax2 = ax.twinx()
    ax2.plot(x, day["cumulative"], color=BAR, lw=2, label="cumulative")
    if target:
        ax2.axhline(target, color=FLAG, ls="--", lw=1, label=f"target {target:,.0f}")
    ax.set_ylabel("per day")
    ax2.set_ylabel("cumulative")
    ax2.set_ylim(0, max(float(target or 0), float(day["cumulative"].max())) * 1.08)
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + ax2.get_legend_handles_labels()[1]
    ax.legend(lines, labels, fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3)
    fig.autofmt_xdate()
    return _uri(fig)


def achieved(table: pd.DataFrame, title: str) -> str:
    """Completed interviews against the target per group (bars), or completed only."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 3.0))
    x = np.arange(len(table))
    if "target" in table:
        ax.bar(x, table["target"], color="#e5e7eb", label="target")
    ax.bar(x, table["completed"], width=0.6, color=BAR, label="completed")
    names = table["label"].where(table["label"] != "", table["group"]) if "label" in table else table["group"]
    ax.set_xticks(x, names.astype(str), rotation=90 if len(table) > 8 else 0, fontsize=8)
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(fontsize=8, frameon=False, loc="lower right", bbox_to_anchor=(1, 1.0), ncol=2)
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)


def by_interviewer(values: pd.Series, names: pd.Series, flagged: set[str], title: str, limit: float | None = None,
                   percent: bool = True) -> str:
    """One bar per interviewer, flagged interviewers in red, the flag limit as a dashed line."""
    plt = _plt()
    if len(values) > MAX_BARS:
        order = sorted(range(len(values)), key=lambda i: (str(names.iloc[i]) not in flagged,
                                                          -np.nan_to_num(float(values.iloc[i]), nan=-np.inf)))
        keep = sorted(order[:MAX_BARS])
        values, names = values.iloc[keep], names.iloc[keep]
        title += f" ({MAX_BARS} highest of {len(order)})"
    fig, ax = plt.subplots(figsize=(9, 2.8))
    x = np.arange(len(values))
    scale = 100 if percent else 1
    colors = [FLAG if str(n) in flagged else BAR for n in names]
    ax.bar(x, values.to_numpy(dtype=float) * scale, color=colors)
    if limit is not None:
        ax.axhline(limit * scale, color=FLAG, ls="--", lw=1)
    ax.set_xticks(x, names.astype(str), rotation=90, fontsize=7)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel("%" if percent else "")
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)


def durations(per: pd.DataFrame, limit: float | None, flagged: set[str]) -> str:
    """Interview duration by interviewer (box plots) with the speeder limit."""
    plt = _plt()
    groups = [(str(k), v.dropna().to_numpy()) for k, v in per.groupby("interviewer")["duration"]]
    groups = [(k, v) for k, v in groups if len(v)]
    title = "Interview duration by interviewer"
    if len(groups) > MAX_BARS:
        groups = sorted(groups, key=lambda kv: (kv[0] not in flagged, float(np.median(kv[1]))))[:MAX_BARS]
        title += f" ({MAX_BARS} shortest of {per['interviewer'].nunique()})"
    fig, ax = plt.subplots(figsize=(9, 3.0))
    bp = ax.boxplot([v for _, v in groups], patch_artist=True, showfliers=False)
    for patch, (k, _) in zip(bp["boxes"], groups, strict=True):
        patch.set_facecolor(FLAG if k in flagged else LIGHT)
    if limit:
        ax.axhline(limit, color=FLAG, ls="--", lw=1, label=f"speeder limit {limit:.0f} min")
        ax.legend(fontsize=8, frameon=False, loc="upper right")
    ax.set_xticks(np.arange(1, len(groups) + 1), [k for k, _ in groups], rotation=90, fontsize=7)
    ax.set_ylabel("minutes")
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)


def rho(effects: pd.DataFrame, limit: float) -> str:
    """rho_int per key item (horizontal bars), items above the limit in red."""
    plt = _plt()
    e = effects.dropna(subset=["rho_int"])
    fig, ax = plt.subplots(figsize=(9, max(2.0, 0.28 * len(e) + 0.8)))
    y = np.arange(len(e))
    ax.barh(y, e["rho_int"], color=[FLAG if v > limit else BAR for v in e["rho_int"]])
    ax.axvline(limit, color=FLAG, ls="--", lw=1)
    ax.set_yticks(y, e["item"].astype(str), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("rho_int (intra-interviewer correlation)")
    ax.spines[["top", "right"]].set_visible(False)
    return _uri(fig)
