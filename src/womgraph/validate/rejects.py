"""Write rejected records where a person can see them: one JSON Lines file per ingest run.

Each line is ``{"file", "line", "reason", "message", "record"}``: where the record was, a reason
code, every problem in plain words, and the record as it was written.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

__all__ = ["RejectWriter"]


class RejectWriter:
    """Append reject tables to ``<folder>/<UTC time>-<pid>.jsonl``, created on first use.

    The time is ``YYYYMMDDTHHMMSSZ``; a second run of the same process within the same second
    gets ``<UTC time>-<pid>-2.jsonl`` (and so on), so every run has a file of its own.

    >>> import tempfile
    >>> w = RejectWriter(Path(tempfile.mkdtemp()))
    >>> w.count, w.path
    (0, None)
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.path: Path | None = None
        self.count = 0
        self.by_reason: dict[str, int] = {}
        self._fh = None

    def write(self, rejects: pa.Table) -> None:
        if rejects.num_rows == 0:
            return
        if self._fh is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            base, n = f"{stamp}-{os.getpid()}", 1
            while self._fh is None:
                self.path = self.folder / (f"{base}.jsonl" if n == 1 else f"{base}-{n}.jsonl")
                try:
                    self._fh = open(self.path, "x", encoding="utf-8")
                except FileExistsError:
                    n += 1
        for row in rejects.to_pylist():
            self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.by_reason[row["reason"]] = self.by_reason.get(row["reason"], 0) + 1
        self._fh.flush()
        self.count += rejects.num_rows

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
