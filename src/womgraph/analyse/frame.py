"""The analysis frame: a DuckDB connection with the events as ``ev`` and the accounts as ``acc``.

Every analysis step is a query (or a NumPy pass) over the tables registered here, so no Python
code runs per event. Events come either as an Arrow table (scanned in place) or, for the
embedded store, as a view over the store's own ``events`` table on a private connection to it:
then nothing is copied out of the store at all. The frame also knows the brand's names and the
text markers of ``docs/classes.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from ..duck import arrow, configure, memory_connection, register, unregister
from ..schema import ACCOUNTS_SCHEMA

__all__ = ["Frame", "Options", "DISCLOSURE_MARKERS", "CONTEST_MARKERS", "ANALYSIS_COLUMNS"]

#: Event columns the analysis reads from a store.
ANALYSIS_COLUMNS = (
    "id", "ts", "type", "actor", "target", "post", "parent", "channel", "text", "value", "via",
    "paid", "campaign", "rating",
)

DISCLOSURE_MARKERS = (
    r"#ad\b", r"#sponsored\b", r"#gifted\b", r"#partner\b", r"#affiliate\b",
    r"paid partnership", r"use my code",
)
CONTEST_MARKERS = (
    r"#giveaway\b", r"#contest\b", r"#win\b", r"giveaway", r"tag 3 friends", r"tag three friends",
    r"tag a friend", r"\bto win\b",
)


@dataclass
class Options:
    """Knobs of the analysis; defaults are the documented ones."""

    #: Attribution window: how long a peer exposure can explain a later adoption.
    window_days: float = 30.0
    #: Recency half-life of the advocate score.
    recency_half_life_days: float = 180.0
    #: Seed for anything random (community detection).
    seed: int = 0


@dataclass
class Frame:
    """Events and accounts in a private DuckDB connection as ``ev`` and ``acc``.

    ``events`` is an Arrow table with at least :data:`ANALYSIS_COLUMNS`, or None with ``con``:
    a connection of its own (closed with the frame) to a database whose ``events`` table has
    those columns. ``accounts`` likewise: an Arrow table, or None with ``con`` to read them
    from its database's ``accounts`` table (no copy through Arrow). ``end``: the time of the
    latest event, when the caller knows it (else it is looked up: 0.03 s at 10M events).
    """

    events: pa.Table | None
    accounts: pa.Table | None
    options: Options = field(default_factory=Options)
    con: duckdb.DuckDBPyConnection | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        in_store = self.accounts is None and self.con is not None
        if not in_store and (self.accounts is None or self.accounts.num_rows == 0):
            self.accounts = ACCOUNTS_SCHEMA.empty_table()
        # ``rid``: the event's row id in the store (the state of a refresh is aligned on it).
        if self.con is None:
            self.con = memory_connection()
            # Events are scanned in place (Arrow, zero copy).
            register(self.con, "ev_in", self.events)
            self.con.execute("CREATE OR REPLACE TEMP VIEW ev AS SELECT *, NULL::BIGINT AS rid FROM ev_in")
        else:
            configure(self.con)
            cols = ", ".join(f'"{c}"' for c in ANALYSIS_COLUMNS)
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW ev AS SELECT {cols}, rowid AS rid FROM events")
        # The store keeps one row per id: its accounts are read where they are (copying them
        # took 0.14 s of a 10M refresh, for the few scans an analysis makes of them); an Arrow
        # table is deduplicated.
        if in_store:
            cols = ", ".join(f'"{c}"' for c in ACCOUNTS_SCHEMA.names)
            self.con.execute(f"CREATE TEMP VIEW acc AS SELECT {cols} FROM accounts")
        else:
            register(self.con, "acc_in", self.accounts)
            self.con.execute(
                "CREATE TEMP TABLE acc AS SELECT * FROM acc_in "
                "QUALIFY row_number() OVER (PARTITION BY id ORDER BY id) = 1"
            )
            unregister(self.con, "acc_in")
        brands = self.con.execute(
            "SELECT id, handle, name FROM acc WHERE role = 'brand' ORDER BY id"
        ).fetchall()
        self.brand_ids = [b[0] for b in brands]
        names: set[str] = set()
        for bid, handle, name in brands:
            for n in (bid, handle, name):
                if n and n.strip():
                    names.add(n.strip().lstrip("@#").lower())
        self.brand_names = sorted(names, key=lambda s: (-len(s), s))
        if self.end is None:
            self.end = self.con.execute("SELECT max(ts) FROM ev").fetchone()[0]

    def close(self) -> None:
        self.con.close()

    # -- text patterns (RE2 syntax; constants and brand names are escaped) -----------------
    def brand_regex(self) -> str | None:
        """A pattern that matches a text naming the brand, or None when there is no brand."""
        if not self.brand_names:
            return None
        alts = "|".join(re.escape(n) for n in self.brand_names)
        return rf"(^|[^a-z0-9_])[@#]?({alts})([^a-z0-9_]|$)"

    def disclosure_regex(self) -> str:
        alts = list(DISCLOSURE_MARKERS)
        if self.brand_names:
            names = "|".join(re.escape(n) for n in self.brand_names)
            alts.append(rf"thanks @?({names}) for sending")
        return "(" + "|".join(alts) + ")"

    @staticmethod
    def contest_regex() -> str:
        return "(" + "|".join(CONTEST_MARKERS) + ")"

    def arrow(self, sql: str, params: list | None = None) -> pa.Table:
        return arrow(self.con, sql, params)
