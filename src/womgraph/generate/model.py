"""Codes and sizes shared by the generator's modules: time frame, event types, reasons, roles.

Events are generated as NumPy columns of small integer codes; this module says what each code
means. Times are whole seconds after :data:`T0_EPOCH` (a Monday, 00:00 UTC).

>>> REASONS[REASON["peer:referral"]]
'peer:referral'
>>> Sizes.for_people(5000).genuine > 4500
True
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import EVENT_TYPES

__all__ = [
    "BRANDS",
    "CAMPAIGN",
    "CH",
    "CHANNELS",
    "DAY",
    "HOUR",
    "MINUTE",
    "MIN_EVENTS",
    "MIN_PEOPLE",
    "PENDING",
    "REASON",
    "REASONS",
    "ROLE",
    "ROLES",
    "SPAN",
    "SPAN_DAYS",
    "T0_EPOCH",
    "TYPE",
    "VIA_CODE",
    "VIA_EVENT",
    "VIA_NONE",
    "WINDOW",
    "Sizes",
    "reason_class",
]

#: 2026-01-05T00:00:00Z, the start of the generated period.
T0_EPOCH = 1767571200
MINUTE = 60
HOUR = 3600
DAY = 86400
#: Length of the generated period: 26 weeks.
SPAN_DAYS = 182
SPAN = SPAN_DAYS * DAY
#: The attribution window of docs/classes.md.
WINDOW = 30 * DAY

#: Event type name -> code (the index in :data:`womgraph.schema.EVENT_TYPES`).
TYPE: dict[str, int] = {name: i for i, name in enumerate(EVENT_TYPES)}

CHANNELS: tuple[str, ...] = ("twitter", "instagram", "email", "referral_program", "store")
CH: dict[str, int] = {name: i for i, name in enumerate(CHANNELS)}

#: Every ``class:reason`` the generator's ground truth uses (docs/classes.md).
REASONS: tuple[str, ...] = (
    "suspicious:like_farm",
    "suspicious:fraud_ring",
    "peer:adoption_via_peer",
    "incentivized:adoption_via_incentive",
    "broadcast:adoption_after_broadcast",
    "social:organic_adoption",
    "broadcast:brand_message",
    "broadcast:brand_content",
    "incentivized:employee",
    "incentivized:partner",
    "incentivized:disclosed_ad",
    "incentivized:contest_entry",
    "broadcast:like_of_brand_post",
    "broadcast:share_of_brand_post",
    "broadcast:reply_to_brand_post",
    "broadcast:reshare_of_brand_content",
    "broadcast:engagement_with_paid_content",
    "peer:referral",
    "peer:recommendation",
    "peer:brand_mention_to_peer",
    "peer:tagged_friend",
    "peer:customer_story",
    "peer:review",
    "peer:share_of_peer_story",
    "peer:conversation_about_brand",
    "social:like_of_peer_post",
    "social:post",
    "social:reply",
    "social:share",
    "social:like",
    "social:mention",
)
REASON: dict[str, int] = {name: i for i, name in enumerate(REASONS)}
#: Reason code of an adoption whose class the attribution step decides later.
PENDING = -1


def reason_class(reason: str) -> str:
    """The class part of a reason.

    >>> reason_class("broadcast:brand_message")
    'broadcast'
    """
    return reason.split(":", 1)[0]


#: Account roles; code 0 is the empty role.
ROLES: tuple[str, ...] = ("", "customer", "prospect", "brand", "employee", "partner")
ROLE: dict[str, int] = {name: i for i, name in enumerate(ROLES)}

#: Brand accounts: (id, display name, handle). Every name contains "lumora", and no other
#: generated text does, so "names the brand" is decided by that one word.
BRANDS: tuple[tuple[str, str, str], ...] = (
    ("lumora", "Lumora", "lumora"),
    ("lumora-care", "Lumora Care", "lumoracare"),
    ("lumora-store", "Lumora Store", "lumorastore"),
)
#: The giveaway campaign id.
CAMPAIGN = "spring-giveaway-2026"

VIA_NONE, VIA_EVENT, VIA_CODE = 0, 1, 2

#: The smallest community the generator builds (it has about 12,000 events).
MIN_PEOPLE = 300
#: The smallest event count :func:`~womgraph.generate.generate_community` aims for.
MIN_EVENTS = 15_000


@dataclass(frozen=True)
class Sizes:
    """How many accounts of each planted kind a community of ``people`` accounts has.

    ``people`` counts every account except the brand accounts. Fixed-size groups (fraud rings,
    like farms) are repeated as the community grows.
    """

    people: int
    brands: int
    employees: int
    partners_disclosed: int
    partners_undisclosed: int
    farm_size: int
    farms: int
    ring_core: int
    ring_referees: int
    rings: int

    @classmethod
    def for_people(cls, people: int) -> Sizes:
        return cls(
            people=people,
            brands=len(BRANDS),
            employees=max(3, round(people * 0.0008)),
            partners_disclosed=max(2, round(people * 0.0006)),
            partners_undisclosed=max(2, round(people * 0.0004)),
            farm_size=min(40, max(15, people // 60)),
            farms=max(1, round(people / 40000)),
            ring_core=8,
            ring_referees=4,
            rings=max(1, round(people / 25000)),
        )

    @property
    def farm_total(self) -> int:
        return self.farm_size * self.farms

    @property
    def ring_total(self) -> int:
        return self.rings * self.ring_core * (1 + self.ring_referees)

    @property
    def genuine(self) -> int:
        """Accounts of real people (customers, fans, chatter ...), the rest of ``people``."""
        return (
            self.people
            - self.employees
            - self.partners_disclosed
            - self.partners_undisclosed
            - self.farm_total
            - self.ring_total
        )
