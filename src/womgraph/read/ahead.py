"""Work one item ahead: the next chunk is read and validated while the current one is stored.

DuckDB, Arrow and file reads release the GIL, so a background thread that produces the next
item overlaps with what the caller does with the current one. At most one item waits, so memory
grows by one chunk at most.
"""

from __future__ import annotations

import queue
import threading
from typing import Iterator, TypeVar

__all__ = ["ahead"]

T = TypeVar("T")
_DONE = object()


def ahead(items: Iterator[T]) -> Iterator[T]:
    """Yield what ``items`` yields, computing the next item in a background thread.

    An exception raised by ``items`` is raised here, in the caller's thread, where it would have
    been. When the caller stops early (an exception, or ``close()``), the producer is stopped
    and ``items`` closed before this returns, so nothing of it runs afterwards.

    >>> list(ahead(iter(range(3))))
    [0, 1, 2]
    """
    box: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
            else:
                box.put((_DONE, None))
                return
        except BaseException as exc:  # handed to the caller's thread
            box.put((_DONE, exc))
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="womgraph-ahead", daemon=True)
    worker.start()
    try:
        while True:
            item, exc = box.get()
            if exc is not None:
                raise exc
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on put() see the stop
            try:
                box.get(timeout=0.1)
            except queue.Empty:
                pass
        worker.join()
