"""Write a generated community: events and accounts (JSON Lines or CSV) and the truth files.

No Python code runs per event: every column becomes an Arrow string array (small per-value
dictionaries are rendered once and gathered with ``take``), JSON lines are joined by Arrow's
``binary_join_element_wise`` with absent fields skipped, and the joined buffer is written as is,
a million events at a time. CSV goes through ``pyarrow.csv``. Absent fields are left out of JSON
lines and empty in CSV. Everything depends only on the generated arrays, so the same seed and
size give byte-identical files.
"""

from __future__ import annotations

import json
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ..schema import EVENT_FIELDS, EVENT_TYPES
from .model import CAMPAIGN, CHANNELS, REASONS, ROLES, SPAN_DAYS, T0_EPOCH, reason_class

__all__ = [
    "Rendered",
    "iso",
    "write_accounts",
    "write_events",
    "write_truth_accounts",
    "write_truth_events",
]

CHUNK = 1_000_000
LANGS = ("en", "de", "fr", "es")
CLIENTS = ("ios", "android", "web")
#: Unknown fields some events carry (kept as properties by the reader).
EXTRA_FIELDS = ("lang", "client")


def iso(seconds: int) -> str:
    """RFC 3339 text of a generator time (seconds after T0).

    >>> iso(0)
    '2026-01-05T00:00:00Z'
    """
    return (datetime.fromtimestamp(T0_EPOCH, UTC) + timedelta(seconds=int(seconds))).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


class Rendered:
    """Per-value strings shared by the writers (account ids, texts, codes, dates)."""

    def __init__(self, account_ids: list[str], texts: list[str], codes: dict[int, str]):
        self.account_ids = account_ids
        self.texts = texts
        self.code_owner = np.array(sorted(codes), dtype=np.int64)
        self.codes = [codes[int(o)] for o in self.code_owner]
        t0 = datetime.fromtimestamp(T0_EPOCH, UTC)
        self.days = [(t0 + timedelta(days=d)).strftime("%Y-%m-%dT") for d in range(SPAN_DAYS + 1)]
        self.tods = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z" for s in range(86400)]

    def code_index(self, owner: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.code_owner, owner)


