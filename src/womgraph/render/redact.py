"""Stable pseudonyms for data written for other people (``--redact``).

A pseudonym is ``anon-`` and the first 16 hex digits (64 bits) of HMAC-SHA256 of the value,
keyed with a secret kept in the store and prefixed by the kind of value, so the same account gets
the same pseudonym in every file and every run on the same store, while nobody without the key
can recompute it from a guessed id (``ann``, an e-mail address) as they could from a plain hash:

    pseudonym = "anon-" + hex(HMAC-SHA256(key, kind + "\\x1f" + value))[:16]

An account's id, handle and name all become the pseudonym of its **id** (so a handle cannot be
told apart from the id it belongs to); the identity hashes (``email_hash``, ...) become keyed
pseudonyms of their own values (two accounts that share one still share its pseudonym); free
text and unknown fields (``text``, ``extra``) are left out, and so are content digests. Event
ids, content ids, campaigns, channels, times and every figure are kept.

The key is 32 random bytes made the first time something is redacted: in the embedded store a
file ``redact.key`` in the store folder (readable by its owner only), in Neo4j a node
``(:RedactionKey {name: 'redact', value})``. Whoever holds the store holds the key, and can map
a pseudonym back by computing the pseudonyms of the ids in the store; a person who gets only the
redacted file cannot. Deleting the key makes every later pseudonym new.

>>> r = Redactor(bytes(32))
>>> r.account("ann")
'anon-5f0edad93e7ef4b8'
>>> r.account("ann") == Redactor(bytes(32)).account("ann"), r.account(None)
(True, None)
>>> r.value("3f2a9c", "email_hash") != r.account("3f2a9c")
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from ..analyse.pipeline import Analysis
    from ..store.base import Store

__all__ = ["Redactor", "store_key", "KEY_FILE", "IDENTITY_FIELDS", "PREFIX"]

#: The key file of the embedded store, in its folder.
KEY_FILE = "redact.key"
PREFIX = "anon-"
#: Account fields that link identities; each is replaced by a keyed pseudonym of its value.
IDENTITY_FIELDS = ("email_hash", "device_hash", "payment_hash", "ip_hash")

#: Columns of each analysis table that hold account ids.
_ANALYSIS_ACCOUNTS = {
    "classes": ("actor", "target"),
    "attribution": ("adopter", "parent"),
    "exposures": ("person", "sender"),
    "cascades": ("root",),
    "cascade_edges": ("root", "parent", "child"),
    "advocates": ("account",),
    "communities": ("account",),
    "community_health": ("top_advocate",),
}


class Redactor:
    """Pseudonyms under one key, remembered so each distinct value is hashed once."""

    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("a redaction key needs at least 16 bytes")
        self._key = key
        self._seen: dict[tuple[str, str], str] = {}

    @classmethod
    def for_store(cls, store: "Store") -> "Redactor":
        return cls(store_key(store))

    # -- single values ---------------------------------------------------------------------
    def value(self, value: str | None, kind: str) -> str | None:
        """The pseudonym of ``value`` as a ``kind`` (``account``, ``email_hash``, ``code``)."""
        if value is None:
            return None
        got = self._seen.get((kind, value))
        if got is None:
            mac = hmac.new(self._key, f"{kind}\x1f{value}".encode("utf-8", "surrogatepass"),
                           hashlib.sha256)
            got = self._seen[(kind, value)] = PREFIX + mac.hexdigest()[:16]
        return got

    def account(self, account: str | None) -> str | None:
        """The pseudonym of an account id (also used for its handle and name)."""
        return self.value(account, "account")

    # -- Arrow -----------------------------------------------------------------------------
    def array(self, values: pa.Array | pa.ChunkedArray, kind: str = "account") -> pa.Array:
        """Pseudonyms of a string column (nulls stay null), hashing each distinct value once."""
        values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        if values.type != pa.string():
            values = values.cast(pa.string())
        distinct = pc.unique(values).drop_null()
        names = pa.array([self.value(v, kind) for v in distinct.to_pylist()], pa.string())
        return pc.take(names, pc.index_in(values, distinct))

    def columns(self, table: pa.Table, names: Iterable[str], kind: str = "account") -> pa.Table:
        """``table`` with the named columns (those it has) replaced by pseudonyms."""
        for name in names:
            if name in table.column_names:
                i = table.schema.get_field_index(name)
                table = table.set_column(i, name, self.array(table.column(name), kind))
        return table

    def _shadow(self, table: pa.Table, column: str, by: str) -> pa.Table:
        """``column`` replaced by the pseudonym of ``by`` where ``column`` is not null."""
        if column not in table.column_names:
            return table
        col = table.column(column)
        fake = self.array(table.column(by))
        i = table.schema.get_field_index(column)
        return table.set_column(i, column, pc.if_else(pc.is_valid(col), fake, pa.nulls(len(fake), pa.string())))

    @staticmethod
    def _blank(table: pa.Table, names: Iterable[str]) -> pa.Table:
        for name in names:
            if name in table.column_names:
                i = table.schema.get_field_index(name)
                table = table.set_column(i, table.schema.field(i), pa.nulls(table.num_rows, table.schema.field(i).type))
        return table

    def accounts(self, table: pa.Table) -> pa.Table:
        """Account profiles: id, handle and name become the id's pseudonym, identity hashes
        their own, ``extra`` and ``digest`` are left out (null)."""
        table = self._shadow(table, "handle", "id")
        table = self._shadow(table, "name", "id")
        for field in IDENTITY_FIELDS:
            table = self.columns(table, [field], kind=field)
        table = self.columns(table, ["id"])
        return self._blank(table, ["extra", "digest"])

    def events(self, table: pa.Table) -> pa.Table:
        """Events: actor and target become pseudonyms, ``via`` too unless it names an event of
        the table (a referral code may carry a name); ``text``, ``extra`` and ``digest`` are
        left out (null)."""
        table = self.columns(table, ["actor", "target"])
        if "via" in table.column_names:
            via = table.column("via")
            is_event = pc.is_in(via, value_set=table.column("id").combine_chunks()) if "id" in table.column_names \
                else pa.array([False] * table.num_rows)
            coded = self.array(via, "code")
            i = table.schema.get_field_index("via")
            table = table.set_column(i, "via", pc.if_else(pc.fill_null(is_event, False), via.combine_chunks(), coded))
        return self._blank(table, ["text", "extra", "digest"])

    def analysis(self, a: "Analysis") -> "Analysis":
        """The analysis with every account id, handle and name replaced (figures unchanged)."""
        changes = {name: self.columns(getattr(a, name), cols) for name, cols in _ANALYSIS_ACCOUNTS.items()}
        adv = a.advocates
        if "handle" in adv.column_names:
            adv = self._shadow(adv, "handle", "account")
        changes["advocates"] = self.columns(adv, ["account"])
        changes["flags"] = [{**f, "accounts": [self.account(x) for x in f.get("accounts") or []]} for f in a.flags]
        return dataclasses.replace(a, **changes)


# -- the key ---------------------------------------------------------------------------------
def store_key(store: "Store") -> bytes:
    """The store's redaction key, made on first use (see the module docstring)."""
    folder = getattr(store, "path", None)
    if isinstance(folder, Path):
        return _file_key(folder / KEY_FILE)
    if hasattr(store, "write") and hasattr(store, "database"):  # the Neo4j store
        rows = store.write("redaction_key", "reading the redaction key", key="redact",
                           value=secrets.token_hex(32))
        return bytes.fromhex(rows[0][0])
    raise StoreError(f"The store at {store.location} cannot keep a redaction key.")


def _file_key(path: Path) -> bytes:
    if not path.exists():
        # Written beside, then linked into place: a process that finds the file finds it whole,
        # and of two processes making a key at once, one key wins for both.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        except OSError as exc:
            raise StoreError(f"Cannot make the redaction key {path}: {exc.strerror}.") from exc
        finally:
            tmp.unlink(missing_ok=True)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise StoreError(
            f"The redaction key {path} is unreadable or damaged: delete it to make a new one "
            "(pseudonyms will then differ from earlier exports)."
        ) from exc
    if len(key) < 16:
        raise StoreError(
            f"The redaction key {path} is too short: delete it to make a new one "
            "(pseudonyms will then differ from earlier exports)."
        )
    return key
