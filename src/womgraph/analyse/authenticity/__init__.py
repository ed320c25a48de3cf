"""Authenticity detectors: explainable rules that flag inauthentic accounts and activity.

A flag is evidence for a person to review, not a verdict: it names the rule that fired, the
accounts and events behind it, the measured values and a severity. Flagged activity becomes class
``suspicious`` and flagged accounts are never advocates.
"""

from __future__ import annotations

import json
from concurrent.futures import Future

import pyarrow as pa

from ...duck import register, unregister
from ..classify import FLAGS_SCHEMA
from ..frame import Frame
from .examples import collecting
from .engagement import EngagementThresholds, _lockstep_pairs, brand_only_engagement, farm_profile, lockstep_flags
from .referral import referral_flags
from .sponsorship import undisclosed_sponsorship

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


def detect(frame: Frame, pairs: pa.Table | None = None, examples: tuple[str, str] | None = None,
           referral: Future[list[dict]] | None = None) -> tuple[list[dict], pa.Table]:
    """Run every detector over the tallies; return the flags and the hooks (account/event ->
    rule) for classes.

    The lockstep pairs (a, b, shared) are found here unless ``pairs`` gives them (a refresh
    updates the kept ones); either way they are left in the frame as ``ls_pairs``. The example
    events of the flags are left in ``examples``; a refresh gives the kept ones and the new
    events as ``examples`` (see ``Examples.resolve``). ``referral``: the referral flags,
    being found elsewhere (a refresh finds them on a connection of its own, beside the other
    detectors here); they are waited for at the end. Flags are
    numbered ``<rule>-<n>`` in a stable order (rule, then first account), so the same data
    gives the same flag ids.
    """
    t = EngagementThresholds()
    if pairs is None:
        pairs = _lockstep_pairs(frame.con, t)
    register(frame.con, "pairs_in", pairs)
    frame.con.execute("CREATE OR REPLACE TEMP TABLE ls_pairs AS SELECT * FROM pairs_in")
    unregister(frame.con, "pairs_in")
    flags: list[dict] = []
    with collecting(frame, examples):  # the example events of every flag, in one pass at the end
        flags += farm_profile(frame, t)
        flags += lockstep_flags(frame, pairs, t)
        flags += brand_only_engagement(frame, t)
        if referral is None:
            flags += referral_flags(frame)
        flags += undisclosed_sponsorship(frame)
    if referral is not None:
        flags += referral.result()
    flags.sort(key=lambda f: (f["rule"], f["accounts"][0] if f["accounts"] else ""))
    counter: dict[str, int] = {}
    for f in flags:
        counter[f["rule"]] = counter.get(f["rule"], 0) + 1
        f["flag_id"] = f"{f['rule']}-{counter[f['rule']]}"
    hooks = []
    for f in flags:
        if not f["affects_class"]:
            continue
        hooks += [{"account": a, "event": None, "rule": f["rule"]} for a in f["accounts"]]
        hooks += [{"account": None, "event": e, "rule": f["rule"]} for e in f["evidence"].get("events", [])]
    return flags, pa.Table.from_pylist(hooks, schema=FLAGS_SCHEMA)


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
