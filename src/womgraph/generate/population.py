"""The accounts of a generated community: who is who, their profiles and their friends.

Account indices are laid out in blocks: brand accounts first, then employees, partners
(disclosed, then undisclosed), like farms, fraud rings (each ring: its core members, then their
referees) and finally the genuine people. Genuine people live in communities of
:data:`COMMUNITY` consecutive indices; most of a person's friends are in their community.

Identifiers (``email_hash`` ...) are integers here, turned into hex strings when written; the
same integer means the same identifier. Genuine people never share one, except the household
pair, who share an ``ip_hash`` and nothing else.

>>> import numpy as np
>>> pop = Population.build(np.random.default_rng(0), 1000)
>>> pop.n == 1000 + 3, bool(pop.kind[0] == KIND["brand"])
(True, True)
>>> f = pop.friends(np.random.default_rng(1), pop.genuine()[:5])
>>> bool((f >= pop.g0).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .model import CH, DAY, ROLE, Sizes

__all__ = ["COMMUNITY", "KIND", "KINDS", "SHARED_ID_BASE", "Population", "referral_code"]

#: Planted kinds of accounts, fixed when the population is built.
KINDS: tuple[str, ...] = (
    "brand",
    "employee",
    "partner_disclosed",
    "partner_undisclosed",
    "like_farm",
    "fraud_ring",
    "household",
    "person",
)
KIND: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
#: Size of a friendship community of genuine people.
COMMUNITY = 60
#: Identifier values from here on are shared ones (rings, farms), never an account index.
SHARED_ID_BASE = 1 << 40


@dataclass
class Population:
    """Accounts as NumPy columns, one row per account index."""

    sizes: Sizes
    n: int
    ranges: dict[str, tuple[int, int]]
    kind: np.ndarray
    role: np.ndarray
    created: np.ndarray
    followers: np.ndarray
    following: np.ndarray
    platform: np.ndarray
    email: np.ndarray
    device: np.ndarray
    payment: np.ndarray
    ip: np.ndarray
    fan: np.ndarray
    fan_act: np.ndarray
    social_act: np.ndarray
    no_adopt: np.ndarray
    heavy: np.ndarray
    household: tuple[int, int]
    free: np.ndarray = field(default=None)  # adoptable and not yet given a story

    @property
    def g0(self) -> int:
        return self.ranges["genuine"][0]

    @property
    def n_genuine(self) -> int:
        return self.n - self.g0

    def indices(self, name: str) -> np.ndarray:
        """Account indices of one block of :attr:`ranges`."""
        lo, hi = self.ranges[name]
        return np.arange(lo, hi, dtype=np.int64)

    def genuine(self) -> np.ndarray:
        return self.indices("genuine")

    @classmethod
    def build(cls, rng: np.random.Generator, people: int) -> Population:
        """Accounts and profiles of a community of ``people`` accounts plus the brands.

        Parameters
        ----------
        rng : numpy.random.Generator
        people : int
            Accounts apart from the brand accounts; :class:`~womgraph.generate.model.Sizes`
            splits them into planted kinds.

        Returns
        -------
        Population
        """
        s = Sizes.for_people(people)
        blocks = [
            ("brands", s.brands),
            ("employees", s.employees),
            ("partners_disclosed", s.partners_disclosed),
            ("partners_undisclosed", s.partners_undisclosed),
            ("farms", s.farm_total),
            ("rings", s.ring_total),
            ("genuine", s.genuine),
        ]
        ranges, at = {}, 0
        for name, size in blocks:
            ranges[name] = (at, at + size)
            at += size
        n = at
        kind = np.full(n, KIND["person"], dtype=np.int8)
        role = np.full(n, ROLE[""], dtype=np.int8)
        created = -(rng.uniform(120, 3000, n) * DAY).astype(np.int64)
        followers = np.clip(180 * np.exp(1.1 * rng.standard_normal(n)), 0, 20000).astype(np.int64)
        following = np.clip(250 * np.exp(0.8 * rng.standard_normal(n)), 5, 7500).astype(np.int64)
        platform = np.where(rng.random(n) < 0.5, CH["twitter"], CH["instagram"]).astype(np.int8)

        def put(name: str, k: str, r: str, lo_f: float, hi_f: float, age: tuple[float, float]):
            a, b = ranges[name]
            kind[a:b] = KIND[k]
            role[a:b] = ROLE[r]
            m = b - a
            followers[a:b] = np.exp(rng.uniform(np.log(lo_f), np.log(hi_f), m)).astype(np.int64)
            created[a:b] = -(rng.uniform(*age, m) * DAY).astype(np.int64)

        put("brands", "brand", "brand", 50_000, 800_000, (1500, 4000))
        put("employees", "employee", "employee", 100, 3000, (200, 3000))
        put("partners_disclosed", "partner_disclosed", "partner", 20_000, 600_000, (600, 3000))
        put("partners_undisclosed", "partner_undisclosed", "partner", 20_000, 600_000, (600, 3000))
        a, b = ranges["farms"]
        kind[a:b] = KIND["like_farm"]
        followers[a:b] = rng.integers(0, 26, b - a)
        following[a:b] = rng.integers(800, 5001, b - a)
        a, b = ranges["rings"]
        kind[a:b] = KIND["fraud_ring"]
        role[a:b] = ROLE["customer"]
        followers[a:b] = rng.integers(0, 31, b - a)
        following[a:b] = rng.integers(0, 61, b - a)

        idx = np.arange(n, dtype=np.int64)
        email = np.where(rng.random(n) < 0.85, idx, -1)
        device = np.where(rng.random(n) < 0.6, idx, -1)
        payment = np.where(rng.random(n) < 0.7, idx, -1)
        ip = np.where(rng.random(n) < 0.5, idx, -1)
        for name in ("brands", "farms", "rings"):
            a, b = ranges[name]
            email[a:b] = idx[a:b] if name != "brands" else -1
            device[a:b] = payment[a:b] = ip[a:b] = -1

        g0 = ranges["genuine"][0]
        g = n - g0
        fan = np.zeros(n, dtype=bool)
        fan[g0:] = rng.random(g) < 0.45
        fan_act = np.zeros(n)
        fan_act[g0:] = np.exp(0.9 * rng.standard_normal(g)) * np.where(
            rng.random(g) < 0.03, 5.0, 1.0
        )
        social_act = np.zeros(n)
        social_act[g0:] = np.exp(0.8 * rng.standard_normal(g)) * np.where(
            rng.random(g) < 0.1, 0.1, 1.0
        )
        no_adopt = np.zeros(n, dtype=bool)
        no_adopt[g0:] = rng.random(g) < 0.35
        # Some popular accounts that never buy nor recommend (followers are not advocacy).
        celeb = g0 + np.flatnonzero(no_adopt[g0:] & (rng.random(g) < 0.015))
        followers[celeb] = np.exp(rng.uniform(np.log(20_000), np.log(400_000), len(celeb))).astype(
            np.int64
        )
        # Heavy resharers: real, old, ordinary accounts that share a lot.
        heavy = np.zeros(n, dtype=bool)
        n_heavy = max(5, round(g * 0.002))
        heavy[g0 + rng.choice(g, n_heavy, replace=False)] = True
        no_adopt[heavy] = True
        # The household: two genuine customers in one community sharing an IP address.
        h = (g0, g0 + 1)
        kind[list(h)] = KIND["household"]
        no_adopt[list(h)] = False
        heavy[list(h)] = False
        email[list(h)] = idx[list(h)]
        device[list(h)] = idx[list(h)]
        payment[list(h)] = idx[list(h)]
        ip[h[0]] = ip[h[1]] = idx[h[0]]
        free = np.zeros(n, dtype=bool)
        free[g0:] = ~no_adopt[g0:]
        free[list(h)] = False
        return cls(
            sizes=s,
            n=n,
            ranges=ranges,
            kind=kind,
            role=role,
            created=created,
            followers=followers,
            following=following,
            platform=platform,
            email=email,
            device=device,
            payment=payment,
            ip=ip,
            fan=fan,
            fan_act=fan_act,
            social_act=social_act,
            no_adopt=no_adopt,
            heavy=heavy,
            household=h,
            free=free,
        )

    # -- friends and picks ----------------------------------------------------------------
    def friends(
        self, rng: np.random.Generator, who: np.ndarray, global_share: float = 0.15
    ) -> np.ndarray:
        """One random friend (a genuine person, never themselves) for each account in ``who``."""
        who = np.asarray(who, dtype=np.int64)
        g = self.n_genuine
        m = len(who)
        local = who - self.g0
        inside = (local >= 0) & (local < g)
        base = np.where(inside, local - local % COMMUNITY, 0)
        size = np.minimum(COMMUNITY, g - base)
        cand = base + (rng.random(m) * size).astype(np.int64)
        far = ~inside | (rng.random(m) < global_share) | (size < 2)
        cand = np.where(far, rng.integers(0, g, m), cand)
        cand = np.where(cand == local, (cand + 1) % g, cand)
        return cand + self.g0

    def random_genuine(
        self, rng: np.random.Generator, n: int, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """``n`` genuine people drawn with replacement (among ``mask`` when given)."""
        pool = self.genuine() if mask is None else self.g0 + np.flatnonzero(mask[self.g0 :])
        return pool[rng.integers(0, len(pool), n)]

    def claim_friends(
        self, rng: np.random.Generator, senders: np.ndarray, tries: int = 4
    ) -> np.ndarray:
        """A distinct free friend for each sender (a free stranger when no friend is free).

        Parameters
        ----------
        rng : numpy.random.Generator
        senders : ndarray of int
            Who is inviting.
        tries : int
            Rounds of friend draws before falling back to free strangers.

        Returns
        -------
        ndarray of int64
            One invitee per sender, -1 where nobody free is left. Chosen people are no longer
            free.
        """
        m = len(senders)
        out = np.full(m, -1, dtype=np.int64)
        for attempt in range(tries + 1):
            need = np.flatnonzero(out < 0)
            if len(need) == 0:
                break
            if attempt < tries:
                cand = self.friends(rng, senders[need])
            else:
                cand = self.claim_random(rng, len(need), claim=False)
                keep = cand >= 0
                need, cand = need[keep], cand[keep]
            ok = self.free[cand]
            need, cand = need[ok], cand[ok]
            _, first = np.unique(cand, return_index=True)
            first.sort()
            out[need[first]] = cand[first]
            self.free[cand[first]] = False
        return out

    def claim_random(
        self, rng: np.random.Generator, n: int, claim: bool = True, mask=None
    ) -> np.ndarray:
        """Up to ``n`` distinct free people (fewer when not enough are free; padded with -1)."""
        ok = self.free if mask is None else (self.free & mask)
        pool = np.flatnonzero(ok)
        k = min(n, len(pool))
        pick = rng.choice(pool, k, replace=False) if k else np.empty(0, dtype=np.int64)
        if claim:
            self.free[pick] = False
        return np.concatenate([pick, np.full(n - k, -1, dtype=np.int64)])


_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def referral_code(index: int, partner: bool = False) -> str:
    """The referral code an account hands out (distinct for every account index).

    >>> referral_code(7), referral_code(7, partner=True)
    ('FRIEND-JAOE6V', 'GLOW-JAOE6V')
    """
    x = (index * 2654435761) % 36**6
    digits = "".join(_B36[(x // 36**k) % 36] for k in range(5, -1, -1))
    return ("GLOW-" if partner else "FRIEND-") + digits
