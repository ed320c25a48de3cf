"""Open an input source (a path, ``-`` for stdin, optionally gzip-compressed) and tell its format.

>>> detect_format("events.jsonl.gz"), detect_format("accounts.CSV"), detect_format("x.ndjson")
('jsonl', 'csv', 'jsonl')
"""

from __future__ import annotations

import gzip
import io
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import InputError

__all__ = ["open_source", "detect_format", "source_name", "FORMATS"]

FORMATS = ("jsonl", "csv")
_GZIP_MAGIC = b"\x1f\x8b"
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}


def source_name(path: str | Path) -> str:
    """The name rejects and messages use for a source."""
    return "<stdin>" if str(path) == "-" else str(path)


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


@contextmanager
def open_source(path: str | Path) -> Iterator[tuple[BinaryIO, bytes]]:
    """Yield a binary stream of the decompressed content and its first bytes (for sniffing).

    Gzip is recognised by its magic number, whatever the file is called.
    """
    name = source_name(path)
    if str(path) == "-":
        raw: BinaryIO = sys.stdin.buffer
        close = False
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(f"Cannot read {name}: no such file. Check the path.")
        if p.is_dir():
            raise InputError(f"Cannot read {name}: it is a folder. Name the files inside it.")
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
            except (OSError, EOFError) as exc:
                raise InputError(f"Cannot read {name}: broken gzip data ({exc}).") from exc
        yield stream, head
    finally:
        if close:
            raw.close()
