"""Word of mouth against broadcast over time: interactions per class and adopters per cause.

>>> from datetime import datetime, timezone
>>> weeks = [{"week": datetime(2026, 3, 2, tzinfo=timezone.utc), "peer": 3, "broadcast": 6,
...           "incentivized": 1, "suspicious": 0, "adopters": 2, "peer_adopters": 1,
...           "broadcast_adopters": 1},
...          {"week": datetime(2026, 3, 16, tzinfo=timezone.utc), "peer": 5, "broadcast": 2,
...           "incentivized": 0, "suspicious": 1, "adopters": 1, "peer_adopters": 1,
...           "broadcast_adopters": 0}]
>>> fig = wom_vs_broadcast(weeks)
>>> top, bottom = fig.axes
>>> [len(line.get_xdata()) for line in top.get_lines()]  # the empty week 9 March is filled in
[3, 3, 3, 3]
>>> [t.get_text() for t in bottom.get_legend().get_texts()]
['peer-caused adopters', 'broadcast-only adopters']
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ._common import ADOPTER_COLORS, CLASS_COLORS, new_figure, no_data_figure

__all__ = ["fill_weeks", "wom_vs_broadcast"]

TITLE = "Word of mouth vs broadcast over time"
INTERACTION_CLASSES = ("peer", "broadcast", "incentivized", "suspicious")
LABELS = {
    "peer": "peer word of mouth",
    "broadcast": "broadcast engagement",
    "incentivized": "incentivized (paid, partners, contests)",
    "suspicious": "suspicious (flagged)",
}


def fill_weeks(rows: list[dict], key: str = "week") -> list[dict]:
    """``rows`` (one per week that had events) with a zero row for every week in between.

    >>> from datetime import datetime
    >>> rows = fill_weeks([{"week": datetime(2026, 3, 2), "peer": 1},
    ...                    {"week": datetime(2026, 3, 16), "peer": 2}])
    >>> [(r["week"].day, r["peer"]) for r in rows]
    [(2, 1), (9, 0), (16, 2)]
    """
    if not rows:
        return []
    rows = sorted(rows, key=lambda r: r[key])
    out = [rows[0]]
    numeric = [k for k, v in rows[0].items() if k != key and isinstance(v, (int, float))]
    for r in rows[1:]:
        t = out[-1][key] + timedelta(days=7)
        while t < r[key]:
            out.append({key: t, **{k: 0 for k in numeric}, "wom_purity": None})
            t += timedelta(days=7)
        out.append(r)
    return out


def wom_vs_broadcast(series: list[dict], period: str | None = None) -> Figure:
    """Interactions per class (top) and adopters by cause (bottom), per week or month.

    ``series`` is :attr:`Analysis.weekly` or :attr:`Analysis.monthly`; ``period`` (``week`` or
    ``month``) is found from its keys when not given. Missing weeks are drawn as zeros.
    """
    if period is None:
        period = "month" if series and "month" in series[0] else "week"
    if not series:
        return no_data_figure(TITLE, "no events in the store")
    rows = (
        fill_weeks(series, "week") if period == "week" else sorted(series, key=lambda r: r[period])
    )
    x = [r[period] for r in rows]
    if not isinstance(x[0], datetime):
        x = [datetime.fromisoformat(str(v)) for v in x]
    xn = date2num(x)

    fig = new_figure(10, 7)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    peaks = [max(r.get(cls) or 0 for r in rows) for cls in INTERACTION_CLASSES]
    nonzero = [p for p in peaks if p > 0]
    log = (
        len(nonzero) > 1 and max(nonzero) / min(nonzero) > 10
    )  # else the small classes lie flat on 0
    for cls in INTERACTION_CLASSES:
        values = np.array([r.get(cls) or 0 for r in rows], dtype=float)
        if log:
            values[values == 0] = np.nan  # a week without any is a gap on a log scale
        top.plot(
            xn,
            values,
            marker="o",
            markersize=3.5,
            linewidth=2,
            color=CLASS_COLORS[cls],
            label=LABELS[cls],
        )
    top.set_title(f"{TITLE} (per {period})")
    peak = max(peaks + [1])
    if log:
        top.set_yscale("log")
        top.set_ylim(0.7, peak * 6)  # room for the legend above the lines
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        top.set_ylabel(f"interactions per {period} (log scale)")
    else:
        top.set_ylim(0, peak * 1.4)  # room for the legend above the lines
        top.set_ylabel(f"interactions per {period}")
    top.grid(axis="y", alpha=0.3)
    top.legend(loc="upper left", fontsize=9, frameon=False, ncols=2)

    step = 7 if period == "week" else 30
    width = step * 0.38
    peer = np.array([r.get("peer_adopters") or 0 for r in rows])
    broad = np.array([r.get("broadcast_adopters") or 0 for r in rows])
    bottom.bar(
        xn - width / 2,
        peer,
        width=width,
        color=ADOPTER_COLORS["peer"],
        label="peer-caused adopters",
    )
    bottom.bar(
        xn + width / 2,
        broad,
        width=width,
        color=ADOPTER_COLORS["broadcast"],
        label="broadcast-only adopters",
    )
    bottom.set_ylabel(f"new adopters per {period}")
    bottom.set_xlabel(f"{period} starting (UTC)")
    bottom.grid(axis="y", alpha=0.3)
    bottom.legend(loc="upper left", fontsize=9, frameon=False)
    ymax = max(int(peer.max(initial=0)), int(broad.max(initial=0)))
    bottom.set_ylim(0, max(1, ymax) * 1.25)
    if ymax <= 10:
        bottom.set_yticks(range(0, max(1, ymax) + 1, 1 if ymax <= 5 else 2))

    if len(rows) <= 16:  # a tick on every period start, so bars sit on their label
        every = 1 if len(rows) <= 10 else 2
        bottom.set_xticks(
            xn[::every],
            [
                t.strftime("%d %b\n%Y" if i == 0 else "%d %b")
                if period == "week"
                else t.strftime("%b %Y")
                for i, t in enumerate(x[::every])
            ],
        )
    else:
        locator = AutoDateLocator(minticks=4, maxticks=12)
        bottom.xaxis.set_major_locator(locator)
        bottom.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    bottom.set_xlim(xn[0] - step * 0.6, xn[-1] + step * 0.6)
    return fig
