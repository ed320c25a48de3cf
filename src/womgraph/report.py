"""Assemble the advocacy report from a store: what was ingested, and what the analysis found.

The report is a plain dict (JSON-ready); :mod:`womgraph.render.report` draws it for a terminal.
"""

from __future__ import annotations

from .analyse import SUMMARY_COLUMNS, event_summary
from .store import Store

__all__ = ["build_report"]


def build_report(store: Store) -> dict:
    """The report document for ``store``."""
    events = store.events(SUMMARY_COLUMNS)
    counts = store.counts()
    log = store.ingest_log(limit=1)
    return {
        "store": store.location,
        "counts": counts,
        "summary": event_summary(events),
        "last_ingest": log[0] if log else None,
    }
