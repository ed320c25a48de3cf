"""A refresh after new events gives exactly what a full analysis of all the events gives.

The cached analysis of an embedded store keeps its working tables; when events are appended it
updates them (``womgraph.analyse.incremental``) instead of analysing every event again. Each test
here appends events, takes the refreshed analysis from the cache, checks that it *was* a refresh
(or, where its premises fail, that it was not), and compares every part with a full analysis.
"""

from __future__ import annotations

import json
import logging
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from womgraph.analyse import incremental
from womgraph.analyse.cache import cached_analysis, cached_event_summary
from womgraph.analyse.pipeline import analyse_store
from womgraph.analyse.summary import stored_event_summary
from womgraph.generate import generate_community
from womgraph.ingest import ingest
from womgraph.store import EmbeddedStore

TINY = Path(__file__).resolve().parent.parent / "datasets" / "tiny"
PARTS = ("classes", "attribution", "exposures", "cascades", "cascade_edges", "advocates",
         "communities", "community_health")


def _everything(a) -> dict:
    out = {k: getattr(a, k).to_pydict() for k in PARTS}
    out.update({k: getattr(a, k) for k in ("flags", "metrics", "weekly", "monthly", "channels")})
    return out


def _refreshed(store: EmbeddedStore, caplog) -> tuple[dict, bool]:
    """The cached analysis after new data, and whether it came from a refresh."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=incremental.__name__):
        a = _everything(cached_analysis(store))
    return a, any("analysis refreshed" in r.getMessage() for r in caplog.records)


def _assert_same(got: dict, want: dict) -> None:
    for k in want:
        assert got[k] == want[k], k


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_refreshes_of_a_generated_community_equal_full_analyses(tmp_path, caplog, seed):
    gen = tmp_path / "gen"
    generate_community(gen, people=300, seed=seed)
    rows = [json.loads(line) for line in (gen / "events.jsonl").read_text().splitlines()]
    times = sorted({r["ts"] for r in rows})
    rng = random.Random(seed)
    # Three cuts in time: the first part is analysed in full, the others are appended in turn.
    cuts = sorted(rng.sample(range(int(len(times) * 0.9), len(times) - 1), 2))
    cuts = [times[int(len(times) * 0.85)]] + [times[c] for c in cuts]
    parts = [[r for r in rows if r["ts"] <= cuts[0]]]
    parts += [[r for r in rows if lo < r["ts"] <= hi] for lo, hi in zip(cuts, cuts[1:])]
    parts += [[r for r in rows if r["ts"] > cuts[-1]]]
    with EmbeddedStore(tmp_path / "s") as store:
        ingest(store, [_write(tmp_path / "p0.jsonl", parts[0])], [gen / "accounts.jsonl"])
        cached_analysis(store)
        _assert_summary(store)
        for i, part in enumerate(parts[1:], start=1):
            ingest(store, [_write(tmp_path / f"p{i}.jsonl", part)])
            got, refreshed = _refreshed(store, caplog)
            assert refreshed, f"part {i} ({len(part)} events) was not a refresh"
            _assert_same(got, _everything(analyse_store(store)))
            _assert_summary(store)


def test_the_evidence_events_of_a_flag_are_events_of_its_accounts(tmp_path):
    # What makes "flagged accounts" (never advocates) the accounts the flags name: the events
    # a flag shows, which become suspicious too, are always theirs.
    gen = tmp_path / "gen"
    generate_community(gen, people=400, seed=3)
    with EmbeddedStore(tmp_path / "s") as store:
        ingest(store, [gen / "events.jsonl"], [gen / "accounts.jsonl"])
        a = analyse_store(store)
        actor = dict(zip(a.classes.column("id").to_pylist(), a.classes.column("actor").to_pylist()))
    checked = 0
    for f in a.flags:
        if f["affects_class"]:
            assert {actor[e] for e in f["evidence"].get("events", [])} <= set(f["accounts"]), f["rule"]
            checked += 1
    assert checked >= 5 and len({f["rule"] for f in a.flags if f["affects_class"]}) >= 4


def _assert_summary(store: EmbeddedStore) -> None:
    """The report's summary of the stored events came with the analysis, counted right."""
    [entry] = store.cache_dir.iterdir()
    assert (entry / "summary.json").is_file()
    con = store.cursor()
    try:
        assert cached_event_summary(store) == stored_event_summary(con)
    finally:
        con.close()


