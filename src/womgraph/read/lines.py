"""Split a byte stream into lines, in large chunks, without a Python loop per line.

Each chunk comes back as an Arrow ``large_binary`` array that points into the chunk's bytes (no
copy) and the 1-based number of its first line. A line keeps its trailing ``\\n`` (and ``\\r``):
the validators strip it. The last line need not end with a newline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator

import numpy as np
import pyarrow as pa

from .sources import READ_ERRORS, read_error

__all__ = ["LineChunk", "iter_line_chunks", "CHUNK_BYTES"]

#: Bytes read per chunk; a line longer than this is still read whole.
CHUNK_BYTES = 64 << 20


@dataclass
class LineChunk:
    """Lines ``first_line`` .. ``first_line + len(lines) - 1`` of a source."""

    lines: pa.LargeBinaryArray
    first_line: int
    nbytes: int


def _split(data, first_line: int) -> LineChunk:
    """The lines of ``data`` (a bytes-like object, kept alive by the chunk), without copying."""
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    starts = np.empty(len(nl) + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = nl + 1
    if starts[-1] == len(buf):  # data ends with a newline: no empty last line
        starts = starts[:-1]
    offsets = np.append(starts, len(buf)).astype(np.int64)
    arr = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(starts), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return LineChunk(arr, first_line, len(buf))


def _fill(stream: BinaryIO, view: memoryview, name: str) -> int:
    """Read into ``view`` until it is full or the stream ends; return how many bytes came."""
    got = 0
    while got < len(view):
        try:
            n = stream.readinto(view[got:])
        except READ_ERRORS as exc:
            raise read_error(name, exc) from exc
        if not n:
            break
        got += n
    return got


def iter_line_chunks(stream: BinaryIO, name: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[LineChunk]:
    """Yield :class:`LineChunk` objects covering every line of ``stream``.

    Each chunk is read into a buffer of its own, after the unfinished line the previous read
    left, and its lines point into that buffer (no copy of the text).

    >>> import io
    >>> [c.lines.to_pylist() for c in iter_line_chunks(io.BytesIO(b"a\\nbb\\n\\nc"), "x", 4)]
    [[b'a\\n'], [b'bb\\n', b'\\n'], [b'c']]
    """
    line = 1
    carry = b""
    while True:
        buf = bytearray(len(carry) + chunk_bytes)
        buf[: len(carry)] = carry
        got = _fill(stream, memoryview(buf)[len(carry) :], name)
        if not got:
            break
        end = len(carry) + got
        cut = buf.rfind(b"\n", 0, end)
        if cut < 0:
            carry = bytes(buf[:end])
            continue
        carry = bytes(buf[cut + 1 : end])
        chunk = _split(memoryview(buf)[: cut + 1], line)
        line += len(chunk.lines)
        yield chunk
    if carry:
        yield _split(carry, line)
