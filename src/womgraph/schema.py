"""Names defined once: event types, fields, roles, interaction classes and the Arrow schemas.

Every module that reads or writes events, accounts or analysis results takes its column names
from here, so a field is renamed in exactly one place.

>>> "referral" in EVENT_TYPES
True
>>> EVENTS_SCHEMA.field("ts").type
TimestampType(timestamp[us, tz=UTC])
"""

from __future__ import annotations

import pyarrow as pa

__all__ = [
    "EVENT_TYPES",
    "ADOPTION_TYPES",
    "CONTENT_TYPES",
    "REACTION_TYPES",
    "INVITE_TYPES",
    "TARGET_REQUIRED",
    "TARGET_OR_PARENT",
    "EVENT_FIELDS",
    "EVENT_REQUIRED",
    "ACCOUNT_FIELDS",
    "ACCOUNT_ROLES",
    "NON_ADVOCATE_ROLES",
    "IDENTITY_FIELDS",
    "CLASSES",
    "EVENTS_SCHEMA",
    "ACCOUNTS_SCHEMA",
    "REJECT_FIELDS",
]

#: Event types of the interchange format, in the order the docs list them.
EVENT_TYPES: tuple[str, ...] = (
    "post",
    "reply",
    "share",
    "like",
    "mention",
    "referral",
    "recommendation",
    "signup",
    "purchase",
    "review",
)
#: Events that count as an adoption (a conversion).
ADOPTION_TYPES: tuple[str, ...] = ("signup", "purchase")
#: Events that create content (``post`` is their content id).
CONTENT_TYPES: tuple[str, ...] = ("post", "reply", "share", "review", "mention")
#: Events that react to content (``parent`` is the content reacted to).
REACTION_TYPES: tuple[str, ...] = ("reply", "share", "like")
#: Person-to-person invitations.
INVITE_TYPES: tuple[str, ...] = ("referral", "recommendation")
#: Types whose ``target`` cannot be derived from anything else.
TARGET_REQUIRED: tuple[str, ...] = ("mention", "referral", "recommendation")
#: Types that need a ``target`` or a ``parent`` (the target is the parent's author).
TARGET_OR_PARENT: tuple[str, ...] = ("reply", "share", "like")

#: Known event fields, in interchange order. Anything else is kept in ``extra``.
EVENT_FIELDS: tuple[str, ...] = (
    "id",
    "ts",
    "type",
    "actor",
    "target",
    "post",
    "parent",
    "channel",
    "text",
    "value",
    "via",
    "paid",
    "campaign",
    "rating",
)
EVENT_REQUIRED: tuple[str, ...] = ("id", "ts", "type", "actor")

#: Known account fields. Anything else is kept in ``extra``.
ACCOUNT_FIELDS: tuple[str, ...] = (
    "id",
    "role",
    "created",
    "handle",
    "name",
    "followers",
    "following",
    "email_hash",
    "device_hash",
    "payment_hash",
    "ip_hash",
    "nps",
)
ACCOUNT_ROLES: tuple[str, ...] = ("customer", "prospect", "brand", "employee", "partner")
#: Roles that are never advocates, whatever their activity.
NON_ADVOCATE_ROLES: tuple[str, ...] = ("brand", "employee", "partner")
#: Pseudonymous identifiers that can link duplicate identities.
IDENTITY_FIELDS: tuple[str, ...] = ("email_hash", "device_hash", "payment_hash", "ip_hash")

#: Interaction classes; every event gets exactly one.
CLASSES: tuple[str, ...] = ("peer", "broadcast", "incentivized", "suspicious", "social")

_TS = pa.timestamp("us", tz="UTC")

#: Validated events as the stores receive and return them.
#: ``extra`` holds unknown input fields as a JSON object text (null when there were none);
#: ``digest`` is a content hash of the normalised record, used to tell a re-ingest from a conflict;
#: ``src`` and ``line`` say where the record was read.
EVENTS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("ts", _TS),
        ("type", pa.string()),
        ("actor", pa.string()),
        ("target", pa.string()),
        ("post", pa.string()),
        ("parent", pa.string()),
        ("channel", pa.string()),
        ("text", pa.string()),
        ("value", pa.float64()),
        ("via", pa.string()),
        ("paid", pa.bool_()),
        ("campaign", pa.string()),
        ("rating", pa.int8()),
        ("extra", pa.string()),
        ("digest", pa.uint64()),
        ("src", pa.string()),
        ("line", pa.int64()),
    ]
)

#: Validated accounts as the stores receive and return them.
ACCOUNTS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("role", pa.string()),
        ("created", _TS),
        ("handle", pa.string()),
        ("name", pa.string()),
        ("followers", pa.int64()),
        ("following", pa.int64()),
        ("email_hash", pa.string()),
        ("device_hash", pa.string()),
        ("payment_hash", pa.string()),
        ("ip_hash", pa.string()),
        ("nps", pa.int8()),
        ("extra", pa.string()),
        ("digest", pa.uint64()),
        ("src", pa.string()),
        ("line", pa.int64()),
    ]
)

#: Columns of a rejects file, one JSON object per rejected record.
REJECT_FIELDS: tuple[str, ...] = ("file", "line", "reason", "message", "record")