# -- hand-made appends that reach each path of the refresh ---------------------------------------
T0 = datetime(2026, 5, 1, tzinfo=timezone.utc)


def _ts(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_append(tmp_path, caplog, new_rows: list[dict], accounts: Path | None = None,
                  refresh: bool = True) -> dict:
    with EmbeddedStore(tmp_path / "s") as store:
        ingest(store, [TINY / "events.jsonl"], [TINY / "accounts.csv"])
        cached_analysis(store)
        ingest(store, [_write(tmp_path / "new.jsonl", new_rows)], [accounts] if accounts else [])
        got, refreshed = _refreshed(store, caplog)
        assert refreshed is refresh
        want = _everything(analyse_store(store))
    _assert_same(got, want)
    return got


def _reasons(a: dict) -> dict[str, str]:
    return dict(zip(a["classes"]["id"], a["classes"]["reason"]))


def _lockstep(accounts: list[str]) -> list[dict]:
    """Three new posts of kai's, each liked by ``accounts`` within a second: a lockstep group."""
    rows = [{"id": f"lp{p}", "ts": _ts(p * 60), "type": "post", "actor": "kai", "post": f"lp-{p}",
             "text": "my morning cup"} for p in range(3)]
    for p in range(3):
        for k, who in enumerate(accounts):
            rows.append({"id": f"ll{p}{k}", "ts": _ts(p * 60 + 1 + k / 10), "type": "like",
                         "actor": who, "parent": f"lp-{p}", "target": "kai"})
    return rows


def test_new_likes_that_form_a_lockstep_group_are_suspicious(tmp_path, caplog):
    # Five new accounts like the same three posts within seconds: a lockstep group, whose
    # likes become suspicious.
    got = _check_append(tmp_path, caplog, _lockstep(["ls1", "ls2", "ls3", "ls4", "ls5"]))
    assert any(f["rule"] == "lockstep" for f in got["flags"])
    assert _reasons(got)["ll00"] == "suspicious:lockstep"


def test_activity_that_clears_a_flag_restores_earlier_classes(tmp_path, caplog):
    # bot77 (tiny data) is flagged by its profile: a young account that almost only likes. Many
    # posts of its own take its like share below the rule's 90%: the flag goes.
    rows = [{"id": f"bp{i}", "ts": _ts(i), "type": "post", "actor": "bot77", "post": f"bp-{i}",
             "text": "hello"} for i in range(40)]
    got = _check_append(tmp_path, caplog, rows)
    assert not any(f["rule"] == "farm_profile" and "bot77" in f["accounts"] for f in got["flags"])
    assert _reasons(got)["e003"] != "suspicious:farm_profile"


def test_adopters_whose_exposures_were_classified_again_are_attributed_from_their_events(tmp_path, caplog):
    # pia and rosa told quin and sol (tiny data), who bought inside the window. New likes in
    # lockstep flag both tellers, so what they told is suspicious now: quin's and sol's
    # purchases, and a new one of sol's, are attributed again from their events (the kept
    # latest exposures came from events classified again), as a full analysis would.
    rows = _lockstep(["pia", "rosa", "ls1", "ls2", "ls3"])
    # rosa told sol on 2026-03-24 09:00; 30 days on, the window ends
    rows.append({"id": "sol-again", "ts": "2026-04-23T08:00:00Z", "type": "purchase", "actor": "sol", "value": 20.0})
    got = _check_append(tmp_path, caplog, rows)
    assert incremental.STATS["their exposures read again"] >= 3
    assert incremental.STATS["latest exposures read again"] >= 1
    assert {"pia", "rosa"} <= {a for f in got["flags"] if f["rule"] == "lockstep" for a in f["accounts"]}
    attribution = {r: (k, p) for r, k, p in zip(got["attribution"]["id"], got["attribution"]["kind"],
                                                got["attribution"]["parent"])}
    assert attribution["e036"][1] != "pia" and attribution["e062"][1] != "rosa"


def test_new_adoptions_are_attributed_from_kept_and_new_exposures(tmp_path, caplog):
    # Without reading events again: sol's latest kept exposure (rosa's, inside the window), a
    # newer one from a new event, and a new exposure after the purchase that cannot explain it.
    rows = [
        # rosa told sol on 2026-03-24 09:00 (the last kept event is 2026-04-22 19:00)
        {"id": "buy1", "ts": "2026-04-23T08:00:00Z", "type": "purchase", "actor": "sol", "value": 9.0},
        {"id": "rec1", "ts": _ts(20), "type": "recommendation", "actor": "lena", "target": "tom",
         "text": "you will love glowbrew"},
        {"id": "buy2", "ts": _ts(30), "type": "purchase", "actor": "tom", "value": 11.0},
        {"id": "rec2", "ts": _ts(40), "type": "recommendation", "actor": "ana", "target": "zed",
         "text": "glowbrew is great"},
        {"id": "buy3", "ts": _ts(30), "type": "signup", "actor": "zed"},
    ]
    got = _check_append(tmp_path, caplog, rows)
    assert incremental.STATS["their exposures read again"] == 0
    assert incremental.STATS["latest exposures read again"] == 0
    attribution = {r: (k, p, m) for r, k, p, m in zip(got["attribution"]["id"], got["attribution"]["kind"],
                                                      got["attribution"]["parent"], got["attribution"]["method"])}
    assert attribution["buy1"] == ("peer", "rosa", "window")
    assert attribution["buy2"] == ("peer", "lena", "window")
    assert attribution["buy3"] == ("organic", None, "none")


def test_a_new_mention_changes_what_an_old_post_is(tmp_path, caplog):
    # A mention of the brand inside a peer's earlier post makes the post a peer story, and
    # the likes of it likes of a peer post.
    rows = [{"id": "m1", "ts": _ts(1), "type": "mention", "actor": "ana", "target": "glowbrew",
             "post": "r-lena-1"}]
    _check_append(tmp_path, caplog, rows)


def test_kept_events_that_become_word_of_mouth_count_for_their_authors(tmp_path, caplog):
    # Kept: wes shared vic's post and uma tagged a friend in it, which named nothing (social).
    # New: a mention of the brand in that post makes it peer content, so wes's share and uma's
    # tag become word of mouth, though neither has a new event: what each said is taken again
    # (first and latest advocacy, channel, example events).
    kept = [
        {"id": "k-share", "ts": "2026-03-29T09:00:00Z", "type": "share", "actor": "wes", "post": "s-wes-1",
         "parent": "p-vic-1", "channel": "twitter"},
        {"id": "k-tag", "ts": "2026-03-29T10:00:00Z", "type": "mention", "actor": "uma", "target": "finn",
         "post": "p-vic-1", "channel": "twitter"},
    ]
    new = [{"id": "m-vic", "ts": _ts(1), "type": "mention", "actor": "ana", "target": "glowbrew", "post": "p-vic-1"}]
    with EmbeddedStore(tmp_path / "s") as store:
        ingest(store, [TINY / "events.jsonl", _write(tmp_path / "kept.jsonl", kept)], [TINY / "accounts.csv"])
        before = _reasons(_everything(cached_analysis(store)))
        ingest(store, [_write(tmp_path / "new.jsonl", new)])
        got, refreshed = _refreshed(store, caplog)
        assert refreshed
        want = _everything(analyse_store(store))
    _assert_same(got, want)
    assert (before["k-share"], before["k-tag"]) == ("social:share", "social:mention")
    assert (_reasons(got)["k-share"], _reasons(got)["k-tag"]) == ("peer:share_of_peer_story", "peer:tagged_friend")
    # uma reached finn (a share reaches nobody in particular: wes scores nothing)
    advocates = got["advocates"]
    row = advocates["account"].index("uma")
    assert advocates["example_events"][row] == ["k-tag"]
    assert advocates["first_advocacy"][row] == datetime(2026, 3, 29, 10, tzinfo=timezone.utc)
    assert "wes" not in advocates["account"]


def test_a_new_exposure_counts_for_its_sender_though_the_sender_did_nothing_new(tmp_path, caplog):
    # zoe's kept story reached nobody (tiny data: she converts nobody, and likes reach no one).
    # A new share of it by hal exposes hal to zoe's word of mouth: zoe now reached one person,
    # which is all her score is made of, though she has no new event herself.
    rows = [{"id": "sh-zoe", "ts": _ts(1), "type": "share", "actor": "hal", "post": "s-hal-1",
             "parent": "p-zoe-1", "channel": "instagram"}]
    got = _check_append(tmp_path, caplog, rows)
    assert _reasons(got)["sh-zoe"] == "peer:share_of_peer_story"
    advocates = got["advocates"]
    row = advocates["account"].index("zoe")
    assert (advocates["people_reached"][row], advocates["conversions_total"][row]) == (1, 0)


def test_a_teller_who_loses_a_conversion_to_a_newer_exposure_loses_its_credit(tmp_path, caplog):
    # Kept: lena referred omar, then omar shared vic's post (social: it named nothing), then
    # bought: lena's referral is his latest peer exposure. New: a mention of the brand makes
    # vic's post a peer story, so omar's share exposed him to vic's word of mouth, after lena's
    # referral: his purchase goes to vic, and lena (no new event, no event classified again)
    # converted nobody.
    kept = [
        {"id": "k-ref", "ts": "2026-03-28T09:00:00Z", "type": "referral", "actor": "lena", "target": "omar",
         "text": "try glowbrew"},
        {"id": "k-share", "ts": "2026-03-29T09:00:00Z", "type": "share", "actor": "omar", "post": "s-omar-9",
         "parent": "p-vic-1", "channel": "twitter"},
        {"id": "k-buy", "ts": "2026-03-30T09:00:00Z", "type": "purchase", "actor": "omar", "value": 12.0},
    ]
    new = [{"id": "m-vic", "ts": _ts(1), "type": "mention", "actor": "ana", "target": "glowbrew", "post": "p-vic-1"}]
    with EmbeddedStore(tmp_path / "s") as store:
        ingest(store, [TINY / "events.jsonl", _write(tmp_path / "kept.jsonl", kept)], [TINY / "accounts.csv"])
        before = _everything(cached_analysis(store))
        ingest(store, [_write(tmp_path / "new.jsonl", new)])
        got, refreshed = _refreshed(store, caplog)
        assert refreshed
        want = _everything(analyse_store(store))
    _assert_same(got, want)

    def credit(a: dict) -> tuple[str, int]:
        parent = dict(zip(a["attribution"]["id"], a["attribution"]["parent"]))["k-buy"]
        row = a["advocates"]["account"].index("lena")
        return parent, a["advocates"]["conversions_direct"][row]

    assert credit(before) == ("lena", 1)
    assert credit(got) == ("vic", 0)


def test_a_kept_adoption_joins_a_chain_when_its_parent_is_attributed_again(tmp_path, caplog):
    # Kept: xia referred pam, pam recommended to cal, cal bought; then yan referred pam and pam
    # bought. pam's latest exposure (yan's) came after the one that reached cal, so the edge
    # cal <- pam is not time-respecting and cal is in no chain. New likes in lockstep flag yan:
    # pam is attributed again, to xia, whose referral came first; cal (whose own adoption did
    # not change) now hangs below pam in xia's chain.
    kept = [
        {"id": "k1", "ts": "2026-04-10T09:00:00Z", "type": "referral", "actor": "xia", "target": "pam", "text": "glowbrew!"},
        {"id": "k2", "ts": "2026-04-11T09:00:00Z", "type": "recommendation", "actor": "pam", "target": "cal",
         "text": "try glowbrew"},
        {"id": "k3", "ts": "2026-04-12T09:00:00Z", "type": "purchase", "actor": "cal", "value": 12.0},
        {"id": "k4", "ts": "2026-04-13T09:00:00Z", "type": "referral", "actor": "yan", "target": "pam", "text": "glowbrew"},
        {"id": "k5", "ts": "2026-04-14T09:00:00Z", "type": "purchase", "actor": "pam", "value": 12.0},
    ]
    with EmbeddedStore(tmp_path / "s") as store:
        ingest(store, [TINY / "events.jsonl", _write(tmp_path / "kept.jsonl", kept)], [TINY / "accounts.csv"])
        before = _everything(cached_analysis(store))
        ingest(store, [_write(tmp_path / "new.jsonl", _lockstep(["yan", "ls1", "ls2", "ls3", "ls4"]))])
        got, refreshed = _refreshed(store, caplog)
        assert refreshed
        want = _everything(analyse_store(store))
    _assert_same(got, want)

    def edges(a: dict) -> set[tuple[str, str, str]]:
        e = a["cascade_edges"]
        return set(zip(e["root"], e["parent"], e["child"]))

    assert ("yan", "yan", "pam") in edges(before) and not any(c == "cal" for _, _, c in edges(before))
    assert {("xia", "xia", "pam"), ("xia", "pam", "cal")} <= edges(got)
    assert 0 < incremental.STATS["cascade nodes built again"] < len(got["cascade_edges"]["child"]) + len(got["cascades"]["root"])


def test_a_kept_forest_with_a_cycle_is_built_again_in_full(tmp_path, caplog, monkeypatch):
    # First adoptions without an exposure time could point at each other; a kept forest that
    # left such nodes out is built again whole, as a full analysis builds it.
    from womgraph.analyse.incremental import cascades

    monkeypatch.setattr(cascades, "_had_cycle", lambda con: True)
    rows = [
        {"id": "rec1", "ts": _ts(1), "type": "recommendation", "actor": "ana", "target": "nia", "text": "try glowbrew"},
        {"id": "buy1", "ts": _ts(2), "type": "purchase", "actor": "nia", "value": 9.0},
    ]
    got = _check_append(tmp_path, caplog, rows)
    assert incremental.STATS["cascade nodes built again"] == -1
    assert ("ana", "nia") in set(zip(got["cascade_edges"]["parent"], got["cascade_edges"]["child"]))


def test_a_late_referral_with_the_code_an_adopter_used_takes_over_the_attribution(tmp_path, caplog):
    rows = [
        {"id": "r-late", "ts": _ts(1), "type": "referral", "actor": "ana", "target": "kai",
         "via": "LATE-CODE"},
        {"id": "buy-late", "ts": _ts(2), "type": "purchase", "actor": "kai", "value": 12.0,
         "via": "LATE-CODE"},
        {"id": "buy-new", "ts": _ts(3), "type": "purchase", "actor": "newbie", "value": 30.0,
         "via": "r-late"},
    ]
    got = _check_append(tmp_path, caplog, rows)
    attribution = dict(zip(got["attribution"]["id"], got["attribution"]["method"]))
    assert attribution["buy-late"] == "via_code" and attribution["buy-new"] == "via_event"


def test_replies_to_new_content_get_roots_through_kept_threads(tmp_path, caplog):
    rows = [
        {"id": "n1", "ts": _ts(1), "type": "reply", "actor": "ana", "post": "n-1", "parent": "r-lena-1",
         "target": "lena", "text": "me too"},
        {"id": "n2", "ts": _ts(2), "type": "share", "actor": "ben", "post": "n-2", "parent": "n-1"},
        {"id": "n3", "ts": _ts(3), "type": "like", "actor": "cleo", "parent": "n-2"},
        {"id": "n4", "ts": _ts(4), "type": "reply", "actor": "dev", "post": "n-4", "parent": "p-b1",
         "target": "glowbrew", "text": "lovely"},
        # a cycle among new content, and content under an unknown parent
        {"id": "n5", "ts": _ts(5), "type": "reply", "actor": "eli", "post": "c-1", "parent": "c-2"},
        {"id": "n6", "ts": _ts(6), "type": "reply", "actor": "eli", "post": "c-2", "parent": "c-1"},
        {"id": "n7", "ts": _ts(7), "type": "share", "actor": "ana", "post": "u-1", "parent": "nowhere"},
    ]
    _check_append(tmp_path, caplog, rows)


def test_events_older_than_the_analysed_ones_are_analysed_in_full(tmp_path, caplog):
    rows = [{"id": "old1", "ts": "2026-03-01T00:00:00Z", "type": "post", "actor": "ana", "post": "o-1",
             "text": "glowbrew is great"}]
    _check_append(tmp_path, caplog, rows, refresh=False)


def test_kept_events_answering_content_that_arrives_only_now_are_analysed_in_full(tmp_path, caplog):
    # e.g. a reply stored earlier whose parent post is ingested late (a later timestamp would be
    # odd, but a platform export can carry it)
    with EmbeddedStore(tmp_path / "s") as store:
        ingest(store, [TINY / "events.jsonl"], [TINY / "accounts.csv"])
        orphan = [{"id": "orph", "ts": "2026-04-25T00:00:00Z", "type": "like", "actor": "ana",
                   "parent": "late-post"}]
        ingest(store, [_write(tmp_path / "o.jsonl", orphan)])
        cached_analysis(store)
        late = [{"id": "lp", "ts": "2026-04-26T00:00:00Z", "type": "post", "actor": "lena",
                 "post": "late-post", "text": "glowbrew!"}]
        ingest(store, [_write(tmp_path / "late.jsonl", late)])
        got, refreshed = _refreshed(store, caplog)
        assert not refreshed
        _assert_same(got, _everything(analyse_store(store)))


def test_changed_accounts_are_analysed_in_full(tmp_path, caplog):
    acc = tmp_path / "acc.csv"
    acc.write_text("id,role\nana,employee\n", encoding="utf-8")
    rows = [{"id": "x1", "ts": _ts(1), "type": "post", "actor": "ana", "post": "x-1", "text": "hi"}]
    _check_append(tmp_path, caplog, rows, accounts=acc, refresh=False)


def test_no_refresh_when_switched_off(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("WOMGRAPH_INCREMENTAL", "false")
    rows = [{"id": "x1", "ts": _ts(1), "type": "post", "actor": "ana", "post": "x-1", "text": "hi"}]
    _check_append(tmp_path, caplog, rows, refresh=False)


# A step of the refresh itself, and a detector that runs beside it on a connection of its own.
@pytest.mark.parametrize(("step", "why"), [("_classes", "disk full"), ("flags.referral_flags", "referral tallies unreadable")])
def test_a_refresh_that_fails_gives_way_to_a_full_analysis(tmp_path, caplog, monkeypatch, step, why):
    def broken(*args, **kwargs):
        raise RuntimeError(why)

    monkeypatch.setattr(f"{incremental.__name__}.{step}", broken)
    rows = [{"id": "x1", "ts": _ts(1), "type": "post", "actor": "ana", "post": "x-1", "text": "hi"}]
    with caplog.at_level(logging.WARNING, logger="womgraph.analyse.cache"):
        _check_append(tmp_path, caplog, rows, refresh=False)
    assert any(f"refreshing the analysis failed (RuntimeError: {why})" in r.getMessage()
               for r in caplog.records)


def test_through_the_cli_a_refreshed_report_and_exports_equal_a_full_analysis(tmp_path, monkeypatch, caplog):
    """What a user runs: ingest, report, ingest more, then every analysis command; the same
    commands on a copy with ``WOMGRAPH_INCREMENTAL=false`` print the same bytes."""
    import shutil

    from click.testing import CliRunner

    from womgraph.cli import main

    def cli(store: Path, *args: str) -> str:
        r = CliRunner().invoke(main, ["-q", "--store", str(store), *args])
        assert r.exit_code == 0, r.output
        return r.stdout

    gen = tmp_path / "gen"
    generate_community(gen, people=300, seed=4)
    rows = [json.loads(line) for line in (gen / "events.jsonl").read_text().splitlines()]
    cut = sorted(r["ts"] for r in rows)[int(len(rows) * 0.9)]
    old = _write(tmp_path / "old.jsonl", [r for r in rows if r["ts"] <= cut])
    new = _write(tmp_path / "new.jsonl", [r for r in rows if r["ts"] > cut])
    inc, full = tmp_path / "inc", tmp_path / "full"
    cli(inc, "ingest", str(old), "--accounts", str(gen / "accounts.jsonl"))
    cli(inc, "report", "--format", "json")
    cli(inc, "ingest", str(new))
    shutil.copytree(inc, full)
    commands = [("report", "--format", "json"), ("advocates", "--format", "csv"),
                ("chains", "--format", "json"), ("metrics", "--format", "json"),
                ("flags", "--format", "json"), ("interactions", "--format", "csv")]
    with caplog.at_level(logging.INFO, logger=incremental.__name__):
        refreshed = [cli(inc, *c) for c in commands]
    n_new = len(new.read_text().splitlines())
    assert [r.getMessage() for r in caplog.records].count(f"analysis refreshed with {n_new} new events") == 1
    monkeypatch.setenv("WOMGRAPH_INCREMENTAL", "false")
    whole = [cli(full, *c) for c in commands]
    for out in (refreshed, whole):  # the report names its store (and the copy's log, the original)
        out[0] = out[0].replace(str(full), "STORE").replace(str(inc), "STORE")
    for c, a, b in zip(commands, refreshed, whole):
        assert a == b, c
    assert json.loads(refreshed[0])["summary"]["events"] == len(rows)


def test_a_refresh_starts_its_louvain_worker_early_and_checkpoints_beside_the_rest(tmp_path, caplog, monkeypatch):
    """At scale a refresh starts the Louvain worker process before it needs it and writes the
    state's log to its file on a connection of its own; neither changes the result."""
    import contextlib

    from womgraph.analyse import louvain

    gen = tmp_path / "gen"
    generate_community(gen, people=300, seed=4)
    rows = [json.loads(line) for line in (gen / "events.jsonl").read_text().splitlines()]
    cut = sorted(r["ts"] for r in rows)[int(len(rows) * 0.9)]
    spawned, wal_after = [], []
    real_spawn, real_checkpointing = louvain._spawn, incremental._checkpointing

    def spawn():
        spawned.append(real_spawn())
        return spawned[-1]

    @contextlib.contextmanager
    def checkpointing(store):
        with real_checkpointing(store):
            yield
        wal_after.extend(p.stat().st_size for p in tmp_path.rglob("state.duckdb.wal"))

    monkeypatch.setattr(louvain, "_spawn", spawn)
    monkeypatch.setattr(incremental, "_checkpointing", checkpointing)
    with EmbeddedStore(tmp_path / "s") as store:
        ingest(store, [_write(tmp_path / "p0.jsonl", [r for r in rows if r["ts"] <= cut])], [gen / "accounts.jsonl"])
        cached_analysis(store)
        assert spawned == []  # a small peer graph: Louvain in place, no worker
        monkeypatch.setattr(incremental, "PROCESS_EDGES", 0)  # as if the kept peer graph were large
        ingest(store, [_write(tmp_path / "p1.jsonl", [r for r in rows if r["ts"] > cut])])
        got, refreshed = _refreshed(store, caplog)
        assert refreshed
        assert len(spawned) == 1 and spawned[0].returncode == 0  # started ahead, and used
        assert not louvain.waiting()
        assert wal_after in ([], [0])  # written to the file before the state was detached
        _assert_same(got, _everything(analyse_store(store)))


class _Cursor:
    def __init__(self, error: Exception | None) -> None:
        self.error, self.closed = error, False

    def execute(self, sql: str) -> None:
        if self.error:
            raise self.error

    def close(self) -> None:
        self.closed = True


class _Store:
    def __init__(self, error: Exception | None = None) -> None:
        self.con = _Cursor(error)

    def cursor(self) -> _Cursor:
        return self.con


def test_a_checkpoint_that_fails_beside_the_refresh_fails_it():
    store = _Store(OSError("No space left on device"))
    with pytest.raises(OSError, match="No space left on device"), incremental._checkpointing(store):
        pass
    assert store.con.closed
    # an error of the refresh itself is the one raised
    with pytest.raises(KeyError), incremental._checkpointing(_Store(OSError("No space left on device"))):
        raise KeyError("x")
    with incremental._checkpointing(ok := _Store()):
        pass
    assert ok.con.closed
