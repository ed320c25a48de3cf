"""Text templates of the generated community, each category with the markers it must (not) carry.

The ground truth of an event depends on its text (docs/classes.md): whether it *names the brand*,
carries a *disclosure marker* or a *contest marker*. Every template declares these three facts and
:func:`check_templates` verifies them against the marker lists, so a new template that says
"#winter" (a contest marker, ``#win``) or "#adorable" (``#ad``) is caught by a test, not by a wrong
truth file.

>>> t = TextTable()
>>> t.strings[int(t.ids("social_post")[0])]
'Morning run done, legs are jelly'
>>> check_templates()
[]
"""

from __future__ import annotations

import re

import numpy as np

from .model import BRANDS

__all__ = [
    "CONTEST_MARKERS",
    "DISCLOSURE_MARKERS",
    "TEMPLATES",
    "TextTable",
    "check_templates",
    "text_flags",
]

#: Markers of docs/classes.md, matched case-insensitively as substrings (the strictest reading).
DISCLOSURE_MARKERS = (
    "#ad",
    "#sponsored",
    "#gifted",
    "#partner",
    "#affiliate",
    "paid partnership",
    "use my code",
) + tuple(f"thanks @{b[2]} for sending" for b in BRANDS)
CONTEST_MARKERS = (
    "#giveaway",
    "#contest",
    "#win",
    "giveaway",
    "tag 3 friends",
    "tag three friends",
    "tag a friend",
    "to win",
)

#: category -> (names_brand, disclosure, contest, templates); ``None``: either way.
#: ``{code}`` is filled per partner.
TEMPLATES: dict[str, tuple[bool | None, bool, bool, tuple[str, ...]]] = {
    "brand_post": (
        True,
        False,
        False,
        (
            "New from Lumora: the overnight repair cream is here",
            "Lumora tip of the week: layer thin to thick",
            "Behind the scenes at Lumora: how we test every batch",
            "Our Lumora summer edit just dropped",
            "Restocked! Your favourite Lumora cleanser is back",
            "Five ways to use Lumora hydrating mist",
            "Meet the team who formulates Lumora",
            "Free shipping weekend at Lumora",
        ),
    ),
    "giveaway_post": (
        True,
        False,
        True,
        ("GIVEAWAY! Tag 3 friends to win a Lumora bundle #giveaway",),
    ),
    "winners": (
        False,
        False,
        True,
        ("Congratulations to our giveaway winners, check your messages!",),
    ),
    "brand_reply": (
        False,
        False,
        False,
        (
            "Thank you so much!",
            "So glad you like it",
            "Send us a message and we will sort it out",
            "Good news: it is back next week",
        ),
    ),
    "fan_reply": (
        False,
        False,
        False,
        (
            "Love this!",
            "When is this back in stock?",
            "Gorgeous colours",
            "Does it ship to Canada?",
            "Need this",
            "Is it fragrance free?",
        ),
    ),
    "employee_post": (
        True,
        False,
        False,
        (
            "Proud of what the Lumora team shipped this week",
            "Come work with us at Lumora, we are hiring",
            "Packing orders at the Lumora warehouse today",
        ),
    ),
    "partner_disclosed": (
        True,
        True,
        False,
        (
            "#ad My evening routine with @lumora, use my code {code} for 15% off",
            "#ad Paid partnership with @lumora: honest thoughts after a month",
            "Trying the new @lumora serum #sponsored, use my code {code}",
        ),
    ),
    "partner_undisclosed": (
        True,
        False,
        False,
        (
            "Obsessed with my new @lumora serum, link in bio",
            "My holy grail cream is from Lumora",
            "Cannot travel without my Lumora mist",
        ),
    ),
    "gifted": (
        True,
        True,
        False,
        (
            "#gifted thanks @lumora for sending this, first impressions soon",
            "#gifted unboxing my @lumora parcel",
        ),
    ),
    "story": (
        True,
        False,
        False,
        (
            "Three weeks with the Lumora night cream and my skin has never been calmer",
            "Honestly the best thing I bought this year is from Lumora",
            "Switched my whole routine to Lumora and not looking back",
            "Lumora customer service replaced my broken bottle in a day",
            "Finished my first jar of Lumora cream, reordering now",
        ),
    ),
    "brand_mention_story": (
        True,
        False,
        False,
        (
            "Loving my order from @lumora",
            "@lumora you did it again",
            "Second jar from @lumora and still impressed",
        ),
    ),
    "mention_peer": (
        True,
        False,
        False,
        (
            "You have to try @lumora, it fixed my dry skin",
            "Look what I found at @lumora, thought of you",
            "This @lumora cream is the one I told you about",
        ),
    ),
    "story_reply": (
        False,
        False,
        False,
        (
            "Which one did you get?",
            "Ooh adding it to my list",
            "Does it work for sensitive skin?",
            "How long until you saw a difference?",
            "Okay you convinced me",
        ),
    ),
    "brand_naming_reply": (
        True,
        False,
        False,
        (
            "Lumora cleanser fixed exactly that for me",
            "Try Lumora, seriously",
            "I had the same problem until I found Lumora",
        ),
    ),
    "recommendation": (
        True,
        False,
        False,
        (
            "You should really try Lumora, I think you would love the night cream",
            "Remember the cream I mentioned? It is Lumora, here is the link",
            "Lumora is worth it, trust me",
        ),
    ),
    "referral": (
        True,
        False,
        False,
        (
            "Here is 15% off your first Lumora order",
            "Join me on Lumora and we both get a treat",
        ),
    ),
    "review": (
        None,
        False,
        False,
        (
            "Five stars, would buy again",
            "Arrived quickly and works as promised",
            "Lovely texture, a bit pricey",
            "Not for me, sadly",
            "My skin feels amazing",
            "Lumora nailed it",
        ),
    ),
    "contest_entry": (
        True,
        False,
        True,
        (
            "Entering the @lumora giveaway, fingers crossed",
            "Tag 3 friends to win: done! @lumora",
        ),
    ),
    "social_post": (
        False,
        False,
        False,
        (
            "Morning run done, legs are jelly",
            "Anyone got a good book for the weekend?",
            "Finally finished that puzzle",
            "Coffee first, questions later",
            "The sunset tonight was unreal",
            "New recipe attempt: lemon pasta",
            "Can't believe it's already Friday",
            "Garden update: the tomatoes survived",
            "Rainy day, movie marathon",
            "First day at the new job!",
            "Who else is watching the match tonight?",
            "Trying to drink more water this month",
            "Weekend hike with the dog",
            "Home-made pizza night",
            "Learning to knit, send help",
        ),
    ),
    "social_reply": (
        False,
        False,
        False,
        (
            "Haha same",
            "So true",
            "Congrats!!",
            "That looks amazing",
            "Save me a slice",
            "Good luck!",
            "Where is this?",
            "Miss you!",
        ),
    ),
    "social_mention": (
        False,
        False,
        False,
        (
            "Remember this place?",
            "We should go here this weekend",
            "This made me think of you",
            "Look who I ran into",
        ),
    ),
}


