"""Open an input source (a path, ``-`` for stdin, optionally gzip-compressed) and tell its format.

>>> detect_format("events.jsonl.gz"), detect_format("accounts.CSV"), detect_format("x.ndjson")
('jsonl', 'csv', 'jsonl')
"""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import InputError

__all__ = [
    "open_source",
    "check_source",
    "detect_format",
    "source_name",
    "read_error",
    "FORMATS",
    "READ_ERRORS",
]

FORMATS = ("jsonl", "csv")
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"

#: What reading a (possibly gzip-compressed) stream can raise when its bytes are broken.
READ_ERRORS = (OSError, EOFError, zlib.error, gzip.BadGzipFile)
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}


def source_name(path: str | Path) -> str:
    """The name rejects and messages use for a source."""
    return "<stdin>" if str(path) == "-" else str(path)


def read_error(name: str, exc: BaseException) -> InputError:
    """The :class:`InputError` for a stream that broke while being read (usually a cut gzip file).

    >>> str(read_error("x.gz", EOFError("Compressed file ended before the end-of-stream marker was reached")))
    'Cannot read x.gz: Compressed file ended before the end-of-stream marker was reached. Is the gzip file complete?'
    """
    detail = str(exc).rstrip(".") or type(exc).__name__
    return InputError(f"Cannot read {name}: {detail}. Is the gzip file complete?")


def detect_format(path: str | Path, head: bytes = b"") -> str:
    """``jsonl`` or ``csv``, from the file name (``.gz`` ignored), else from the first bytes."""
    name = str(path).lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for suffix, fmt in _SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "jsonl"
    if stripped:
        return "csv"
    return "jsonl"


def check_source(path: str | Path) -> Path:
    """The path of a source that exists and is a file, else :class:`InputError` (``-`` passes).

    >>> check_source("/no/such/file.jsonl")
    Traceback (most recent call last):
    ...
    womgraph.errors.InputError: Cannot read /no/such/file.jsonl: no such file. Check the path.
    """
    name = source_name(path)
    p = Path(path)
    if str(path) == "-":
        return p
    if not p.exists():
        raise InputError(f"Cannot read {name}: no such file. Check the path.")
    if p.is_dir():
        raise InputError(f"Cannot read {name}: it is a folder. Name the files inside it.")
    return p


@contextmanager
def open_source(path: str | Path) -> Iterator[tuple[BinaryIO, bytes]]:
    """Yield a binary stream of the decompressed content and its first bytes (for sniffing).

    Gzip is recognised by its magic number, whatever the file is called. A UTF-8 byte order
    mark at the start of the content is skipped.
    """
    name = source_name(path)
    if str(path) == "-":
        raw: BinaryIO = sys.stdin.buffer
        close = False
    else:
        p = check_source(path)
        try:
            raw = open(p, "rb")
        except OSError as exc:
            raise InputError(f"Cannot read {name}: {exc.strerror}.") from exc
        close = True
    try:
        buffered = io.BufferedReader(raw, buffer_size=1 << 20) if not hasattr(raw, "peek") else raw
        head = buffered.peek(4096)[:4096]
        stream: BinaryIO = buffered
        if head[:2] == _GZIP_MAGIC:
            stream = gzip.GzipFile(fileobj=buffered, mode="rb")
            try:
                head = stream.peek(4096)[:4096]
            except READ_ERRORS as exc:
                raise read_error(name, exc) from exc
        if head.startswith(_BOM):
            stream.read(len(_BOM))
            head = head[len(_BOM) :]
        yield stream, head
    finally:
        if close:
            raw.close()
