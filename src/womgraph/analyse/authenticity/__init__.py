"""Authenticity detectors: explainable rules that flag inauthentic accounts and activity.

A flag is evidence for a person to review, not a verdict: it names the rule that fired, the
accounts and events behind it, the measured values and a severity. Flagged activity becomes class
``suspicious`` and flagged accounts are never advocates.
"""

from __future__ import annotations

import json

import pyarrow as pa

from ..classify import FLAGS_SCHEMA
from ..frame import Frame

__all__ = ["detect", "flags_table", "FLAG_TABLE_SCHEMA"]

FLAG_TABLE_SCHEMA = pa.schema(
    [
        ("flag_id", pa.string()),
        ("kind", pa.string()),
        ("rule", pa.string()),
        ("severity", pa.string()),
        ("accounts", pa.list_(pa.string())),
        ("evidence", pa.string()),
    ]
)


def detect(frame: Frame) -> tuple[list[dict], pa.Table]:
    """Run every detector; return the flags and the hooks (account/event -> rule) for classes."""
    flags: list[dict] = []
    return flags, FLAGS_SCHEMA.empty_table()


def flags_table(flags: list[dict]) -> pa.Table:
    """Flags as an Arrow table for write-back (evidence as a JSON string)."""
    return pa.Table.from_pylist(
        [
            {
                "flag_id": f["flag_id"],
                "kind": f["kind"],
                "rule": f["rule"],
                "severity": f["severity"],
                "accounts": list(f["accounts"]),
                "evidence": json.dumps(f["evidence"], default=str),
            }
            for f in flags
        ],
        schema=FLAG_TABLE_SCHEMA,
    )