def text_flags(text: str) -> tuple[bool, bool, bool]:
    """(names the brand, has a disclosure marker, has a contest marker) of a text.

    Brand names count as whole words (``@lumora``, ``Lumora's``); markers as substrings.

    >>> text_flags("#ad use my code X, thanks @lumora for sending")
    (True, True, False)
    >>> text_flags("Building a snowman #winter")
    (False, False, True)
    """
    low = text.lower()
    names = {n.lower() for b in BRANDS for n in b}
    alts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    brand = re.search(rf"(^|[^a-z0-9_])[@#]?({alts})([^a-z0-9_]|$)", low) is not None
    # A brand name glued to other letters (#lumoralove) is ambiguous: treat it as naming.
    brand = brand or any(n in low for n in names)
    return (
        brand,
        any(m in low for m in DISCLOSURE_MARKERS),
        any(m in low for m in CONTEST_MARKERS),
    )


def check_templates() -> list[str]:
    """Templates whose markers differ from what their category declares (empty when all agree)."""
    bad = []
    for cat, (brand, disc, contest, texts) in TEMPLATES.items():
        for t in texts:
            got = text_flags(t.replace("{code}", "CODE15"))
            want = (got[0] if brand is None else brand, disc, contest)
            if got != want:
                bad.append(f"{cat}: {t!r} has flags {text_flags(t)}")
    return bad


class TextTable:
    """All distinct texts of a community; events hold an index into :attr:`strings`."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self._index: dict[str, int] = {}
        self._cats: dict[str, np.ndarray] = {}
        for cat, (_, _, _, texts) in TEMPLATES.items():
            if "{code}" not in "".join(texts):
                self._cats[cat] = np.array([self.id(t) for t in texts], dtype=np.int32)

    def id(self, text: str) -> int:
        """Index of ``text``, added when new."""
        i = self._index.get(text)
        if i is None:
            i = self._index[text] = len(self.strings)
            self.strings.append(text)
        return i

    def ids(self, category: str) -> np.ndarray:
        """Indices of the templates of ``category``."""
        return self._cats[category]

    def pick(self, rng: np.random.Generator, category: str, n: int) -> np.ndarray:
        """``n`` random texts of ``category``."""
        ids = self._cats[category]
        return ids[rng.integers(0, len(ids), n)]

    def coded(self, category: str, code: str) -> np.ndarray:
        """Indices of the templates of ``category`` with ``{code}`` filled in."""
        _, _, _, texts = TEMPLATES[category]
        return np.array([self.id(t.replace("{code}", code)) for t in texts], dtype=np.int32)
