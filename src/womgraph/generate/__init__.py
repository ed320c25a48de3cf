"""Seeded synthetic communities with planted word of mouth, and the ground truth to score against.

:func:`generate_community` writes ``events.jsonl`` (or ``.csv``), ``accounts.jsonl`` (or
``.csv``), ``truth.json``, ``truth_events.csv`` and ``truth_accounts.csv`` into a folder. The
planted scenario and the files are described in ``docs/generator.md``; the classes follow
``docs/classes.md``.

Modules (data flows top to bottom)::

    model        codes, time frame, sizes          texts      templates and their markers
    population   accounts, profiles, friends       state      shared state, planned adoptions
    frame        event columns, times              react      likes/shares/replies en masse
    brand        brand posts, fans, giveaway, employees, partners
    fraud        like farms, fraud rings           chains     advocates and their chains
    commerce     signups, purchases, reviews       peer       stories, mentions, conversations
    social       chatter, heavy resharers          truth      attribution, cascades, groups
    community    all steps in order                write      JSON Lines / CSV / truth files

>>> import tempfile
>>> s = generate_community(tempfile.mkdtemp(), people=400, seed=3)
>>> s.events == sum(s.by_type.values()), sorted(s.files)[:2]
(True, ['accounts', 'events'])
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..schema import EVENT_TYPES
from .community import Community, account_fields, account_ids, build_community
from .model import BRANDS, CAMPAIGN, MIN_EVENTS, MIN_PEOPLE, REASONS, SPAN, WINDOW, reason_class
from .truth import CLASS_NAMES
from .write import (
    Rendered,
    iso,
    write_accounts,
    write_events,
    write_truth_accounts,
    write_truth_events,
)

__all__ = ["FORMATS", "GenerateSummary", "generate_community", "people_for_events"]

FORMATS = ("jsonl", "csv")
#: People of the pilot community used to size a community for an event count.
_PILOT_MAX = 40_000


@dataclass
class GenerateSummary:
    """What :func:`generate_community` wrote."""

    people: int
    accounts: int
    events: int
    seed: int
    format: str
    by_type: dict[str, int] = field(default_factory=dict)
    by_class: dict[str, int] = field(default_factory=dict)
    advocates: int = 0
    max_chain_depth: int = 0
    files: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def people_for_events(events: int, seed: int = 0) -> int:
    """How many people give roughly ``events`` events (within 10%), from pilot communities."""
    if events < MIN_EVENTS:
        raise ValueError(
            f"events must be at least {MIN_EVENTS:,}: the smallest community "
            f"({MIN_PEOPLE} people) already has about 12,000 events"
        )
    people = max(MIN_PEOPLE, round(events / 28))
    for _ in range(4):
        pilot = min(people, _PILOT_MAX)
        got = len(build_community(pilot, seed, truth=False).events["eid"])
        ratio = got / pilot
        guess = max(MIN_PEOPLE, round(events / ratio))
        if pilot == people and abs(got - events) <= 0.05 * events:
            return people
        if pilot < people and abs(guess - people) <= 0.02 * people:
            return guess
        if guess == people:
            return people
        people = guess
    return people


def generate_community(
    out: str | Path,
    *,
    people: int | None = None,
    events: int | None = None,
    seed: int = 0,
    fmt: str = "jsonl",
    progress: Callable[[str], None] | None = None,
) -> GenerateSummary:
    """Generate a community and write its events, accounts and ground truth into ``out``.

    Parameters
    ----------
    out : str or Path
        Folder to write into (created when missing; files of the same names are replaced).
    people : int, optional
        Accounts apart from the brand accounts (at least 300).
    events : int, optional
        Aim for about this many events instead (people are chosen to land within 10%).
        Give exactly one of ``people`` and ``events``.
    seed : int
        The same seed and size give byte-identical files.
    fmt : {"jsonl", "csv"}
        Format of the events and accounts files (the truth files are always JSON and CSV).
    progress : callable, optional
        Called with a short message after each stage.

    Returns
    -------
    GenerateSummary
    """
    if (people is None) == (events is None):
        raise ValueError("give exactly one of people= and events=")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    if events is not None:
        people = people_for_events(int(events), seed)
        say(f"{people:,} people for about {int(events):,} events")
    if int(people) < MIN_PEOPLE:
        raise ValueError(f"people must be at least {MIN_PEOPLE}, got {people}")
    com = build_community(int(people), seed, say)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "events": folder / f"events.{fmt}",
        "accounts": folder / f"accounts.{fmt}",
        "truth": folder / "truth.json",
        "truth_events": folder / "truth_events.csv",
        "truth_accounts": folder / "truth_accounts.csv",
    }
    ids = account_ids(com.pop)
    rendered = Rendered(ids, com.texts, com.codes)
    write_events(files["events"], com.events, com.extra, rendered, fmt)
    say(f"wrote {files['events']}")
    acc = account_fields(com)
    write_accounts(files["accounts"], acc, fmt)
    t = com.truth
    write_truth_events(files["truth_events"], com.events["eid"], t.reason)
    write_truth_accounts(
        files["truth_accounts"],
        ids,
        t.role,
        t.account_kind,
        t.is_advocate,
        t.conversions_direct,
        t.conversions_total,
    )
    by_type = dict(
        zip(EVENT_TYPES, np.bincount(com.events["type"], minlength=len(EVENT_TYPES)).tolist())
    )
    by_reason = np.bincount(t.reason.astype(np.int64), minlength=len(REASONS))
    by_class = {c: 0 for c in CLASS_NAMES}
    for r, k in zip(REASONS, by_reason.tolist()):
        by_class[reason_class(r)] += k
    files["truth"].write_text(json.dumps(_truth_json(com, ids, by_type, by_class), indent=1) + "\n")
    say(f"wrote the ground truth into {folder}")
    return GenerateSummary(
        people=int(people),
        accounts=com.pop.n,
        events=len(com.events["eid"]),
        seed=seed,
        format=fmt,
        by_type=by_type,
        by_class=by_class,
        advocates=int(t.is_advocate.sum()),
        max_chain_depth=int(t.stats["max_depth"]),
        files={k: str(v) for k, v in files.items()},
        seconds=round(time.perf_counter() - started, 3),
    )


def _truth_json(com: Community, ids: list[str], by_type: dict, by_class: dict) -> dict:
    t, pop = com.truth, com.pop
    name = lambda idx: [ids[i] for i in idx.tolist()]
    adv = np.flatnonzero(t.is_advocate)
    adv = adv[np.lexsort((adv, -t.conversions_direct[adv], -t.conversions_total[adv]))]
    doc = {
        "seed": com.seed,
        "people": com.people,
        "period": {"start": iso(0), "end": iso(SPAN)},
        "window_days": WINDOW // 86400,
        "campaign": CAMPAIGN,
        "brands": [b[0] for b in BRANDS[: pop.sizes.brands]],
    }
    for g, members in t.groups.items():
        doc[g] = name(members) if g != "advocates" else name(adv)
    doc["advocate_conversions"] = {
        ids[i]: {
            "conversions_direct": int(t.conversions_direct[i]),
            "conversions_total": int(t.conversions_total[i]),
        }
        for i in adv.tolist()
    }
    doc["referral_codes"] = {ids[o]: c for o, c in sorted(com.codes.items())}
    doc["counts"] = {
        "accounts": pop.n,
        "events": len(com.events["eid"]),
        "by_type": by_type,
        "by_class": by_class,
    }
    doc["chains"] = {
        "cascades": t.stats["cascades"],
        "max_depth": t.stats["max_depth"],
        "dropped_edges": t.stats["dropped_edges"],
        "exposure_ties": t.stats["ties"],
    }
    return doc
