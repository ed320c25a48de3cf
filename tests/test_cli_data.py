"""The data commands on the command line: exit codes, exact messages, stdout for data only."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from womgraph import __version__
from womgraph.cli import main
from womgraph.cli.common import State, progress_bar

TS = "2026-03-01T12:00:00Z"
GOOD = [
    {"id": "e1", "ts": TS, "type": "post", "actor": "brand", "post": "p1", "channel": "instagram"},
    {"id": "e2", "ts": "2026-03-02T12:00:00Z", "type": "like", "actor": "u1", "parent": "p1", "channel": "instagram"},
    {"id": "e3", "ts": "2026-03-03T12:00:00Z", "type": "referral", "actor": "u1", "target": "u2", "channel": "email"},
]


def run(*args: str, input: str | bytes | None = None, env: dict | None = None):
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


def write(name: str, lines: list) -> str:
    Path(name).write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return name


@pytest.fixture
def events_file() -> str:
    return write("events.jsonl", GOOD)


@pytest.fixture
def mixed_file() -> str:
    return write("mixed.jsonl", [GOOD[0], "oops", GOOD[1], GOOD[2]])


def _rejects_path(stderr: str) -> str:
    m = re.search(r"see (\S+\.jsonl)", stderr)
    assert m, stderr
    return m.group(1)


# -- basics ------------------------------------------------------------------------------------
def test_version():
    r = run("--version")
    assert r.exit_code == 0
    assert r.stdout == f"womgraph, version {__version__}\n"


def _command_paths(group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path
        if hasattr(cmd, "commands"):
            yield from _command_paths(cmd, path)


@pytest.mark.parametrize("path", [" ".join(p) for p in _command_paths(main)])
def test_every_command_help_shows_an_example(path):
    r = run(*path.split(), "--help")
    assert r.exit_code == 0
    assert "Example" in r.stdout, r.stdout
    after = r.stdout.split("Example", 1)[1]
    assert f"womgraph {path}" in after, r.stdout


def test_group_help_shows_how_to_start():
    r = run("--help")
    assert r.exit_code == 0
    assert "  womgraph demo\n" in r.stdout
    assert "  womgraph ingest events.jsonl --accounts accounts.csv\n" in r.stdout


# -- ingest: exit codes and messages -----------------------------------------------------------
def test_ingest_all_good_exits_0_with_data_on_stdout_only(events_file):
    r = run("ingest", events_file, "--format", "csv")
    assert r.exit_code == 0
    assert r.stderr == ""
    assert list(csv.DictReader(io.StringIO(r.stdout))) == [
        {"file": "events.jsonl", "kind": "events", "format": "jsonl", "read": "3", "inserted": "3",
         "updated": "0", "duplicates": "0", "rejected": "0"}
    ]
    assert Path(".womgraph/womgraph.duckdb").is_file()


def test_ingest_with_rejects_exits_3_and_says_where_they_are(mixed_file):
    r = run("ingest", mixed_file, "--format", "json")
    assert r.exit_code == 3
    summary = json.loads(r.stdout)  # stdout is only the JSON document
    path = summary["rejects_path"]
    assert re.fullmatch(r"\.womgraph/rejects/\d{8}T\d{6}Z-\d+\.jsonl", path)
    assert (summary["read"], summary["inserted"], summary["rejected"]) == (4, 3, 1)
    assert summary["rejected_by_reason"] == {"malformed_json": 1}
    assert r.stderr == (
        f"1 record(s) rejected, 3 stored; see {path} for each rejected record with its line and reason.\n"
    )
    (reject,) = [json.loads(x) for x in Path(path).read_text().splitlines()]
    assert reject == {"file": "mixed.jsonl", "line": 2, "reason": "malformed_json",
                      "message": "the line is not valid JSON", "record": "oops"}


def test_ingest_twice_changes_nothing(events_file):
    run("ingest", events_file)
    r = run("ingest", events_file, "--format", "jsonl")
    assert r.exit_code == 0
    row = json.loads(r.stdout)
    assert (row["inserted"], row["duplicates"], row["rejected"]) == (0, 3, 0)


def test_strict_stores_nothing_and_exits_3(mixed_file):
    r = run("ingest", "--strict", mixed_file, "--format", "json")
    assert r.exit_code == 3
    summary = json.loads(r.stdout)
    assert (summary["stored"], summary["inserted"]) == (False, 0)
    path = _rejects_path(r.stderr)
    assert r.stderr == (
        f"Nothing was stored (--strict): 1 record(s) rejected; see {path}, fix them and ingest again.\n"
    )
    s = run("stats", "--format", "json")
    assert [x["value"] for x in json.loads(s.stdout) if x["measure"] == "events"] == [0]


def test_ingest_from_stdin(tmp_path):
    data = "".join(json.dumps(x) + "\n" for x in GOOD)
    r = run("ingest", "-", "--format", "jsonl", input=data)
    assert r.exit_code == 0, r.stderr
    row = json.loads(r.stdout)
    assert (row["file"], row["format"], row["inserted"]) == ("<stdin>", "jsonl", 3)


def test_ingest_csv_from_stdin_gzip_compressed():
    data = gzip.compress(f"id,ts,type,actor\nc1,{TS},post,a\n".encode())
    r = run("ingest", "-", "--format", "jsonl", input=data)
    assert r.exit_code == 0, r.stderr
    row = json.loads(r.stdout)
    assert (row["format"], row["inserted"]) == ("csv", 1)


def test_ingest_accounts(events_file):
    write("accounts.jsonl", [{"id": "u1", "role": "customer"}, {"id": "brand", "role": "brand"}])
    r = run("ingest", events_file, "--accounts", "accounts.jsonl", "--format", "jsonl")
    assert r.exit_code == 0
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(x["file"], x["kind"], x["inserted"]) for x in rows] == [
        ("accounts.jsonl", "accounts", 2), ("events.jsonl", "events", 3)
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest"], "Error: Missing argument 'FILES...'."),
        (["ingest", "x.jsonl", "--format", "xml"],
         "Error: Invalid value for '--format': 'xml' is not one of 'table', 'json', 'jsonl', 'csv'."),
        (["stats", "--format", "yaml"],
         "Error: Invalid value for '--format': 'yaml' is not one of 'table', 'json', 'jsonl', 'csv'."),
        (["ingest", "x.jsonl", "--bogus"], "Error: No such option '--bogus'."),
        (["nosuch"], "Error: No such command 'nosuch'."),
    ],
)
def test_usage_errors_exit_2(args, message):
    r = run(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.rstrip("\n").splitlines()[-1] == message


def test_missing_file_exits_1(events_file):
    r = run("ingest", events_file, "nope.jsonl")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr == "Error: Cannot read nope.jsonl: no such file. Check the path.\n"
    # The good file named before the missing one was not stored either.
    stats = run("stats", "--format", "json")
    assert json.loads(stats.stdout)[0] == {"measure": "events", "key": "", "value": 0}


def test_folder_instead_of_a_file_exits_1(tmp_path):
    Path("data").mkdir()
    r = run("ingest", "data")
    assert r.exit_code == 1
    assert r.stderr == "Error: Cannot read data: it is a folder. Name the files inside it.\n"


def test_truncated_gzip_exits_1_without_a_traceback():
    text = "".join(json.dumps({**GOOD[0], "id": f"g{i}", "n": i * 7919 % 1000}) + "\n" for i in range(3000))
    data = gzip.compress(text.encode())
    Path("cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    r = run("ingest", "cut.jsonl.gz")
    assert r.exit_code == 1
    assert r.stderr == (
        "Error: Cannot read cut.jsonl.gz: Compressed file ended before the end-of-stream marker "
        "was reached. Is the gzip file complete?\n"
    )


@pytest.mark.parametrize("command", ["stats", "report"])
def test_missing_store_exits_1(command):
    r = run(command)
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr == (
        "Error: No womgraph store at .womgraph: run `womgraph ingest FILE` or `womgraph demo` "
        "first, or point --store / WOMGRAPH_STORE at an existing store.\n"
    )


def test_invalid_setting_exits_2():
    r = run("stats", env={"WOMGRAPH_BATCH_SIZE": "0"})
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: Invalid setting: WOMGRAPH_BATCH_SIZE (Input should be greater than or equal to 1, "
        "got '0'). Fix the environment variable or the .env file.\n"
    )


# -- store location ----------------------------------------------------------------------------
def test_store_from_womgraph_store(events_file, tmp_path):
    env = {"WOMGRAPH_STORE": str(tmp_path / "team-store")}
    assert run("ingest", events_file, env=env).exit_code == 0
    assert (tmp_path / "team-store" / "womgraph.duckdb").is_file()
    assert not Path(".womgraph").exists()
    r = run("stats", "--format", "json", env=env)
    assert r.exit_code == 0
    assert json.loads(r.stdout)[0] == {"measure": "events", "key": "", "value": 3}


def test_store_option_wins_over_the_environment(events_file, tmp_path):
    env = {"WOMGRAPH_STORE": str(tmp_path / "env-store")}
    assert run("--store", "opt-store", "ingest", events_file, env=env).exit_code == 0
    assert run("ingest", "--store", "sub-store", events_file, env=env).exit_code == 0
    assert Path("opt-store/womgraph.duckdb").is_file() and Path("sub-store/womgraph.duckdb").is_file()
    assert not (tmp_path / "env-store").exists()


# -- stats -------------------------------------------------------------------------------------
def test_stats_csv(events_file):
    run("ingest", events_file)
    r = run("stats", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    assert r.stdout.splitlines() == [
        "measure,key,value",
        "events,,3",
        "accounts,,0",
        "actors,,2",
        "first,,2026-03-01T12:00:00Z",
        "last,,2026-03-03T12:00:00Z",
        "events_per_type,post,1",
        "events_per_type,like,1",
        "events_per_type,referral,1",
        "events_per_channel,email,1",
        "events_per_channel,instagram,2",
    ]


def test_stats_json_and_jsonl_hold_the_same_rows(events_file):
    run("ingest", events_file)
    as_json = json.loads(run("stats", "--format", "json").stdout)
    as_jsonl = [json.loads(x) for x in run("stats", "--format", "jsonl").stdout.splitlines()]
    assert as_json == as_jsonl
    assert {"measure": "events_per_type", "key": "referral", "value": 1} in as_json
    assert {"measure": "first", "key": "", "value": "2026-03-01T12:00:00Z"} in as_json


def test_stats_table(events_file):
    run("ingest", events_file)
    r = run("stats")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0].strip() == "store"
    assert re.search(r"events_per_channel\s*│\s*instagram\s*│\s*2", r.stdout)


# -- quiet and progress ------------------------------------------------------------------------
def test_quiet_keeps_the_rejects_warning_which_explains_exit_3(mixed_file):
    loud = run("ingest", mixed_file, "--format", "json")
    quiet = run("-q", "ingest", "--store", "other", mixed_file, "--format", "json")
    assert quiet.exit_code == loud.exit_code == 3
    assert quiet.stderr.startswith("1 record(s) rejected, 3 stored; see other/rejects/")
    assert len(quiet.stderr.splitlines()) == 1


def test_progress_bar_only_for_a_terminal_and_not_when_quiet(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    with progress_bar(State(quiet=True), "x") as advance:
        assert advance is None
    with progress_bar(State(quiet=False), "x") as advance:
        assert callable(advance)
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    with progress_bar(State(quiet=False), "x") as advance:
        assert advance is None


def test_state_note_is_silent_when_quiet(capsys):
    State(quiet=True).note("hello")
    State(quiet=False).note("world")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "world\n")


# -- the renderer behind every --format --------------------------------------------------------
def test_emit_formats_of_awkward_values():
    import datetime as dt
    from decimal import Decimal

    from womgraph.render import emit

    rows = [{"when": dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc), "n": Decimal("2.50"),
             "ok": True, "none": None, "nan": float("nan"), "tags": ["a", "b"]}]
    out = io.StringIO()
    emit(rows, "csv", out)
    assert out.getvalue() == 'when,n,ok,none,nan,tags\n2026-03-01T12:00:00Z,2.5,true,,,"[""a"", ""b""]"\n'
    out = io.StringIO()
    emit(rows, "jsonl", out)
    assert json.loads(out.getvalue()) == {"when": "2026-03-01T12:00:00Z", "n": 2.5, "ok": True,
                                          "none": None, "nan": None, "tags": ["a", "b"]}
    for fmt, expected in (("csv", ""), ("jsonl", ""), ("json", "[]\n")):
        out = io.StringIO()
        emit([], fmt, out)
        assert out.getvalue() == expected


def test_invalid_memory_limit_exits_2():
    r = run("stats", env={"WOMGRAPH_MEMORY_LIMIT": "lots"})
    assert r.exit_code == 2
    assert r.stderr == (
        "Error: Invalid setting: WOMGRAPH_MEMORY_LIMIT (Value error, use a size such as 3GB, 512MB "
        "or 1.5GiB, got 'lots'). Fix the environment variable or the .env file.\n"
    )


@pytest.mark.parametrize(("value", "shown"), [(None, "2.7 GiB"), ("512MB", "488.2 MiB"), ("1.5gib", "1.5 GiB")])
def test_the_memory_limit_reaches_the_analysis_connection(monkeypatch, tmp_path, value, shown):
    from womgraph.analyse.frame import Frame
    from womgraph.store import EmbeddedStore

    if value:
        monkeypatch.setenv("WOMGRAPH_MEMORY_LIMIT", value)
    with EmbeddedStore(tmp_path / "s") as store:
        frame = Frame(None, None, con=store.cursor())
        try:
            assert frame.con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == shown
        finally:
            frame.close()
