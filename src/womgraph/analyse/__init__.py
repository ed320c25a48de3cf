"""Analyses of the stored graph: summaries, classes, attribution, chains, advocates, metrics."""

from __future__ import annotations

__all__ = ["event_summary", "SUMMARY_COLUMNS"]


def __getattr__(name: str):
    # Imported on first use: ``womgraph.analyse.frame`` or ``.cache`` should not pay for
    # pyarrow.compute when the summary is not needed.
    if name in __all__:
        from . import summary

        return getattr(summary, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
