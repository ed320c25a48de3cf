"""Reading sources: format detection, gzip, stdin, byte order marks, line splitting, CSV records."""

from __future__ import annotations

import gzip
import io
import random

import pytest

from womgraph.errors import InputError
from womgraph.read import (
    check_source,
    detect_format,
    iter_csv_chunks,
    iter_line_chunks,
    open_source,
    source_name,
)

GOOD = b'{"id":"e1","ts":"2026-03-01T12:00:00Z","type":"post","actor":"a"}\n'


def _lines(data: bytes, chunk_bytes: int = 1 << 20) -> list[tuple[int, bytes]]:
    out = []
    for chunk in iter_line_chunks(io.BytesIO(data), "x", chunk_bytes):
        out += [(chunk.first_line + i, b) for i, b in enumerate(chunk.lines.to_pylist())]
    return out


# -- format detection ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "head", "fmt"),
    [
        ("events.jsonl", b"", "jsonl"),
        ("events.NDJSON", b"", "jsonl"),
        ("events.json", b"id,ts\n", "jsonl"),  # the name wins over the content
        ("events.jsonl.gz", b"", "jsonl"),
        ("accounts.CSV", b"{", "csv"),
        ("accounts.csv.gz", b"", "csv"),
        ("-", b'  \n{"id":1}', "jsonl"),
        ("-", b"\xef\xbb\xbf{", "jsonl"),
        ("-", b"id,ts,type,actor\n", "csv"),
        ("data.txt", b"", "jsonl"),
    ],
)
def test_detect_format(name, head, fmt):
    assert detect_format(name, head) == fmt


def test_source_name_of_stdin():
    assert source_name("-") == "<stdin>"
    assert source_name("a/b.jsonl") == "a/b.jsonl"


# -- opening -----------------------------------------------------------------------------------
def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as err:
        check_source("nope.jsonl")
    assert str(err.value) == "Cannot read nope.jsonl: no such file. Check the path."
    with pytest.raises(InputError) as err:
        with open_source(tmp_path):
            pass
    assert str(err.value) == f"Cannot read {tmp_path}: it is a folder. Name the files inside it."


def test_gzip_is_found_by_its_magic_number_whatever_the_name(tmp_path):
    p = tmp_path / "events.data"
    p.write_bytes(gzip.compress(GOOD))
    with open_source(p) as (stream, head):
        assert head.startswith(b'{"id"')
        assert detect_format(p, head) == "jsonl"
        assert stream.read() == GOOD


def test_plain_file_named_gz_is_read_as_plain_text(tmp_path):
    p = tmp_path / "events.jsonl.gz"
    p.write_bytes(GOOD)
    with open_source(p) as (stream, _):
        assert stream.read() == GOOD


@pytest.mark.parametrize("compress", [False, True])
def test_byte_order_mark_is_skipped(tmp_path, compress):
    data = b"\xef\xbb\xbf" + GOOD
    p = tmp_path / "bom.jsonl"
    p.write_bytes(gzip.compress(data) if compress else data)
    with open_source(p) as (stream, head):
        assert head == GOOD
        assert stream.read() == GOOD


def test_stdin(monkeypatch):
    fake = io.TextIOWrapper(io.BytesIO(GOOD))
    monkeypatch.setattr("sys.stdin", fake)
    with open_source("-") as (stream, head):
        assert detect_format("-", head) == "jsonl"
        assert stream.read() == GOOD


