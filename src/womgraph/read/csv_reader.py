"""Read CSV with a header into chunks of text columns, with the line number and text of every record.

The standard library's C parser does the splitting (quoted fields may span lines, a field may be
of any size); this module only keeps where each record started and what it said, so a rejected
record can be shown as it was written. Records holding bytes that are not valid UTF-8 and records
with the wrong number of fields are returned as reader rejects; the rest of the file is still read
(a line with bad bytes is parsed with those bytes replaced, so a quoted field that spans it still
ends where it should and the records after it are read as usual). Blank lines
are skipped, also before the header. Columns are stored by position (``c0``, ``c1``, ...) so that
any header, even one with repeated or empty names, can be checked by the validator.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

import pyarrow as pa

from ..errors import InputError
from .sources import READ_ERRORS, read_error

__all__ = ["CsvChunk", "iter_csv_chunks", "column_name", "ROWS_PER_CHUNK"]

ROWS_PER_CHUNK = 200_000


@dataclass
class CsvChunk:
    """Records of one chunk as text columns named by the header, plus reader rejects."""

    header: list[str]
    table: pa.Table  # "c0".."c<n-1>" (string, one per header column), "line" (int64), "record" (string)
    rejects: list[dict] = field(default_factory=list)  # line, reason, message, record
    nbytes: int = 0

    def values(self, name: str) -> list[str]:
        """The cells of the first column called ``name`` (for tests and debugging)."""
        return self.table.column(column_name(self.header.index(name))).to_pylist()


def column_name(position: int) -> str:
    """The name of the chunk column that holds header column ``position`` (0-based)."""
    return f"c{position}"


class _Lines:
    """Iterate decoded lines of a binary stream, remembering the raw text of the current record.

    A line that is not valid UTF-8 is handed to the parser with its bad bytes replaced (quotes and
    commas are ASCII, so the record keeps its shape) and marks the record it belongs to as bad.
    """

    def __init__(self, stream: BinaryIO, name: str):
        self.stream = stream
        self.name = name
        self.lineno = 0
        self.pending: list[bytes] = []
        self.bad = False
        self.nbytes = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        try:
            raw = self.stream.readline()
        except READ_ERRORS as exc:
            raise read_error(self.name, exc) from exc
        if not raw:
            raise StopIteration
        self.lineno += 1
        self.nbytes += len(raw)
        if self.lineno == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        self.pending.append(raw)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.bad = True
            return raw.decode("utf-8", "replace")

    def take(self) -> tuple[int, str, bool]:
        """First line number, text, and whether it held bytes that are not UTF-8, of the record
        just parsed (bad bytes are shown as ``\\xNN``)."""
        first = self.lineno - max(len(self.pending) - 1, 0)
        text = b"".join(self.pending).decode("utf-8", "backslashreplace")
        bad, self.pending, self.bad = self.bad, [], False
        return first, text.rstrip("\r\n"), bad


_BOM = b"\xef\xbb\xbf"


def _allow_large_fields() -> None:
    """Let a field be as large as a line of JSON may be (the default limit is 128 KiB)."""
    limit = sys.maxsize
    while csv.field_size_limit() < limit:
        try:
            csv.field_size_limit(limit)
        except OverflowError:  # pragma: no cover - platforms whose C long is 32 bits
            limit //= 2


def iter_csv_chunks(
    stream: BinaryIO, rows_per_chunk: int = ROWS_PER_CHUNK, *, name: str = "<csv>"
) -> Iterator[CsvChunk]:
    """Yield :class:`CsvChunk` objects; the first non-blank record is the header.

    ``name`` names the source in errors: a stream that breaks while being read (a cut gzip
    file) or a header that is not valid CSV raise :class:`~womgraph.errors.InputError`.

    >>> import io
    >>> c = next(iter_csv_chunks(io.BytesIO(b"id,ts\\ne1,2026\\n\\"e\\n2\\",x\\nbad\\n")))
    >>> c.values("id"), c.table.column("line").to_pylist()
    (['e1', 'e\\n2'], [2, 3])
    >>> c.rejects[0]["reason"], c.rejects[0]["line"]
    ('csv_field_count', 5)
    """
    _allow_large_fields()
    lines = _Lines(stream, name)
    reader = csv.reader(lines, strict=True)
    header: list[str] | None = None
    cols: list[list[str]] = []
    line_col: list[int] = []
    rec_col: list[str] = []
    rejects: list[dict] = []
    sent = 0

    def flush() -> CsvChunk:
        nonlocal cols, line_col, rec_col, rejects, sent
        assert header is not None
        data = {column_name(i): pa.array(col, pa.string()) for i, col in enumerate(cols)}
        data["line"] = pa.array(line_col, pa.int64())
        data["record"] = pa.array(rec_col, pa.string())
        chunk = CsvChunk(header, pa.table(data), rejects, lines.nbytes - sent)
        sent = lines.nbytes
        cols = [[] for _ in header]
        line_col, rec_col, rejects = [], [], []
        return chunk

    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            first, text, bad = lines.take()
            if header is None:
                if bad:
                    raise _bad_header_bytes(name, first) from exc
                raise InputError(
                    f"Cannot read {name}: its header (line {first}) is not valid CSV ({exc}). "
                    "Fix the header line."
                ) from exc
            rejects.append(_utf8_reject(first, text) if bad else
                           {"line": first, "reason": "csv_error", "message": f"broken CSV: {exc}",
                            "record": text})
            continue
        first, text, bad = lines.take()
        blank = not row or (len(row) == 1 and not row[0].strip())
        if header is None:
            if bad:
                raise _bad_header_bytes(name, first)
            if blank:
                continue  # blank lines before the header
            header = [h.strip() for h in row]
            cols = [[] for _ in header]
            continue
        if bad:
            rejects.append(_utf8_reject(first, text))
            continue
        if blank:
            continue
        if len(row) != len(header):
            rejects.append(
                {
                    "line": first,
                    "reason": "csv_field_count",
                    "message": f"the record has {len(row)} fields, the header has {len(header)}",
                    "record": text,
                }
            )
            continue
        for col, value in zip(cols, row):
            col.append(value)
        line_col.append(first)
        rec_col.append(text)
        if len(line_col) >= rows_per_chunk:
            yield flush()
    if header is None:
        return
    yield flush()


def _utf8_reject(line: int, text: str) -> dict:
    return {"line": line, "reason": "invalid_utf8", "message": "the line is not valid UTF-8 text",
            "record": text}


def _bad_header_bytes(name: str, line: int) -> InputError:
    return InputError(
        f"Cannot read {name}: its header (line {line}) is not valid UTF-8 text. "
        "Save the file as UTF-8."
    )
