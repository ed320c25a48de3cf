"""``ahead``: the next chunk is produced in a background thread, nothing is lost or reordered,
errors arrive where they would have, and stopping early stops the producer."""

from __future__ import annotations

import threading

import pytest

from womgraph.read import ahead


def test_items_arrive_in_order():
    assert list(ahead(iter(range(1000)))) == list(range(1000))


def test_an_error_of_the_producer_is_raised_in_the_caller_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("broken at 3")

    got = []
    with pytest.raises(ValueError, match="broken at 3"):
        for x in ahead(items()):
            got.append(x)
    assert got == [1, 2]


def test_at_most_one_item_is_produced_ahead():
    produced = []

    def items():
        for i in range(10):
            produced.append(i)
            yield i

    it = ahead(items())
    assert next(it) == 0
    # the producer may have made item 1 (waiting in the queue) and be blocked handing over 2
    threading.Event().wait(0.3)
    assert len(produced) <= 3
    it.close()


def test_stopping_early_closes_the_source_before_returning():
    closed = threading.Event()

    def items():
        try:
            for i in range(100):
                yield i
        finally:
            closed.set()

    it = ahead(items())
    assert next(it) == 0
    it.close()
    assert closed.is_set()


def test_an_error_in_the_caller_stops_the_producer():
    closed = threading.Event()

    def items():
        try:
            yield from range(100)
        finally:
            closed.set()

    with pytest.raises(RuntimeError):
        for x in ahead(items()):
            if x == 3:
                raise RuntimeError("store failed")
    assert closed.is_set()
