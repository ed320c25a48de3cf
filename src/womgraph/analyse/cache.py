"""Keep the latest analysis beside an embedded store, so commands after the first are instant.

Every command (report, advocates, chains, metrics, flags, plot, html) needs the same analysis.
The first one computes it and saves it in ``<store>/cache/<fingerprint>/`` (Arrow tables as
Parquet, the rest as JSON); the next ones load it while the fingerprint still matches. The
fingerprint covers the store's ``data_version`` (bumped by every write that changes events or
accounts, and by ``forget``), the analysis options, the womgraph version and a hash of the
analysis code itself (:func:`code_stamp`), so a stale result is never served. Only the newest entry is kept. Stores without a ``data_version`` (Neo4j, whose
data other clients may change) are analysed every time.

A cache hit reads only what the command uses: the entry's files are opened (and their Parquet
footers checked) when the analysis is loaded, and each table is read the first time it is
asked for, so ``advocates`` reads the advocates table and not the class of every event. The
files stay open from then on, so they stay readable if another process replaces the entry
meanwhile. The report's counts of the stored events (:func:`cached_event_summary`) are kept in
the same entry once computed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import dataclasses
from dataclasses import asdict, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import WomgraphError
from .frame import Options
from .result import Analysis, chain_rows_from_files, table_rows
from .state import STATE_FILE, STATE_PARTS, read_part

if TYPE_CHECKING:
    from ..store.base import Store

__all__ = ["cached_analysis", "cached_event_summary", "fingerprint"]

log = logging.getLogger(__name__)

_TABLES = ("cascades", "cascade_edges", "advocates", "communities",
           "community_health")
_SERIES = ("weekly", "monthly", "channels")  # lists of rows with datetimes: Parquet keeps types
_DOCS = ("flags", "metrics")
_SUMMARY = "summary.json"


_CODE: list[str] = []


def code_stamp() -> str:
    """A hash of the analysis' own source (``womgraph/analyse``), so that results computed by
    other code (an upgrade or a checkout of the same version number) are never served. About
    100 KB of text: well under a millisecond."""
    if not _CODE:
        h = hashlib.sha256()
        root = Path(__file__).resolve().parent
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
        _CODE.append(h.hexdigest()[:16])
    return _CODE[0]


def fingerprint(store: Store, options: Options) -> str | None:
    """A key for the store's current data, the options and the code, or None when it cannot be
    known."""
    from .. import __version__

    version = getattr(store, "data_version", None)
    if version is None:
        return None
    key = json.dumps({"data": version(), "options": asdict(options), "womgraph": __version__,
                      "code": code_stamp()}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _entry_folder(store: Store, options: Options) -> Path | None:
    """Where the entry for the store's current data and ``options`` lives (None: no cache)."""
    cache_dir = getattr(store, "cache_dir", None)
    if cache_dir is None:
        return None
    key = fingerprint(store, options)
    return None if key is None else Path(cache_dir) / key


class _Entry:
    """The open files of one cache entry; each part is read on first use."""

    def __init__(self, folder: Path, store: Store) -> None:
        self.folder = folder
        # The class of every event, the exposures and the attribution are read from the
        # entry's state, with the store's events: through the store while it is open, else
        # opening its file.
        self.store = store
        self.files = {name: pq.ParquetFile(folder / f"{name}.parquet")
                      for name in _TABLES}
        for name in _SERIES:  # absent means empty
            path = folder / f"{name}.parquet"
            if path.exists():
                self.files[name] = pq.ParquetFile(path)
        self.docs_text = (folder / "docs.json").read_text(encoding="utf-8")
        self._docs: dict | None = None
        if not (folder / STATE_FILE).is_file():
            raise OSError(f"no {STATE_FILE} in {folder}")

    def load(self, name: str) -> Any:
        if name in STATE_PARTS:
            return self._load_state(name)
        try:
            if name in _DOCS:
                if self._docs is None:
                    self._docs = json.loads(self.docs_text)
                return self._docs[name]
            if name in _SERIES:
                return table_rows(self.files[name].read()) if name in self.files else []
            return self.files[name].read()
        except (OSError, ValueError, KeyError, pa.ArrowInvalid) as exc:
            shutil.rmtree(self.folder, ignore_errors=True)  # the next command computes it again
            raise WomgraphError(
                f"The cached analysis in {self.folder} is damaged ({exc}); it was removed, "
                "run the command again."
            ) from None


    def _load_state(self, name: str) -> pa.Table:
        import duckdb

        path = self.folder / STATE_FILE
        try:
            return read_state_part(self.store, path, name)
        except (duckdb.Error, OSError) as exc:
            if not path.exists():  # taken by a refresh after new data came in
                raise WomgraphError(
                    "The store changed while this command ran (its cached analysis was "
                    "replaced); run the command again."
                ) from None
            shutil.rmtree(self.folder, ignore_errors=True)
            raise WomgraphError(
                f"The cached analysis in {self.folder} is damaged ({exc}); it was removed, "
                "run the command again."
            ) from None


