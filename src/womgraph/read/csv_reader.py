"""Read CSV with a header into chunks of text columns, with the line number and text of every record.

The standard library's C parser does the splitting (quoted fields may span lines); this module
only keeps where each record started and what it said, so a rejected record can be shown as it
was written. Lines that are not valid UTF-8 and records with the wrong number of fields are
returned as reader rejects; the rest of the file is still read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

import pyarrow as pa

__all__ = ["CsvChunk", "iter_csv_chunks", "ROWS_PER_CHUNK"]

ROWS_PER_CHUNK = 200_000


@dataclass
class CsvChunk:
    """Records of one chunk as text columns named by the header, plus reader rejects."""

    header: list[str]
    table: pa.Table  # header columns (string), "line" (int64), "record" (string)
    rejects: list[dict] = field(default_factory=list)  # line, reason, message, record
    nbytes: int = 0


class _Lines:
    """Iterate decoded lines of a binary stream, remembering the raw text of the current record."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.lineno = 0
        self.pending: list[str] = []
        self.bad: list[dict] = []
        self.nbytes = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        while True:
            raw = self.stream.readline()
            if not raw:
                raise StopIteration
            self.lineno += 1
            self.nbytes += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad.append(
                    {
                        "line": self.lineno,
                        "reason": "invalid_utf8",
                        "message": "the line is not valid UTF-8 text",
                        "record": raw.decode("utf-8", "backslashreplace").rstrip("\r\n"),
                    }
                )
                continue
            if self.lineno == 1 and text.startswith("\ufeff"):
                text = text[1:]
            self.pending.append(text)
            return text

    def take(self) -> tuple[int, str]:
        """First line number and text of the record just parsed."""
        text = "".join(self.pending)
        first = self.lineno - max(len(self.pending) - 1, 0)
        self.pending = []
        return first, text.rstrip("\r\n")


def iter_csv_chunks(stream: BinaryIO, rows_per_chunk: int = ROWS_PER_CHUNK) -> Iterator[CsvChunk]:
    """Yield :class:`CsvChunk` objects; the first record is the header.

    >>> import io
    >>> c = next(iter_csv_chunks(io.BytesIO(b"id,ts\\ne1,2026\\n\\"e\\n2\\",x\\nbad\\n")))
    >>> c.table.column("id").to_pylist(), c.table.column("line").to_pylist()
    (['e1', 'e\\n2'], [2, 3])
    >>> c.rejects[0]["reason"], c.rejects[0]["line"]
    ('csv_field_count', 5)
    """
    lines = _Lines(stream)
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
        data = {name: pa.array(col, pa.string()) for name, col in zip(header, cols)}
        data["line"] = pa.array(line_col, pa.int64())
        data["record"] = pa.array(rec_col, pa.string())
        chunk = CsvChunk(header, pa.table(data), rejects + lines.bad, lines.nbytes - sent)
        sent = lines.nbytes
        lines.bad = []
        cols = [[] for _ in header]
        line_col, rec_col, rejects = [], [], []
        return chunk

    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            first, text = lines.take()
            rejects.append(
                {"line": first, "reason": "csv_error", "message": f"broken CSV: {exc}", "record": text}
            )
            continue
        first, text = lines.take()
        if header is None:
            header = [h.strip() for h in row]
            cols = [[] for _ in header]
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
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
        if lines.bad:
            yield CsvChunk([], pa.table({"line": pa.array([], pa.int64())}), lines.bad, lines.nbytes)
        return
    yield flush()
