"""Analyses of the stored graph: summaries, classes, attribution, chains, advocates, metrics."""

from .summary import SUMMARY_COLUMNS, event_summary

__all__ = ["event_summary", "SUMMARY_COLUMNS"]