def read_state_part(store: Store, path: Path, name: str) -> pa.Table:
    """Part ``name`` (classes, exposures, attribution) of the state at ``path`` of ``store``'s analysis."""
    import duckdb

    if not getattr(store, "closed", True):
        con = store.cursor()
    else:  # the store was closed since: open its file for this read
        from ..store.embedded import DB_FILE

        con = duckdb.connect(str(Path(store.path) / DB_FILE), read_only=True)
    try:
        from ..duck import configure

        configure(con)  # settings of each connection: UTC as the analysis has it, no progress bar
        return read_part(con, path, name)
    finally:
        con.close()


class CachedAnalysis(Analysis):
    """An :class:`Analysis` whose tables and documents are read from the cache when first used.

    Made by :func:`cached_analysis`. ``dataclasses.replace`` on it reads every part and gives an
    instance that holds them all (as ``--redact`` does).
    """

    @classmethod
    def open(cls, folder: Path, options: Options, store: Store) -> "CachedAnalysis":
        a = cls.__new__(cls)
        a._entry = _Entry(folder, store)
        a.options = options
        return a

    def chains(self, *, min_size: int = 2, top: int | None = None) -> list[dict]:
        if "cascades" in self.__dict__ or "cascade_edges" in self.__dict__ or "_entry" not in self.__dict__:
            return super().chains(min_size=min_size, top=top)  # tables already read (or replaced)
        import duckdb

        folder = self._entry.folder
        try:  # DuckDB reads the files: no Arrow hand-over, which would import pandas
            return chain_rows_from_files(folder / "cascades.parquet", folder / "cascade_edges.parquet",
                                         min_size=min_size, top=top)
        except duckdb.Error:  # the entry was replaced meanwhile: the open files still hold it
            return super().chains(min_size=min_size, top=top)

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes not set yet: the parts of the analysis not read so far.
        if name in _PARTS and "_entry" in self.__dict__:
            value = self._entry.load(name)
            setattr(self, name, value)
            return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _load(folder: Path, options: Options, store: Store) -> Analysis | None:
    try:
        return CachedAnalysis.open(folder, options, store)
    except (OSError, ValueError, pa.ArrowInvalid):
        return None  # missing or damaged: compute again


#: A temporary folder older than this is left over from a process that died: it may go.
_STALE_SECONDS = 3600.0


def _in_progress(path: Path) -> bool:
    """A temporary folder another analysis may still be writing into (it lives as long as the
    analysis runs, since the classes are written there directly)."""
    if not path.name.startswith(".tmp-"):
        return False
    try:
        return time.time() - path.stat().st_mtime < _STALE_SECONDS
    except OSError:
        return False


