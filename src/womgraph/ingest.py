"""The ingest pipeline: read -> validate -> store, with every rejected record kept.

>>> import tempfile, pathlib
>>> from womgraph.store import open_store
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "e.jsonl").write_text(
...     '{"id":"e1","ts":"2026-03-01T12:00:00Z","type":"post","actor":"brand"}\\n{"id":"e2"}\\n')
>>> with open_store(str(d / "store")) as store:
...     s = ingest(store, [d / "e.jsonl"])
>>> s.inserted, s.rejected, s.exit_code
(1, 1, 3)
"""

from __future__ import annotations

from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from .errors import EXIT_OK, EXIT_REJECTS
from .read import (
    ahead,
    check_source,
    detect_format,
    iter_csv_chunks,
    iter_line_chunks,
    open_source,
    source_name,
)
from .store.base import AddResult, Store
from .validate import REJECTS_SCHEMA, RejectWriter, Validated, Validator

__all__ = ["ingest", "IngestSummary", "SourceSummary", "Progress"]

#: Called with (source name, bytes just read) as the reading goes on.
Progress = Callable[[str, int], None]


@dataclass
class SourceSummary:
    """What happened to the records of one input source."""

    file: str
    kind: str
    format: str
    read: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0


@dataclass
class IngestSummary:
    """What one ingest did, source by source, and where the rejected records went."""

    sources: list[SourceSummary] = field(default_factory=list)
    rejects_path: str | None = None
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    strict: bool = False
    stored: bool = True
    store: str = ""

    def _total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.sources)

    @property
    def read(self) -> int:
        return self._total("read")

    @property
    def inserted(self) -> int:
        return self._total("inserted")

    @property
    def duplicates(self) -> int:
        return self._total("duplicates")

    @property
    def updated(self) -> int:
        return self._total("updated")

    @property
    def rejected(self) -> int:
        return self._total("rejected")

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTS if self.rejected else EXIT_OK

    def to_dict(self) -> dict:
        return {
            "store": self.store,
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "stored": self.stored,
            "strict": self.strict,
            "rejects_path": self.rejects_path,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "sources": [asdict(s) for s in self.sources],
        }


def _chunks(path: str | Path, src: SourceSummary, validator: Validator) -> Iterator[tuple[int, Validated]]:
    """(bytes read, validated chunk) of one source; its format is noted in ``src`` before the
    first one."""
    name = source_name(path)
    with open_source(path) as (stream, head):
        fmt = src.format = detect_format(path, head)
        if fmt == "jsonl":
            for chunk in iter_line_chunks(stream, name):
                yield chunk.nbytes, validator.jsonl(chunk, name)
        else:
            for chunk in iter_csv_chunks(stream, name=name):
                yield chunk.nbytes, validator.csv(chunk, name)


def _all_chunks(
    jobs: Sequence[tuple[str, str | Path, SourceSummary]], validators: dict[str, Validator]
) -> Iterator[tuple[str, SourceSummary, int, Validated]]:
    """(kind, source, bytes read, validated chunk) of every source in turn: one stream, so that
    the first chunk of a source is read and validated while the last one of the source before
    it is stored."""
    for kind, path, src in jobs:
        for nbytes, checked in _chunks(path, src, validators[kind]):
            yield kind, src, nbytes, checked


def _conflict_rejects(conflicts: pa.Table, valid: pa.Table) -> pa.Table:
    """Reject rows for conflicting ids, with the record as it was written."""
    if conflicts.num_rows == 0:
        return REJECTS_SCHEMA.empty_table()
    rows = valid.filter(pc.is_in(valid.column("line"), conflicts.column("line")))
    records = dict(zip(zip(rows.column("src").to_pylist(), rows.column("line").to_pylist()), rows.column("record").to_pylist()))
    out = []
    for c in conflicts.to_pylist():
        out.append(
            {
                "file": c["src"],
                "line": c["line"],
                "reason": "conflict",
                "message": (
                    f"id {c['id']!r} was already read with other content "
                    f"(at {c['stored_src']} line {c['stored_line']}); "
                    "an event that changed needs a new id"
                ),
                "record": (records.get((c["src"], c["line"])) or "").rstrip("\r\n") or None,
            }
        )
    return pa.Table.from_pylist(out, schema=REJECTS_SCHEMA)


