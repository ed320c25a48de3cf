"""Followers against genuine influence: the picture that shows follower counts are not influence.

>>> import pyarrow as pa
>>> adv = pa.table({"account": ["ana", "pia"], "handle": ["@ana", "@pia"], "score": [4.7, 2.0],
...                 "followers": [140, 180], "conversions_total": [4, 3]})
>>> acc = pa.table({"id": ["ana", "pia", "zoe", "nova", "shop"],
...                 "handle": ["@ana", "@pia", "@zoe", "@nova", "@shop"],
...                 "role": ["customer", "customer", "customer", "partner", "brand"],
...                 "followers": [140, 180, 52000, 48200, 12400]})
>>> fig = followers_vs_influence(adv, acc)
>>> ax = fig.axes[0]
>>> ax.get_xscale(), [t.get_text() for t in ax.get_legend().get_texts()]
('log', ['genuine advocates (2)', 'other people (1)', 'employees and paid partners (1)'])
"""

from __future__ import annotations

import pyarrow as pa
from matplotlib.figure import Figure

from ._common import CLASS_COLORS, label_of, new_figure, no_data_figure, place_labels

__all__ = ["followers_vs_influence", "influence_points"]

TITLE = "Followers are not influence"
GROUPS = (
    # key, legend label, colour, marker
    ("advocate", "genuine advocates", CLASS_COLORS["peer"], "o"),
    ("other", "other people", "#9e9e9e", "o"),
    ("paid", "employees and paid partners", CLASS_COLORS["incentivized"], "^"),
    ("flagged", "flagged accounts (fake engagement)", CLASS_COLORS["suspicious"], "X"),
)


def influence_points(
    advocates: pa.Table,
    accounts: pa.Table | None = None,
    flagged: set[str] | frozenset = frozenset(),
) -> list[dict]:
    """One point per person: account, label, followers, score, conversions, group.

    Advocates carry their score; everyone else in ``accounts`` (brand accounts left out) scores 0
    and is grouped as paid (employee, partner), flagged, or other. People without a follower
    count are left out.
    """
    points: dict[str, dict] = {}
    handles: dict[str, str | None] = {}
    if accounts is not None and accounts.num_rows:
        cols = accounts.column_names
        for r in accounts.select(
            [c for c in ("id", "handle", "role", "followers") if c in cols]
        ).to_pylist():
            handles[r["id"]] = r.get("handle")
            if r.get("role") == "brand":
                continue
            group = (
                "flagged"
                if r["id"] in flagged
                else "paid"
                if r.get("role") in ("employee", "partner")
                else "other"
            )
            points[r["id"]] = {
                "account": r["id"],
                "followers": r.get("followers"),
                "score": 0.0,
                "conversions": 0,
                "group": group,
            }
    if advocates is not None:
        for r in advocates.to_pylist():
            handles[r["account"]] = r.get("handle") or handles.get(r["account"])
            followers = r.get("followers")
            if followers is None and r["account"] in points:
                followers = points[r["account"]]["followers"]
            points[r["account"]] = {
                "account": r["account"],
                "followers": followers,
                "score": float(r["score"] or 0),
                "group": "advocate",
                "conversions": int(r.get("conversions_total") or 0),
            }
    out = []
    for p in points.values():
        if p["followers"] is None:
            continue
        p["label"] = label_of(p["account"], handles)
        out.append(p)
    return sorted(out, key=lambda p: p["account"])


def _spearman(x, y) -> float | None:
    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def followers_vs_influence(
    advocates: pa.Table,
    accounts: pa.Table | None = None,
    *,
    flagged: set[str] | frozenset = frozenset(),
    annotate: int = 3,
) -> Figure:
    """Scatter of followers (log x) against advocate score, everyone who is not an advocate at 0.

    The ``annotate`` best advocates and the ``annotate`` biggest audiences are labelled with their
    conversions, so the eye goes from "many followers" to "converted nobody".
    """
    pts = influence_points(advocates, accounts, flagged)
    if not pts:
        return no_data_figure(TITLE, "no accounts with a follower count")
    fig = new_figure(10, 6)
    ax = fig.add_subplot()
    zero = any(p["followers"] <= 0 for p in pts)
    for key, label, color, marker in GROUPS:
        group = [p for p in pts if p["group"] == key]
        if not group:
            continue
        ax.scatter(
            [max(p["followers"], 1) for p in group],
            [p["score"] for p in group],
            s=70 if key == "advocate" else 45,
            c=color,
            marker=marker,
            alpha=0.8,
            edgecolors="white",
            linewidths=0.6,
            label=f"{label} ({len(group):,})",
            zorder=3 if key == "advocate" else 2,
        )
    ax.set_xscale("log")
    ax.set_xlabel("followers (log scale" + ("; 0 drawn at 1)" if zero else ")"))
    ax.set_ylabel("advocate score\n(weighted conversions caused; 0 = not an advocate)")
    ymax = max(p["score"] for p in pts)
    ax.set_ylim(-0.06 * max(ymax, 1), max(ymax, 1) * 1.18)
    xs = [max(p["followers"], 1) for p in pts]
    ax.set_xlim(min(xs) / 2, max(xs) * 3)
    ax.grid(True, alpha=0.3)
    ax.axhline(0, color="#cccccc", linewidth=0.8, zorder=1)

    adv = [p for p in pts if p["group"] == "advocate"]
    rho = _spearman([p["followers"] for p in adv], [p["score"] for p in adv])
    subtitle = (
        f"Spearman correlation of followers and score among {len(adv)} advocates: {rho:.2f}"
        if rho is not None
        else "score counts conversions caused, never audience size"
    )
    ax.set_title(f"{TITLE}\n{subtitle}", fontsize=12)
    ax.legend(loc="upper right", fontsize=9, framealpha=0.9)
    best = sorted(
        (p for p in pts if p["group"] == "advocate"), key=lambda p: (-p["score"], p["account"])
    )[:annotate]
    loud = sorted(pts, key=lambda p: (-p["followers"], p["account"]))
    loud = [p for p in loud if p not in best][:annotate]
    items = []
    for p in best + loud:
        conv = p["conversions"]
        note = {"paid": " (paid / staff)", "flagged": " (flagged)"}.get(p["group"], "")
        items.append(
            (
                max(p["followers"], 1),
                p["score"],
                (
                    f"{p['label']}{note}\n{p['followers']:,} followers, "
                    f"{conv} conversion{'' if conv == 1 else 's'}"
                ),
            )
        )
    place_labels(ax, items, avoid=[(max(p["followers"], 1), p["score"]) for p in pts])
    return fig
