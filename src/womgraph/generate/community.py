"""Build a whole community in memory: accounts, events (in generation steps) and ground truth.

The steps run in a fixed order from one ``np.random.default_rng(seed)``, so a seed and a size
always give the same community. See ``docs/generator.md`` for the planted scenario.

>>> com = build_community(400, seed=1)
>>> com.events["eid"].size == com.truth.reason.size
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .brand import brand_posts, employees, fan_engagement, giveaway, partners
from .chains import grow_chains, household, plan_organic
from .commerce import emit_adoptions
from .fraud import fraud_rings, like_farms
from .model import BRANDS, ROLE, ROLES, T0_EPOCH
from .peer import customer_voice
from .population import KIND, Population, referral_code
from .social import chatter, heavy_resharers
from .state import Ctx
from .truth import Truth, compute_truth
from .write import CLIENTS, LANGS

__all__ = ["Community", "account_fields", "account_ids", "build_community"]

_FIRST = (
    "ana",
    "ben",
    "chloe",
    "dev",
    "emma",
    "farid",
    "grace",
    "hugo",
    "ines",
    "jon",
    "kai",
    "lena",
    "mia",
    "noah",
    "omar",
    "pia",
    "quinn",
    "rosa",
    "sam",
    "tara",
    "uma",
    "vik",
    "wren",
    "yara",
    "zoe",
    "leo",
    "nina",
    "oli",
    "priya",
    "theo",
)
_LAST = (
    "smith",
    "garcia",
    "chen",
    "muller",
    "rossi",
    "khan",
    "novak",
    "silva",
    "kim",
    "dubois",
    "jensen",
    "okafor",
    "tanaka",
    "costa",
    "ali",
    "berg",
    "moreau",
    "ivanova",
    "lopez",
    "walsh",
)


@dataclass
class Community:
    """A generated community: the accounts, the events as NumPy columns, and the truth."""

    people: int
    seed: int
    pop: Population
    events: dict[str, np.ndarray]
    extra: dict[str, np.ndarray]
    texts: list[str]
    codes: dict[int, str]
    truth: Truth
    generations: int


def build_community(
    people: int, seed: int = 0, progress: Callable[[str], None] | None = None, truth: bool = True
) -> Community:
    """Generate a community of ``people`` accounts (plus the brand accounts) in memory.

    Parameters
    ----------
    people : int
        Accounts apart from the brand accounts.
    seed : int
        Seed of the one random generator every step draws from.
    progress : callable, optional
        Called with a short message after each stage.
    truth : bool
        Also compute the ground truth (skipped when only sizing a community).

    Returns
    -------
    Community
    """
    say = progress or (lambda _msg: None)
    rng = np.random.default_rng(seed)
    pop = Population.build(rng, people)
    ctx = Ctx(rng, pop)
    say(f"accounts: {pop.n:,}")
    brand_posts(ctx)
    fan_engagement(ctx)
    like_farms(ctx)
    household(ctx)
    seeds, t_seed, force = plan_organic(ctx)
    generations = grow_chains(ctx, seeds, t_seed, force)
    employees(ctx)
    partners(ctx)
    giveaway(ctx)
    emit_adoptions(ctx)
    say(f"brand, fans, farms, partners, chains and purchases: {ctx.buf.count:,} events")
    chatter(ctx)
    customer_voice(ctx)
    heavy_resharers(ctx)
    fraud_rings(ctx)
    ev = ctx.buf.finish()
    n = len(ev["eid"])
    say(f"chatter, stories, resharers and rings: {n:,} events")
    extra = {
        "lang": np.where(rng.random(n) < 0.06, rng.integers(0, len(LANGS), n), -1).astype(np.int8),
        "client": np.where(rng.random(n) < 0.03, rng.integers(0, len(CLIENTS), n), -1).astype(
            np.int8
        ),
    }
    owners = np.unique(ctx.code_owner)
    codes = {
        int(o): referral_code(int(o), partner=bool(pop.role[o] == ROLE["partner"])) for o in owners
    }
    t = compute_truth(ev, pop, rng) if truth else None
    if truth:
        depth = t.stats["max_depth"]
        say(f"ground truth: {int(t.is_advocate.sum()):,} advocates, chains up to depth {depth}")
    return Community(people, seed, pop, ev, extra, ctx.texts.strings, codes, t, generations)


def account_ids(pop: Population) -> list[str]:
    """Account id strings in index order: the brands' ids, then ``u`` and a number."""
    width = max(7, len(str(pop.n)))
    ids = [b[0] for b in BRANDS[: pop.sizes.brands]]
    return ids + [f"u{i:0{width}d}" for i in range(len(ids), pop.n)]


def _hex(values: np.ndarray, salt: int) -> list[str | None]:
    """Pseudonymous hashes: a bijective mix of each value (equal values, equal hashes)."""
    v = values.astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = (v + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15) ^ np.uint64(salt)
    return [
        f"{int(x):016x}" if ok else None for x, ok in zip(mixed.tolist(), (values >= 0).tolist())
    ]


def account_fields(com: Community) -> dict[str, object]:
    """Account columns for the writers, in interchange order (absent: None, -1 or "")."""
    pop, seed = com.pop, com.seed
    names_rng = np.random.default_rng([seed, 7])
    first = names_rng.integers(0, len(_FIRST), pop.n)
    last = names_rng.integers(0, len(_LAST), pop.n)
    ids = account_ids(pop)
    handle = [
        f"{_FIRST[a]}_{_LAST[b]}{i}" for i, (a, b) in enumerate(zip(first.tolist(), last.tolist()))
    ]
    name = [
        f"{_FIRST[a].title()} {_LAST[b].title()}" for a, b in zip(first.tolist(), last.tolist())
    ]
    bots = np.flatnonzero(np.isin(pop.kind, [KIND["like_farm"], KIND["fraud_ring"]]))
    for i in bots.tolist():
        handle[i] = f"user{(i * 7919) % 1_000_000:06d}"
        name[i] = ""
    for i, (bid, bname, bhandle) in enumerate(BRANDS[: pop.sizes.brands]):
        handle[i], name[i] = bhandle, bname
    created = np.datetime64(T0_EPOCH, "s") + pop.created.astype("timedelta64[s]")
    created_s = [s + "Z" for s in np.datetime_as_string(created, unit="s").tolist()]
    salts = np.random.default_rng([seed, 11]).integers(0, 2**63, 4).tolist()
    role_codes = com.truth.role if com.truth is not None else pop.role
    roles = [ROLES[r] for r in role_codes.tolist()]
    nps = com.truth.nps.astype(np.int64) if com.truth is not None else np.full(pop.n, -1)
    return {
        "id": ids,
        "role": roles,
        "created": created_s,
        "handle": handle,
        "name": name,
        "followers": pop.followers.astype(np.int64),
        "following": pop.following.astype(np.int64),
        "email_hash": _hex(pop.email, salts[0]),
        "device_hash": _hex(pop.device, salts[1]),
        "payment_hash": _hex(pop.payment, salts[2]),
        "ip_hash": _hex(pop.ip, salts[3]),
        "nps": nps,
    }