def ingest(
    store: Store,
    events: Sequence[str | Path] = (),
    accounts: Sequence[str | Path] = (),
    *,
    strict: bool = False,
    progress: Progress | None = None,
) -> IngestSummary:
    """Validate and store event and account files; return what happened.

    Good records are stored even when others are rejected, unless ``strict`` is set, in which
    case nothing is stored when anything is rejected. Rejected records go to a file in
    ``store.rejects_dir`` (named in the summary).
    """
    for path in [*accounts, *events]:
        check_source(path)  # a missing file fails the run before anything is stored
    summary = IngestSummary(strict=strict, store=store.location)
    writer = RejectWriter(store.rejects_dir)
    held: dict[str, list[tuple[SourceSummary, pa.Table]]] = {"events": [], "accounts": []}
    try:
        jobs = [
            (kind, path, SourceSummary(file=source_name(path), kind=kind, format=""))
            for kind, paths in (("accounts", accounts), ("events", events))
            for path in paths
        ]
        summary.sources.extend(src for _, _, src in jobs)
        # One per kind that comes in (each holds an in-memory DuckDB, ~0.015 s to open).
        validators = {kind: Validator(kind) for kind in dict.fromkeys(kind for kind, _, _ in jobs)}
        try:
            # The next chunk is read and validated while this one is stored; closing stops that
            # work before the validators are closed, whatever happens here.
            with closing(ahead(_all_chunks(jobs, validators))) as chunks:
                for kind, src, nbytes, checked in chunks:
                    if progress:
                        progress(src.file, nbytes)
                    src.read += checked.read
                    src.accepted += checked.valid.num_rows
                    src.rejected += checked.rejects.num_rows
                    writer.write(checked.rejects)
                    if strict:
                        held[kind].append((src, checked.valid))
                        continue
                    result = _store(store, kind, checked.valid)
                    _count(src, result)
                    if result.conflicts.num_rows:
                        writer.write(_conflict_rejects(result.conflicts, checked.valid))
        finally:
            for v in validators.values():
                v.close()
        if strict:
            _store_strict(store, summary, held, writer)
    finally:
        writer.close()
    summary.rejects_path = str(writer.path) if writer.path else None
    summary.rejected_by_reason = dict(writer.by_reason)
    return summary


def _store(store: Store, kind: str, valid: pa.Table) -> AddResult:
    if kind == "events":
        return store.add_events(valid)
    return store.add_accounts(valid)


def _count(src: SourceSummary, result: AddResult) -> None:
    src.inserted += result.inserted
    src.updated += result.updated
    src.duplicates += result.duplicates
    n = result.conflicts.num_rows
    src.rejected += n
    src.accepted -= n


def _store_strict(
    store: Store,
    summary: IngestSummary,
    held: dict[str, list[tuple[SourceSummary, pa.Table]]],
    writer: RejectWriter,
) -> None:
    """All or nothing: look for conflicts first, store only when nothing at all was rejected."""
    events = pa.concat_tables([t for _, t in held["events"]]) if held["events"] else None
    if events is not None and events.num_rows:
        conflicts = store.find_conflicts(events)
        if conflicts.num_rows:
            writer.write(_conflict_rejects(conflicts, events))
            by_file: dict[str, int] = {}
            for f in conflicts.column("src").to_pylist():
                by_file[f] = by_file.get(f, 0) + 1
            for src in summary.sources:
                n = by_file.get(src.file, 0)
                src.rejected += n
                src.accepted -= n
    if writer.count:
        summary.stored = False
        return
    for kind in ("accounts", "events"):
        for src, table in held[kind]:
            _count(src, _store(store, kind, table))
