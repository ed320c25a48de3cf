"""What the generator's steps share: the random generator, the accounts, the events so far, and
the planned adoptions (who adopts when, and through which ``via``).

Adoptions are planned first and written as events in one step
(:func:`womgraph.generate.commerce.emit_adoptions`), so every path to a purchase (chains,
partner codes, giveaways, organic buying) shares one way of writing signups and purchases.

>>> import numpy as np
>>> a = Adoptions()
>>> a.add(np.random.default_rng(0), np.array([7]), np.array([100]), FORM_PURCHASE).tolist()
[100]
>>> a.finish()["person"].tolist()
[7]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .frame import EventBuffer
from .model import DAY, MINUTE, SPAN, VIA_NONE
from .population import Population
from .texts import TextTable

__all__ = [
    "FORM_PURCHASE",
    "FORM_SIGNUP_ONLY",
    "FORM_SIGNUP_PURCHASE",
    "Adoptions",
    "Content",
    "Ctx",
]

#: How an adoption shows up: a purchase; a signup then a purchase; a signup alone.
FORM_PURCHASE, FORM_SIGNUP_PURCHASE, FORM_SIGNUP_ONLY = 0, 1, 2


class Adoptions:
    """Planned first adoptions: person, time, form and ``via``."""

    _NAMES = ("person", "t", "tp", "form", "via_kind", "via_ref")

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {k: [] for k in self._NAMES}

    def add(self, rng, person, t, form, via_kind=VIA_NONE, via_ref=-1) -> np.ndarray:
        """Plan adoptions at times ``t``.

        Parameters
        ----------
        rng : numpy.random.Generator
        person : array_like
            Who adopts (each person at most once over all calls).
        t : array_like
            When they sign up (or buy, for a plain purchase).
        form : int or array_like
            ``FORM_PURCHASE``, ``FORM_SIGNUP_PURCHASE`` (the purchase follows 10 minutes to 4
            days later; a signup alone when that falls after the period) or
            ``FORM_SIGNUP_ONLY``.
        via_kind, via_ref : int or array_like
            ``VIA_EVENT`` with an event id, ``VIA_CODE`` with the code owner's index, or none.

        Returns
        -------
        ndarray of int64
            Each person's first purchase time, -1 when they only sign up.
        """
        person = np.asarray(person, dtype=np.int64)
        n = len(person)
        t = np.asarray(t, dtype=np.int64)
        form = np.broadcast_to(np.asarray(form, dtype=np.int8), (n,)).copy()
        later = t + rng.integers(10 * MINUTE, 4 * DAY, n)
        form = np.where((form == FORM_SIGNUP_PURCHASE) & (later >= SPAN), FORM_SIGNUP_ONLY, form)
        tp = np.select([form == FORM_PURCHASE, form == FORM_SIGNUP_PURCHASE], [t, later], -1)
        vals = {
            "person": person,
            "t": t,
            "tp": tp.astype(np.int64),
            "form": form.astype(np.int8),
            "via_kind": np.broadcast_to(np.asarray(via_kind, dtype=np.int8), (n,)),
            "via_ref": np.broadcast_to(np.asarray(via_ref, dtype=np.int64), (n,)),
        }
        for k, v in vals.items():
            self._parts[k].append(np.array(v))
        return vals["tp"]

    def finish(self) -> dict[str, np.ndarray]:
        out = {}
        for k, parts in self._parts.items():
            out[k] = np.concatenate(parts) if parts else np.empty(0)
        return out


@dataclass
class Content:
    """Content created so far that others can react to: id, time, author and channel."""

    eid: np.ndarray
    ts: np.ndarray
    actor: np.ndarray
    channel: np.ndarray

    @classmethod
    def empty(cls) -> Content:
        z = np.empty(0, dtype=np.int64)
        return cls(z, z, z, z)

    def __len__(self) -> int:
        return len(self.eid)

    def take(self, idx: np.ndarray) -> Content:
        return Content(self.eid[idx], self.ts[idx], self.actor[idx], self.channel[idx])

    @staticmethod
    def concat(*parts: Content) -> Content:
        return Content(
            *(
                np.concatenate([getattr(p, k) for p in parts])
                for k in ("eid", "ts", "actor", "channel")
            )
        )


@dataclass
class Ctx:
    """The state the generator's steps pass along."""

    rng: np.random.Generator
    pop: Population
    buf: EventBuffer = field(default_factory=EventBuffer)
    texts: TextTable = field(default_factory=TextTable)
    adoptions: Adoptions = field(default_factory=Adoptions)
    #: brand posts, their brand (author) and the giveaway post's index among them
    brand_posts: Content = field(default_factory=Content.empty)
    giveaway: int = -1
    #: fans' shares of brand posts (what heavy resharers and friends re-share)
    fan_shares: Content = field(default_factory=Content.empty)
    #: every like, share and reply of a genuine person on brand content: (actor, ts)
    engaged_actor: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    engaged_ts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    #: social posts and customer stories
    social_posts: Content = field(default_factory=Content.empty)
    stories: Content = field(default_factory=Content.empty)
    #: accounts that handed out a referral code in a referral's ``via``
    code_owner: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    #: first purchase time per account (-1: none), filled when adoptions are emitted
    first_purchase: np.ndarray | None = None
    #: account index of every advocate who sent invitations (chain senders)
    senders: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    #: the campaign code used on events
    campaign: int = 0
    #: customers who posted a disclosed gifted post
    gifted: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
