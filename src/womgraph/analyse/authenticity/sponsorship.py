"""Undisclosed sponsorship: partner content about the brand without a disclosure marker.

Such content is already class ``incentivized`` (the actor is a partner); the flag is a review
item for compliance (advertising rules require disclosure) and does not change classes.
Disclosure markers are those of ``docs/classes.md`` (``#ad``, ``#sponsored``, ``#gifted``,
"thanks @brand for sending", ...) or ``paid: true``.
"""

from __future__ import annotations

from ..frame import Frame

__all__ = ["undisclosed_sponsorship"]


def undisclosed_sponsorship(frame: Frame) -> list[dict]:
    rows = frame.con.execute(
        """
        SELECT e.actor, count(*) AS undisclosed, list(e.id ORDER BY e.ts, e.id)[1:10] AS events,
               count(*) FILTER (WHERE e.campaign IS NOT NULL) AS with_campaign
        FROM ev e JOIN acc a ON a.id = e.actor
        WHERE a.role = 'partner' AND e.type IN ('post', 'mention', 'share', 'reply', 'review')
          AND NOT coalesce(e.paid, false)
          AND NOT regexp_matches(lower(coalesce(e.text, '')), $disclosure)
        GROUP BY e.actor ORDER BY e.actor
        """,
        {"disclosure": frame.disclosure_regex()},
    ).fetchall()
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
