"""Render analysis results for people: formats, the terminal report, plots and exports."""

from .formats import FORMATS, dumps, emit, emit_document, to_jsonable

__all__ = ["FORMATS", "emit", "emit_document", "dumps", "to_jsonable"]
