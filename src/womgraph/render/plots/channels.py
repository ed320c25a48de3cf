"""Channels side by side: peer and broadcast interactions, adopters, and WOM purity per channel.

>>> rows = [{"channel": "web", "peer": 2, "broadcast": 0, "adopters": 10, "peer_adopters": 7},
...         {"channel": "instagram", "peer": 5, "broadcast": 25, "adopters": 0, "peer_adopters": 0}]
>>> fig = channel_comparison(rows)
>>> counts, purity = fig.axes
>>> len(counts.patches), [t.get_text() for t in purity.get_xticklabels()]
(6, ['instagram', 'web'])
>>> [round(float(p.get_height()), 2) for p in purity.patches]
[0.0, 0.7]
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ._common import ADOPTER_COLORS, CLASS_COLORS, new_figure, no_data_figure, plain

__all__ = ["channel_comparison", "channel_rows"]

TITLE = "Channels compared"
BARS = (
    ("peer", "peer word of mouth", CLASS_COLORS["peer"]),
    ("broadcast", "broadcast engagement", CLASS_COLORS["broadcast"]),
    ("adopters", "new adopters", ADOPTER_COLORS["all"]),
)
COUNTED = (
    "peer",
    "broadcast",
    "incentivized",
    "suspicious",
    "social",
    "adopters",
    "peer_adopters",
    "broadcast_adopters",
    "likes_of_brand_posts",
)


def channel_rows(channels: list[dict], limit: int = 12) -> list[dict]:
    """Channels by activity (peer + broadcast + adopters); past ``limit``, the rest summed as
    "other".

    WOM purity is recomputed from the sums (peer adopters / adopters; None without adopters).
    """
    rows = [dict(r) for r in channels]
    rows.sort(key=lambda r: (-sum(r.get(k) or 0 for k, _, _ in BARS), str(r["channel"])))
    if len(rows) > limit:
        rest = rows[limit - 1 :]
        other = {"channel": f"other ({len(rest)})"}
        for k in COUNTED:
            other[k] = sum(r.get(k) or 0 for r in rest)
        rows = rows[: limit - 1] + [other]
    for r in rows:
        a = r.get("adopters") or 0
        r["wom_purity"] = (r.get("peer_adopters") or 0) / a if a else None
    return rows


def channel_comparison(channels: list[dict], limit: int = 12) -> Figure:
    """Grouped bars per channel (top) and WOM purity per channel (bottom, "no adopters" marked)."""
    if not channels:
        return no_data_figure(TITLE, "no events in the store")
    rows = channel_rows(channels, limit)
    x = np.arange(len(rows))
    fig = new_figure(max(8.0, 1.0 + 0.95 * len(rows)), 7)
    counts, purity = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    width = 0.8 / len(BARS)
    for i, (key, label, color) in enumerate(BARS):
        values = [r.get(key) or 0 for r in rows]
        bars = counts.bar(
            x + (i - (len(BARS) - 1) / 2) * width, values, width=width, color=color, label=label
        )
        counts.bar_label(
            bars, labels=[str(v) if v else "" for v in values], fontsize=7.5, padding=1.5
        )
    counts.set_title(f"{TITLE}: where word of mouth happens and where adopters come from")
    counts.set_ylabel("interactions / adopters")
    nonzero = [r.get(k) for r in rows for k, _, _ in BARS if r.get(k)]
    if nonzero and max(nonzero) / min(nonzero) > 30:  # else the small bars vanish beside broadcast
        counts.set_yscale("log")
        counts.set_ylim(0.8, max(nonzero) * 4)
        counts.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        counts.set_ylabel("interactions / adopters (log scale)")
    counts.legend(loc="upper right", fontsize=9, frameon=False)
    counts.grid(axis="y", alpha=0.3)
    if counts.get_yscale() == "linear":
        counts.margins(y=0.15)

    values = [r["wom_purity"] if r["wom_purity"] is not None else 0.0 for r in rows]
    bars = purity.bar(
        x,
        values,
        width=0.55,
        color=CLASS_COLORS["peer"],
        label="WOM purity (peer adopters / adopters)",
    )
    purity.bar_label(
        bars,
        labels=[
            "no adopters" if r["wom_purity"] is None else f"{100 * r['wom_purity']:.0f}%"
            for r in rows
        ],
        fontsize=8,
        padding=2,
        color="#555555",
    )
    purity.set_ylim(0, 1.18)
    purity.set_yticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])
    purity.set_ylabel("WOM purity")
    purity.set_xlabel("channel")
    purity.grid(axis="y", alpha=0.3)
    purity.legend(loc="upper right", fontsize=9, frameon=False)
    purity.set_xticks(
        x,
        [plain(r["channel"]) for r in rows],
        rotation=30 if len(rows) > 6 else 0,
        ha="right" if len(rows) > 6 else "center",
    )
    return fig
