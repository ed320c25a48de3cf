"""Keep the latest analysis beside an embedded store, so commands after the first are instant.

Every command (report, advocates, chains, metrics, flags, plot, html) needs the same analysis.
The first one computes it and saves it in ``<store>/cache/<fingerprint>/`` (Arrow tables as
Parquet, the rest as JSON); the next ones load it while the fingerprint still matches. The
fingerprint covers the store's ``data_version`` (bumped by every write that changes events or
accounts, and by ``forget``), the analysis options and the womgraph version, so a stale result
is never served. Only the newest entry is kept. Stores without a ``data_version`` (Neo4j, whose
data other clients may change) are analysed every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, fields
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__
from ..render.formats import to_jsonable
from ..store.base import Store
from .frame import Options
from .pipeline import Analysis, analyse_store

__all__ = ["cached_analysis", "fingerprint"]

_TABLES = ("classes", "attribution", "exposures", "cascades", "cascade_edges", "advocates",
           "communities", "community_health")
_SERIES = ("weekly", "monthly", "channels")  # lists of rows with datetimes: Parquet keeps types
_DOCS = ("flags", "metrics")


def fingerprint(store: Store, options: Options) -> str | None:
    """A key for the store's current data and the options, or None when it cannot be known."""
    version = getattr(store, "data_version", None)
    if version is None:
        return None
    key = json.dumps({"data": version(), "options": asdict(options), "womgraph": __version__},
                     sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _load(folder: Path, options: Options) -> Analysis | None:
    try:
        tables = {name: pq.read_table(folder / f"{name}.parquet") for name in _TABLES}
        series = {
            name: pq.read_table(folder / f"{name}.parquet").to_pylist()
            if (folder / f"{name}.parquet").exists() else []
            for name in _SERIES
        }
        docs = json.loads((folder / "docs.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, pa.ArrowInvalid):
        return None  # missing or damaged: compute again
    return Analysis(**tables, **series, **{k: docs[k] for k in _DOCS}, options=options)


def _save(folder: Path, a: Analysis) -> None:
    """Write the entry to a temporary folder and rename it into place (no half-written cache)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        for name in _TABLES:
            pq.write_table(getattr(a, name), tmp / f"{name}.parquet")
        for name in _SERIES:
            rows = getattr(a, name)
            if rows:  # an empty series has no columns to write; absent means empty
                pq.write_table(pa.Table.from_pylist(rows), tmp / f"{name}.parquet")
        docs = {k: getattr(a, k) for k in _DOCS}  # exact floats: the cache must round-trip
        (tmp / "docs.json").write_text(json.dumps(docs, default=to_jsonable), encoding="utf-8")
        for old in folder.parent.iterdir():  # keep only the newest entry
            if old != tmp:
                shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, folder)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # a cache that cannot be written is no error


def cached_analysis(store: Store, options: Options | None = None) -> Analysis:
    """The analysis of ``store``: from its cache when current, else computed (and cached)."""
    options = options or Options()
    key = fingerprint(store, options)
    cache_dir = getattr(store, "cache_dir", None)
    if key is None or cache_dir is None:
        return analyse_store(store, options)
    folder = Path(cache_dir) / key
    if folder.is_dir():
        hit = _load(folder, options)
        if hit is not None:
            return hit
    a = analyse_store(store, options)
    _save(folder, a)
    return a


assert {f.name for f in fields(Analysis)} == set(_TABLES) | set(_SERIES) | set(_DOCS) | {"options"}
