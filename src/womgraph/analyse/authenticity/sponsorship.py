"""Undisclosed sponsorship: partner content about the brand without a disclosure marker.

Such content is already class ``incentivized`` (the actor is a partner); the flag is a review
item for compliance (advertising rules require disclosure) and does not change classes.
Disclosure markers are those of ``docs/classes.md`` (``#ad``, ``#sponsored``, ``#gifted``,
"thanks @brand for sending", ...) or ``paid: true``.
"""

from __future__ import annotations

from ..frame import Frame
from .examples import collecting

__all__ = ["undisclosed_sponsorship"]


def undisclosed_sponsorship(frame: Frame) -> list[dict]:
    counts = frame.con.execute(  # counted per partner in the ``partner_stats`` tally
        "SELECT actor, undisclosed, with_campaign FROM partner_stats ORDER BY actor"
    ).fetchall()
    with collecting(frame) as ex:
        examples = ex.first("undisclosed", [c[0] for c in counts], 10)
    rows = [(actor, n, examples[actor], camp) for actor, n, camp in counts]
    return [
        {
            "kind": "sponsorship",
            "rule": "undisclosed_sponsorship",
            "severity": "medium",
            "accounts": [actor],
            "evidence": {"events": events, "values": {"undisclosed_posts": n, "tied_to_campaign": camp}},
            "affects_class": False,
        }
        for actor, n, events, camp in rows
    ]
