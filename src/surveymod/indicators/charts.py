"""Charts for the report: baseline vs a later wave with confidence intervals, overall and by sex and age.

Returns PNG and SVG bytes (matplotlib, Agg backend); files are written by the caller.
"""

from __future__ import annotations

import io
import textwrap

from .results import PERIOD_TITLES, IndicatorRow


def baseline_vs_latest(row: IndicatorRow, later: str) -> dict[str, bytes]:
    """A grouped bar chart: overall and each breakdown row, baseline vs *later* period, with CI error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [("Overall", row), *[(sub.label, sub) for sub in row.breakdown]]
    groups = [(g, r) for g, r in groups if "baseline" in r.level_cells() and later in r.level_cells()]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(groups) + 2), 3.8), dpi=110)
    width = 0.38
    colors = {"baseline": "#9db9d3", later: "#1f4e79"}
    for k, period in enumerate(("baseline", later)):
        xs, ys, lo, hi = [], [], [], []
        for i, (_, r) in enumerate(groups):
            c = r.level_cells()[period]
            xs.append(i + (k - 0.5) * width)
            ys.append(c.value)
            lo.append(c.value - (c.ci_low if c.ci_low is not None else c.value))
            hi.append((c.ci_high if c.ci_high is not None else c.value) - c.value)
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=3, color=colors[period], label=PERIOD_TITLES[period])
    ax.set_xticks(range(len(groups)), [g for g, _ in groups], rotation=0, fontsize=8)
    unit = next(iter(row.level_cells().values())).unit if row.cells else ""
    ax.set_ylabel(unit or "value")
    title = f"{row.id}: {row.text}"
    if row.levels:  # the row reports a relative change: the bars are the levels it is computed from
        title += " — levels behind the relative change"
    ax.set_title(textwrap.fill(title, 110), fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.text(0.01, 0.01, "Bars: design-based estimates; whiskers: 95% confidence intervals.", fontsize=7, color="#555")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    out: dict[str, bytes] = {}
    for fmt in ("png", "svg"):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt)
        out[fmt] = buf.getvalue()
    plt.close(fig)
    return out
