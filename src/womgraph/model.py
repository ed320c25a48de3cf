"""Pydantic models of the interchange format: the contract in Python, and its JSON Schema.

Ingest validates in bulk with DuckDB (``womgraph.validate``); these models state the same rules
record by record, for people and programs that produce the format (``womgraph schema events``
prints the JSON Schema) and for checking one record in Python. A property test keeps the two in
agreement. Unknown fields are kept (``extra="allow"``), never an error.

>>> Event.model_validate({"id": "e1", "ts": "2026-03-01T12:00:00Z", "type": "like",
...                       "actor": "ann", "parent": "p1", "mood": "happy"}).model_extra
{'mood': 'happy'}
>>> Event.model_validate({"id": "e1", "ts": "2026-03-01", "type": "like", "actor": "a",
...                       "target": "b"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Event
ts
  Value error, '2026-03-01' is not an RFC 3339 timestamp with an offset (like 2026-03-01T12:00:00Z) ...
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .schema import ACCOUNT_ROLES, EVENT_TYPES, TARGET_OR_PARENT, TARGET_REQUIRED

__all__ = ["Event", "Account", "json_schema"]

_TS = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


def _key(v: Any) -> Any:
    """Ids and codes: strings or whole numbers, trimmed; empty is absent."""
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        raise ValueError(f"must be a string, not {type(v).__name__}")
    v = str(v).strip()
    return v or None


def _label(v: Any) -> Any:
    v = _key(v)
    return v.lower() if v else v


def _text(v: Any) -> Any:
    if v is None or v == "":
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise ValueError(f"must be text, not {type(v).__name__}")
    return v if isinstance(v, str) else str(v)


def _timestamp(v: Any) -> Any:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if not isinstance(v, str) or not _TS.match(v.strip()):
        raise ValueError(
            f"{v!r} is not an RFC 3339 timestamp with an offset (like 2026-03-01T12:00:00Z)"
        )
    text = v.strip().upper().replace(" ", "T")
    if "." in text:  # Python keeps microseconds; longer fractions are cut, as in the store
        head, _, tail = text.partition(".")
        digits = re.match(r"\d+", tail).group(0)
        text = f"{head}.{digits[:6].ljust(6, '0')}{tail[len(digits):]}"
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
    except (ValueError, OverflowError):  # e.g. month 13, or an instant outside years 1-9999 UTC
        raise ValueError(f"{v!r} is not a valid instant") from None
    return instant


def _number(v: Any) -> Any:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise ValueError("must be a number, not true/false")
    try:
        x = float(v.strip() if isinstance(v, str) else v)
    except (TypeError, ValueError):
        raise ValueError(f"{v!r} is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"{v!r} is not a finite number")
    return x


def _flag(v: Any) -> Any:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    text = str(v).strip().lower()
    if isinstance(v, bool):
        return v
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise ValueError(f"{v!r} is not true or false")


def _whole(low: int, high: int | None):
    def check(v: Any) -> Any:
        x = _number(v)
        if x is None:
            return None
        if x != math.floor(x) or x < low or (high is not None and x > high):
            want = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise ValueError(f"{v!r} is not a whole number {want}")
        return int(x)

    return check


Key = Annotated[str | None, BeforeValidator(_key)]
Label = Annotated[str | None, BeforeValidator(_label)]
Text = Annotated[str | None, BeforeValidator(_text)]
Timestamp = Annotated[datetime | None, BeforeValidator(_timestamp)]
Number = Annotated[float | None, BeforeValidator(_number)]
Flag = Annotated[bool | None, BeforeValidator(_flag)]


def _lower(v: Any) -> Any:
    return v.strip().lower() if isinstance(v, str) else v


class Event(BaseModel):
    """One event of the interchange format (``docs/format.md``)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=False)

    id: Annotated[str, BeforeValidator(_key)] = Field(description="Unique event id.")
    ts: Annotated[datetime, BeforeValidator(_timestamp)] = Field(
        description="RFC 3339 timestamp with an offset, e.g. 2026-03-01T12:00:00Z."
    )
    type: Annotated[Literal[EVENT_TYPES], BeforeValidator(_lower)]  # type: ignore[valid-type]
    actor: Annotated[str, BeforeValidator(_key)] = Field(description="Account id of who acts.")
    target: Key = Field(None, description="The other account (see docs/format.md).")
    post: Key = Field(None, description="Id of the content this event creates.")
    parent: Key = Field(None, description="Id of the content this event reacts to.")
    channel: Label = None
    text: Text = None
    value: Number = Field(None, description="Purchase amount.")
    via: Key = Field(None, description="Referral code or id of the referral behind an adoption.")
    paid: Flag = Field(None, description="True when sponsorship or an incentive is disclosed.")
    campaign: Key = None
    rating: Annotated[int | None, BeforeValidator(_whole(1, 5))] = None

    @model_validator(mode="after")
    def _needs_target(self) -> "Event":
        if self.type in TARGET_REQUIRED and not self.target:
            raise ValueError(f"a {self.type} needs a 'target' (the account it is addressed to)")
        if self.type in TARGET_OR_PARENT and not self.target and not self.parent:
            raise ValueError(f"a {self.type} needs a 'target' or a 'parent'")
        return self


class Account(BaseModel):
    """One account profile of the interchange format."""

    model_config = ConfigDict(extra="allow")

    id: Annotated[str, BeforeValidator(_key)]
    role: Annotated[Literal[ACCOUNT_ROLES] | None, BeforeValidator(lambda v: _lower(v) or None)] = None  # type: ignore[valid-type]
    created: Timestamp = None
    handle: Text = None
    name: Text = None
    followers: Annotated[int | None, BeforeValidator(_whole(0, None))] = None
    following: Annotated[int | None, BeforeValidator(_whole(0, None))] = None
    email_hash: Key = None
    device_hash: Key = None
    payment_hash: Key = None
    ip_hash: Key = None
    nps: Annotated[int | None, BeforeValidator(_whole(0, 10))] = None


def json_schema(kind: str) -> dict:
    """The JSON Schema of ``events`` or ``accounts`` records."""
    if kind not in ("events", "accounts"):
        raise ValueError(f"kind must be events or accounts, not {kind!r}")
    return (Event if kind == "events" else Account).model_json_schema()