def _truncated_gzip(tmp_path, name: str, text: bytes):
    data = gzip.compress(text)
    p = tmp_path / name
    p.write_bytes(data[: len(data) // 2])
    return p


def test_truncated_gzip_jsonl_is_a_clear_input_error(tmp_path):
    rnd = random.Random(1)
    text = b"".join(b'{"id":"e%d","x":"%f"}\n' % (i, rnd.random()) for i in range(3000))
    p = _truncated_gzip(tmp_path, "cut.jsonl.gz", text)
    with pytest.raises(InputError) as err:
        with open_source(p) as (stream, _):
            list(iter_line_chunks(stream, "cut.jsonl.gz"))
    assert str(err.value) == (
        "Cannot read cut.jsonl.gz: Compressed file ended before the end-of-stream marker was "
        "reached. Is the gzip file complete?"
    )


def test_truncated_gzip_csv_is_a_clear_input_error(tmp_path):
    rnd = random.Random(2)
    text = b"id,x\n" + b"".join(b"e%d,%f\n" % (i, rnd.random()) for i in range(3000))
    p = _truncated_gzip(tmp_path, "cut.csv.gz", text)
    with pytest.raises(InputError) as err:
        with open_source(p) as (stream, _):
            list(iter_csv_chunks(stream, name="cut.csv.gz"))
    assert str(err.value) == (
        "Cannot read cut.csv.gz: Compressed file ended before the end-of-stream marker was "
        "reached. Is the gzip file complete?"
    )


def test_damaged_gzip_header_is_an_input_error(tmp_path):
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(InputError) as err:
        with open_source("bad.gz"):
            pass
    assert str(err.value) == "Cannot read bad.gz: Unknown compression method. Is the gzip file complete?"


# -- splitting lines ---------------------------------------------------------------------------
def test_lines_keep_numbers_across_chunks_of_any_size():
    data = b"a\nbb\n\nccc\r\nd"
    expected = [(1, b"a\n"), (2, b"bb\n"), (3, b"\n"), (4, b"ccc\r\n"), (5, b"d")]
    for size in (1, 2, 3, 5, 8, 64):
        assert _lines(data, size) == expected


def test_a_line_longer_than_a_chunk_is_read_whole():
    big = b'{"text":"' + b"x" * (10 << 20) + b'"}\n'
    got = _lines(b"a\n" + big + b"b\n", chunk_bytes=1 << 20)
    assert [(n, len(b)) for n, b in got] == [(1, 2), (2, len(big)), (3, 2)]
    assert got[1][1] == big


def test_empty_stream_has_no_lines():
    assert _lines(b"") == []


def _file_lines(path, chunk_bytes: int) -> list[tuple[int, bytes]]:
    out = []
    with open_source(path) as (stream, _):
        for chunk in iter_line_chunks(stream, "x", chunk_bytes):
            out += [(chunk.first_line + i, b) for i, b in enumerate(chunk.lines.to_pylist())]
    return out


@pytest.mark.parametrize("compress", [False, True])
def test_files_read_in_buffers_no_larger_than_what_is_left(tmp_path, monkeypatch, compress):
    # A plain file's buffers are sized by what is left of it (a 64 MiB buffer costs 0.04 s to
    # make); gzip and other streams are read in full chunks. The lines are the same either way.
    import numpy as np

    from womgraph.read import lines as lines_module

    sizes: list[int] = []
    real_empty = np.empty

    def recording(n: int, dtype=None):
        sizes.append(n)
        return real_empty(n, dtype=dtype)

    monkeypatch.setattr(lines_module.np, "empty", recording)
    rng = random.Random(3)
    for data in (b"", b"\n", b"a", GOOD * 3, b"\xef\xbb\xbf" + GOOD + b"tail",
                 b"".join(rng.choice([GOOD, b"x" * rng.randint(0, 300) + b"\n", b"\r\n"]) for _ in range(400))):
        path = tmp_path / ("d.jsonl.gz" if compress else "d.jsonl")
        path.write_bytes(gzip.compress(data) if compress else data)
        for chunk_bytes in (7, 1000, 1 << 20):
            want = _lines(data[3:] if data.startswith(b"\xef\xbb\xbf") else data, chunk_bytes)
            sizes.clear()
            assert _file_lines(path, chunk_bytes) == want
            if compress:
                assert max(sizes) >= chunk_bytes
            else:
                # what is left, or a probe for the end, after the unfinished line carried over
                assert max(sizes) <= len(data) + max(chunk_bytes, 1 << 16)
                if chunk_bytes == 1 << 20:
                    assert max(sizes) <= len(data) + (1 << 16)  # not the chunk size


def test_a_file_that_grows_while_it_is_read_is_read_to_its_end(tmp_path):
    path = tmp_path / "growing.jsonl"
    path.write_bytes(GOOD * 50)
    got = []
    with open_source(path) as (stream, _):
        for chunk in iter_line_chunks(stream, "x", 1000):
            got += chunk.lines.to_pylist()
            if len(got) == 50 and not path.stat().st_size > len(GOOD) * 50:
                with path.open("ab") as f:  # appended once the known size has been read
                    f.write(GOOD * 30 + b"last")
    assert got == [GOOD] * 80 + [b"last"]


# -- CSV records -------------------------------------------------------------------------------
def _csv(data: bytes, **kw):
    chunks = list(iter_csv_chunks(io.BytesIO(data), **kw))
    return chunks


def test_csv_records_keep_their_first_line_and_text():
    data = b'id,text\r\ne1,"two\r\nlines"\r\ne2,plain\r\n'
    (c,) = _csv(data)
    assert c.header == ["id", "text"]
    assert c.values("id") == ["e1", "e2"]
    assert c.values("text") == ["two\r\nlines", "plain"]
    assert c.table.column("line").to_pylist() == [2, 4]
    assert c.table.column("record").to_pylist() == ['e1,"two\r\nlines"', "e2,plain"]


def test_csv_header_names_are_trimmed_and_blank_lines_skipped():
    (c,) = _csv(b"\n\n id , ts \n\ne1,x\n\n")
    assert c.header == ["id", "ts"]
    assert c.values("ts") == ["x"]
    assert c.table.column("line").to_pylist() == [5]


def test_csv_with_only_a_header_and_empty_csv():
    (c,) = _csv(b"id,ts,type,actor\n")
    assert c.header == ["id", "ts", "type", "actor"] and c.table.num_rows == 0
    assert _csv(b"") == []


def test_csv_repeated_header_names_keep_every_column():
    (c,) = _csv(b"id,actor,actor\ne1,a,b\n")
    assert c.table.column("c1").to_pylist() == ["a"]
    assert c.table.column("c2").to_pylist() == ["b"]


def test_csv_field_of_10_megabytes_is_read():
    text = "y" * (10 << 20)
    (c,) = _csv(f"id,text\ne1,{text}\ne2,z\n".encode())
    assert c.values("id") == ["e1", "e2"]
    assert len(c.values("text")[0]) == 10 << 20
    assert c.rejects == []


def test_csv_reader_rejects_with_line_numbers():
    data = b'id,text\ne1,ok\ne2,"a"b\ne3\n\xff\xfe,x\ne4,"open\ne5,z\n'
    (c,) = _csv(data)
    assert c.values("id") == ["e1"]
    assert [(r["line"], r["reason"], r["message"]) for r in c.rejects] == [
        (3, "csv_error", "broken CSV: ',' expected after '\"'"),
        (4, "csv_field_count", "the record has 1 fields, the header has 2"),
        (5, "invalid_utf8", "the line is not valid UTF-8 text"),
        (6, "csv_error", "broken CSV: unexpected end of data"),
    ]
    assert c.rejects[2]["record"] == "\\xff\\xfe,x"
    assert c.rejects[3]["record"] == 'e4,"open\ne5,z'


def test_csv_bad_bytes_inside_a_quoted_field_spoil_only_their_record():
    data = b'id,text\ne1,"two\nlines \xff"\ne2,ok\n'
    (c,) = _csv(data)
    assert c.values("id") == ["e2"]
    assert c.table.column("line").to_pylist() == [4]
    assert [(r["line"], r["reason"], r["record"]) for r in c.rejects] == [
        (2, "invalid_utf8", 'e1,"two\nlines \\xff"')
    ]


def test_csv_chunks_split_by_rows():
    data = b"id\n" + b"".join(b"e%d\n" % i for i in range(5))
    chunks = _csv(data, rows_per_chunk=2)
    assert [c.values("id") for c in chunks] == [["e0", "e1"], ["e2", "e3"], ["e4"]]
    assert sum(c.nbytes for c in chunks) == len(data)


def test_csv_header_that_is_not_csv_is_an_input_error():
    with pytest.raises(InputError) as err:
        _csv(b'id,"t"s\ne1,x\n', name="h.csv")
    assert str(err.value) == (
        "Cannot read h.csv: its header (line 1) is not valid CSV (',' expected after '\"'). "
        "Fix the header line."
    )


def test_csv_header_that_is_not_utf8_is_an_input_error():
    with pytest.raises(InputError) as err:
        _csv(b"id,t\xe9xt\ne1,x\n", name="h.csv")
    assert str(err.value) == (
        "Cannot read h.csv: its header (line 1) is not valid UTF-8 text. Save the file as UTF-8."
    )