def _take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]``, null where ``idx`` < 0."""
    return values.take(pa.array(idx, mask=idx < 0))


def _num(values: np.ndarray, mask: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values, mask=mask), pa.string())


def _wrap(prefix: str, arr: pa.Array, suffix: str = "") -> pa.Array:
    return pc.binary_join_element_wise(prefix, arr, suffix, "")


def _frags(key: str, values, quoted: bool = True, safe: bool = False) -> pa.Array:
    """One JSON fragment ``,"key":value`` per possible value (``safe``: no escaping needed)."""
    if not quoted:
        return pa.array([f',"{key}":{v}' for v in values], pa.string())
    if safe:
        return pa.array([f',"{key}":"{v}"' for v in values], pa.string())
    return pa.array([f',"{key}":' + json.dumps(v, ensure_ascii=False) for v in values], pa.string())


def _lines(parts: list) -> memoryview:
    """Join JSON fragments into lines (absent fragments skipped); the bytes of all lines."""
    line = pc.binary_join_element_wise(*parts, "}\n", "", null_handling="skip")
    if isinstance(line, pa.ChunkedArray):
        line = line.combine_chunks()
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int32)[
        line.offset : line.offset + len(line) + 1
    ]
    return memoryview(line.buffers()[2])[offsets[0] : offsets[-1]]


def _csv_bytes(table: pa.Table) -> pa.Buffer:
    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
    return sink.getvalue()


def _write_ordered(fh, render, n: int) -> None:
    """Render chunks of ``n`` rows on two threads (Arrow releases the GIL) and write them in
    order, keeping at most three chunks in memory."""
    starts = list(range(0, n, CHUNK))
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque = deque()
        for lo in starts:
            pending.append(pool.submit(render, lo))
            if len(pending) >= 3:
                fh.write(pending.popleft().result())
        while pending:
            fh.write(pending.popleft().result())


def _event_values(r: Rendered, fmt: str) -> dict[str, pa.Array]:
    """Per-value strings of event fields: JSON fragments, or plain values for CSV."""
    if fmt == "jsonl":
        return {
            "ts_day": pa.array([f',"ts":"{x}' for x in r.days]),
            "ts_tod": pa.array([f'{x}"' for x in r.tods]),
            "type": _frags("type", EVENT_TYPES, safe=True),
            "actor": _frags("actor", r.account_ids, safe=True),
            "target": _frags("target", r.account_ids, safe=True),
            "channel": _frags("channel", CHANNELS, safe=True),
            "text": _frags("text", r.texts),
            "via_code": _frags("via", r.codes),
            "paid": pa.array([',"paid":true']),
            "campaign": _frags("campaign", [CAMPAIGN]),
            "rating": _frags("rating", [str(i) for i in range(6)], quoted=False),
            "lang": _frags("lang", LANGS),
            "client": _frags("client", CLIENTS),
        }
    return {
        "ts_day": pa.array(r.days),
        "ts_tod": pa.array(r.tods),
        "type": pa.array(EVENT_TYPES),
        "actor": pa.array(r.account_ids),
        "target": pa.array(r.account_ids),
        "channel": pa.array(CHANNELS),
        "text": pa.array(r.texts),
        "via_code": pa.array(r.codes),
        "campaign": pa.array([CAMPAIGN]),
        "lang": pa.array(LANGS),
        "client": pa.array(CLIENTS),
    }


def write_events(path: Path, ev: dict, extra: dict, r: Rendered, fmt: str) -> None:
    """Write events as JSON Lines (absent fields left out) or CSV (absent fields empty).

    Parameters
    ----------
    path : Path
    ev : dict of ndarray
        Event columns (:data:`~womgraph.generate.frame.COLUMNS`).
    extra : dict of ndarray
        Codes of the unknown extra fields (:data:`EXTRA_FIELDS`), -1 when absent.
    r : Rendered
        Account ids, texts, codes and date strings.
    fmt : {"jsonl", "csv"}
    """
    d = _event_values(r, fmt)

    def render(lo: int):
        c = {k: v[lo : lo + CHUNK] for k, v in ev.items()}
        x = {k: v[lo : lo + CHUNK] for k, v in extra.items()}
        ts = c["ts"]
        code_idx = np.where(c["via_kind"] == 2, r.code_index(c["via_ref"]), -1)
        cols = {
            "eid": _num(c["eid"], None),
            "day": _take(d["ts_day"], ts // 86400),
            "tod": _take(d["ts_tod"], ts % 86400),
            "type": _take(d["type"], c["type"].astype(np.int64)),
            "actor": _take(d["actor"], c["actor"].astype(np.int64)),
            "target": _take(d["target"], c["target"].astype(np.int64)),
            "post": _num(c["post"], c["post"] < 0),
            "parent": _num(c["parent"], c["parent"] < 0),
            "channel": _take(d["channel"], c["channel"].astype(np.int64)),
            "text": _take(d["text"], c["text"].astype(np.int64)),
            "value": _num(c["value"], np.isnan(c["value"])),
            "via_e": _num(c["via_ref"], c["via_kind"] != 1),
            "via_c": _take(d["via_code"], code_idx),
            "campaign": _take(d["campaign"], c["campaign"].astype(np.int64)),
            "lang": _take(d["lang"], x["lang"].astype(np.int64)),
            "client": _take(d["client"], x["client"].astype(np.int64)),
        }
        if fmt == "jsonl":
            rating = np.where(c["rating"] > 0, c["rating"], -1).astype(np.int64)
            return _lines(
                [
                    _wrap('{"id":"e', cols["eid"], '"'),
                    cols["day"],
                    cols["tod"],
                    cols["type"],
                    cols["actor"],
                    cols["target"],
                    _wrap(',"post":"p', cols["post"], '"'),
                    _wrap(',"parent":"p', cols["parent"], '"'),
                    cols["channel"],
                    cols["text"],
                    _wrap(',"value":', cols["value"]),
                    _wrap(',"via":"e', cols["via_e"], '"'),
                    cols["via_c"],
                    _take(d["paid"], np.where(c["paid"], 0, -1)),
                    cols["campaign"],
                    _take(d["rating"], rating),
                    cols["lang"],
                    cols["client"],
                ]
            )
        table = pa.table(
            {
                "id": _wrap("e", cols["eid"]),
                "ts": pc.binary_join_element_wise(cols["day"], cols["tod"], ""),
                "type": cols["type"],
                "actor": cols["actor"],
                "target": cols["target"],
                "post": _wrap("p", cols["post"]),
                "parent": _wrap("p", cols["parent"]),
                "channel": cols["channel"],
                "text": cols["text"],
                "value": pa.array(c["value"], mask=np.isnan(c["value"])),
                "via": pc.coalesce(_wrap("e", cols["via_e"]), cols["via_c"]),
                "paid": pa.array(c["paid"], mask=~c["paid"]),
                "campaign": cols["campaign"],
                "rating": pa.array(c["rating"], mask=c["rating"] <= 0),
                "lang": cols["lang"],
                "client": cols["client"],
            }
        )
        return _csv_bytes(table)

    with open(path, "wb") as fh:
        if fmt == "csv":
            fh.write((",".join(EVENT_FIELDS + EXTRA_FIELDS) + "\n").encode())
        _write_ordered(fh, render, len(ev["eid"]))


def write_accounts(path: Path, acc: dict[str, np.ndarray | list], fmt: str) -> None:
    """Write accounts; ``acc`` maps field name -> values (None / -1 / "" for absent)."""
    names = list(acc)
    arrays = {}
    for k in names:
        v = acc[k]
        if isinstance(v, np.ndarray) and v.dtype.kind in "iu":
            arrays[k] = pa.array(v, mask=v < 0)
        else:
            arrays[k] = pa.array([x if x else None for x in v], pa.string())
    table = pa.table(arrays)
    if fmt == "csv":
        with open(path, "wb") as fh:
            fh.write((",".join(names) + "\n").encode())
            pcsv.write_csv(
                table, fh, pcsv.WriteOptions(include_header=False, quoting_style="needed")
            )
        return
    parts = []
    for i, k in enumerate(names):
        arr = table.column(k).combine_chunks()
        lead = "{" if i == 0 else ","
        if pa.types.is_string(arr.type):
            esc = pc.replace_substring(pc.replace_substring(arr, "\\", "\\\\"), '"', '\\"')
            parts.append(_wrap(f'{lead}"{k}":"', esc, '"'))
        else:
            parts.append(_wrap(f'{lead}"{k}":', pc.cast(arr, pa.string())))
    with open(path, "wb") as fh:
        fh.write(_lines(parts))


def write_truth_events(path: Path, eid: np.ndarray, reason: np.ndarray) -> None:
    """``id,class,reason`` for every event."""
    reasons = pa.array(REASONS)
    classes = pa.array([reason_class(x) for x in REASONS])

    def render(lo: int) -> pa.Buffer:
        rr = reason[lo : lo + CHUNK].astype(np.int64)
        return _csv_bytes(
            pa.table(
                {
                    "id": _wrap("e", _num(eid[lo : lo + CHUNK], None)),
                    "class": _take(classes, rr),
                    "reason": _take(reasons, rr),
                }
            )
        )

    with open(path, "wb") as fh:
        fh.write(b"id,class,reason\n")
        _write_ordered(fh, render, len(eid))


def write_truth_accounts(
    path: Path,
    ids: list[str],
    role: np.ndarray,
    kind: list[str],
    is_adv: np.ndarray,
    direct: np.ndarray,
    total: np.ndarray,
) -> None:
    """``id,role,kind,is_advocate,conversions_direct,conversions_total`` for every account."""
    table = pa.table(
        {
            "id": pa.array(ids),
            "role": _take(pa.array(ROLES), role.astype(np.int64)),
            "kind": pa.array(kind),
            "is_advocate": pa.array(is_adv),
            "conversions_direct": pa.array(direct),
            "conversions_total": pa.array(total),
        }
    )
    with open(path, "wb") as fh:
        fh.write(b"id,role,kind,is_advocate,conversions_direct,conversions_total\n")
        pcsv.write_csv(table, fh, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