def _new_tmp(folder: Path) -> Path:
    """A temporary folder beside the entry ``folder``, renamed into place when complete."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))


def _save(folder: Path, a: Analysis, tmp: Path) -> bool:
    """Write the entry to a temporary folder and rename it into place (no half-written cache).

    ``tmp`` holds the state the analysis saved (the class of every event, the exposures among
    them and the attribution). False when the cache cannot be written (no error: the results are still
    there); ``tmp`` is then left for the caller to read and remove."""
    from ..render.formats import to_jsonable

    try:
        for name in _TABLES:  # uncompressed, plain: 2.5x faster to write at 10M events (55 -> 22 ms)
            pq.write_table(getattr(a, name), tmp / f"{name}.parquet", compression="none", use_dictionary=False)
        for name in _SERIES:
            rows = getattr(a, name)
            if rows:  # an empty series has no columns to write; absent means empty
                pq.write_table(pa.Table.from_pylist(rows), tmp / f"{name}.parquet")
        docs = {k: getattr(a, k) for k in _DOCS}  # exact floats: the cache must round-trip
        (tmp / "docs.json").write_text(json.dumps(docs, default=to_jsonable), encoding="utf-8")
        for old in folder.parent.iterdir():  # keep only the newest data's entry
            if old not in (tmp, folder) and not _in_progress(old):
                shutil.rmtree(old, ignore_errors=True)
        if not folder.exists():
            try:
                os.replace(tmp, folder)
                return True
            except OSError:
                if not folder.exists():
                    raise
        # Another process saved the same analysis first: its entry stays (its readers keep
        # their files), this one goes.
        shutil.rmtree(tmp, ignore_errors=True)
        return True
    except OSError:
        return False


def _key(options: Options) -> dict:
    """What a kept state must have been computed with to be refreshed."""
    from .. import __version__

    return {"options": asdict(options), "womgraph": __version__, "code": code_stamp()}


def _previous_state(folder: Path) -> Path | None:
    """The state of the newest complete entry beside ``folder`` (of older data)."""
    try:
        entries = [p for p in folder.parent.iterdir() if p != folder and not p.name.startswith(".")]
    except OSError:
        return None
    states = [p / STATE_FILE for p in entries if (p / STATE_FILE).is_file()]
    return max(states, key=lambda p: p.stat().st_mtime, default=None)


def _compute(store: Store, options: Options, folder: Path, tmp: Path) -> Analysis:
    """The analysis, saving its state in ``tmp``: a refresh of the previous entry's state when
    that is possible (``analyse.incremental``), else the whole analysis."""
    from ..settings import incremental_enabled
    from .pipeline import analyse_store  # the analysis steps, imported only when they run

    state = tmp / STATE_FILE
    previous = _previous_state(folder)
    if previous is not None and incremental_enabled():
        try:
            os.replace(previous, state)  # taken: the old entry is stale, and removed on save
        except OSError:
            pass
        else:
            from .incremental import refresh

            summary: dict = {}
            try:
                a = refresh(store, state, options, _key(options), summary)
            except Exception as exc:  # noqa: BLE001 - whatever went wrong, the full run is right
                log.warning(
                    "refreshing the analysis failed (%s: %s); analysing every event", type(exc).__name__, exc
                )
                a = None
            if a is not None:
                _write_summary(tmp, summary)  # the report's counts, from the analysis' own
                return a
            for leftover in (state, state.with_name(STATE_FILE + ".wal")):
                leftover.unlink(missing_ok=True)
    summary = {}
    a = analyse_store(store, options, state_to=state, state_meta={"key": _key(options)}, summary_to=summary)
    _write_summary(tmp, summary)
    return a


def cached_analysis(store: Store, options: Options | None = None) -> Analysis:
    """The analysis of ``store``: from its cache when current, else computed (and cached)."""
    options = options or Options()
    folder = _entry_folder(store, options)
    if folder is not None and folder.is_dir():
        hit = _load(folder, options, store)
        if hit is not None:
            return hit
        shutil.rmtree(folder, ignore_errors=True)  # damaged or incomplete: computed again below
    if folder is None:
        from .pipeline import analyse_store

        return analyse_store(store, options)
    try:
        tmp = _new_tmp(folder)
    except OSError:  # a store folder we may not write to: analyse without caching
        from .pipeline import analyse_store

        return analyse_store(store, options)
    try:
        a = _compute(store, options, folder, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not _save(folder, a, tmp):  # cannot keep the entry: read what is in the state first
        try:
            return dataclasses.replace(
                a, **{name: read_state_part(store, tmp / STATE_FILE, name) for name in STATE_PARTS}
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    hit = _load(folder, options, store)
    if hit is None:  # removed by another process meanwhile (a newer write): compute in memory
        from .pipeline import analyse_store

        return analyse_store(store, options)
    for name in _PARTS - set(STATE_PARTS):  # already in memory: no need to read them back
        setattr(hit, name, getattr(a, name))
    return hit


# -- the report's summary of the stored events ---------------------------------------------------
def _utc():
    """The tzinfo pyarrow gives UTC timestamps (so a cached summary equals a computed one)."""
    return pa.lib.string_to_tzinfo("UTC")


def _read_summary(path: Path) -> dict | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for k in ("first", "last"):
            if doc[k] is not None:
                doc[k] = datetime.fromisoformat(doc[k]).astimezone(_utc())
        return doc
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_summary(folder: Path, summary: dict) -> None:
    doc = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in summary.items()}
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(tmp, folder / _SUMMARY)
    except OSError:
        pass  # the entry was replaced meanwhile, or cannot be written: no error


def cached_event_summary(store: Store, options: Options | None = None) -> dict:
    """:func:`~womgraph.analyse.summary.event_summary` of the stored events.

    Kept in the current cache entry (for ``options``) once computed, so a report served from
    the cache does not read every event again. Without a current entry it is computed.
    """
    from .summary import SUMMARY_COLUMNS, event_summary, stored_event_summary

    folder = _entry_folder(store, options or Options())
    if folder is not None:
        hit = _read_summary(folder / _SUMMARY)
        if hit is not None:
            return hit
    cursor = getattr(store, "cursor", None)  # the embedded store: count where the events are
    if cursor is not None:
        con = cursor()
        try:
            summary = stored_event_summary(con)
        finally:
            con.close()
    else:
        summary = event_summary(store.events(SUMMARY_COLUMNS))
    if folder is not None and folder.is_dir():
        _write_summary(folder, summary)
    return summary


_PARTS = frozenset(_TABLES) | frozenset(_SERIES) | frozenset(_DOCS) | frozenset(STATE_PARTS)
assert {f.name for f in fields(Analysis)} == _PARTS | {"options"}
