"""Plots of an analysis: functions that take its tables and return a matplotlib ``Figure``.

No pyplot anywhere: every function builds its own :class:`matplotlib.figure.Figure`, so plots
can be drawn from threads, tests and web servers without global state. Empty data gives a
figure that says "No data" and why, never an exception.

Kinds (:data:`PLOT_KINDS`) and their functions:

- ``wom-vs-broadcast``: :func:`wom_vs_broadcast`, interactions per class and adopters per cause,
  per week or month;
- ``channels``: :func:`channel_comparison`, peer, broadcast, adopters and WOM purity per channel;
- ``followers-vs-influence``: :func:`followers_vs_influence`, followers (log) against advocate
  score;
- ``cascades``: :func:`cascade_distributions`, chain size and depth as log-log CCDFs;
- ``chain``: :func:`chain_tree`, one recommendation chain as a tree;
- ``advocate-network``: :func:`advocate_network`, the peer graph around the top advocates.

>>> from womgraph.analyse.pipeline import analyse
>>> from womgraph.schema import EVENTS_SCHEMA, ACCOUNTS_SCHEMA
>>> a = analyse(EVENTS_SCHEMA.empty_table(), ACCOUNTS_SCHEMA.empty_table())
>>> [plot(kind, a).axes[0].texts[0].get_text()[:8] for kind in PLOT_KINDS]
['No data:', 'No data:', 'No data:', 'No data:', 'No data:', 'No data:']
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from matplotlib.figure import Figure

from .cascades import cascade_distributions, ccdf, chain_tree
from .channels import channel_comparison
from .influence import followers_vs_influence
from .network import advocate_network, advocate_subgraph, network_layout
from .time import wom_vs_broadcast

if TYPE_CHECKING:
    from ...analyse.pipeline import Analysis

__all__ = [
    "PLOT_KINDS",
    "advocate_network",
    "advocate_subgraph",
    "cascade_distributions",
    "ccdf",
    "chain_tree",
    "channel_comparison",
    "flagged_accounts",
    "followers_vs_influence",
    "handles_of",
    "network_layout",
    "plot",
    "save_figure",
    "wom_vs_broadcast",
]

#: The kinds of :func:`plot`, in the order the HTML report shows them.
PLOT_KINDS: tuple[str, ...] = (
    "wom-vs-broadcast",
    "channels",
    "followers-vs-influence",
    "cascades",
    "chain",
    "advocate-network",
)


def flagged_accounts(a: Analysis) -> set[str]:
    """Accounts named by an authenticity flag that changes classes (never advocates)."""
    return {acc for f in a.flags if f.get("affects_class") for acc in f["accounts"]}


def handles_of(a: Analysis, accounts: pa.Table | None = None) -> dict[str, str | None]:
    """Account id -> handle, from the account profiles and the advocates table."""
    out: dict[str, str | None] = {}
    if accounts is not None and accounts.num_rows and "handle" in accounts.column_names:
        out.update(zip(accounts.column("id").to_pylist(), accounts.column("handle").to_pylist()))
    if a.advocates.num_rows:
        for acc, h in zip(
            a.advocates.column("account").to_pylist(), a.advocates.column("handle").to_pylist()
        ):
            out[acc] = h or out.get(acc)
    return out


def plot(
    kind: str,
    a: Analysis,
    accounts: pa.Table | None = None,
    *,
    root: str | None = None,
    top: int = 20,
    period: str = "week",
    seed: int = 7,
) -> Figure:
    """The figure ``kind`` (one of :data:`PLOT_KINDS`) of analysis ``a``.

    ``accounts`` (the store's account profiles) adds everyone who is not an advocate to
    ``followers-vs-influence`` and handles to the chain; ``root`` picks the chain (any member;
    default the largest); ``top`` the advocates at the centre of the network.
    """
    if kind == "wom-vs-broadcast":
        return wom_vs_broadcast(a.weekly if period == "week" else a.monthly, period)
    if kind == "cascades":
        return cascade_distributions(a.cascades)
    if kind == "followers-vs-influence":
        return followers_vs_influence(a.advocates, accounts, flagged=flagged_accounts(a))
    if kind == "advocate-network":
        return advocate_network(
            a.exposures,
            a.advocates,
            a.communities,
            top=top,
            attribution=a.attribution,
            seed=seed,
            handles=handles_of(a, accounts),
        )
    if kind == "chain":
        return chain_tree(
            a.cascade_edges, root, cascades=a.cascades, handles=handles_of(a, accounts)
        )
    if kind == "channels":
        return channel_comparison(a.channels)
    raise ValueError(f"unknown plot kind {kind!r}: use one of {', '.join(PLOT_KINDS)}")


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write ``fig`` to ``path``; the suffix (.png, .svg, .pdf) picks the format."""
    path = Path(path)
    metadata = {".png": {"Software": None}, ".svg": {"Date": None}, ".pdf": {"CreationDate": None}}
    fig.savefig(path, dpi=dpi, metadata=metadata.get(path.suffix.lower()))
    return path
