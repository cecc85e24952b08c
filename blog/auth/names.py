"""Display names that cannot pass for someone else: the rule, written once.

Two names are confusable when their *skeletons* are equal. The skeleton is
the name after Unicode NFKC (fullwidth and compatibility forms become plain
letters) and case folding, with accents dropped, the Cyrillic and Greek
letters that look Latin mapped to those Latin letters, the digits that look
like letters mapped to them (0→o, 1→l, 3→e, ...; and i→l, since l, I and 1
look alike), everything but letters and digits dropped, and finally
``rn``→``m`` and ``vv``→``w``. A display name may not have the skeleton of a
role or staff word (``admin``, ``moderator``, ...) or of another user's
username. (A hand-written table, not the whole of Unicode's TR39 list: it
covers the look-alikes of the Latin letters usernames are made of.)
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import func

from blog.extensions import db
from blog.models import ROLE_NAMES, User

RESERVED = (*ROLE_NAMES, "administrator", "moderator", "staff", "support", "system", "root", "official")

_LOOK_ALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "l", "ї": "l", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ь": "b",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w",
    # Latin look-alikes and digits
    "ı": "l", "ł": "l", "ɡ": "g", "ß": "ss", "0": "o", "1": "l", "i": "l", "|": "l", "3": "e", "4": "a",
    "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
}  # fmt: skip
_TABLE = str.maketrans(_LOOK_ALIKES)
#: The same mapping for what a username may hold (a-z, 0-9, ``.``, ``-``, ``_``), as SQL ``replace`` steps.
_USERNAME_STEPS = [(".", ""), ("-", ""), ("_", "")] + [
    (char, latin) for char, latin in _LOOK_ALIKES.items() if char.isascii() and char.isalnum()
]
_PAIRS = (("rn", "m"), ("vv", "w"))


def skeleton(name: str) -> str:
    """Return the form of ``name`` that confusable names share."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    bare = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
    text = "".join(c for c in bare.translate(_TABLE) if c.isalnum())
    for pair, single in _PAIRS:
        text = text.replace(pair, single)
    return text


def _username_skeleton_sql():
    expression = func.lower(User.username)
    for old, new in [*_USERNAME_STEPS, *_PAIRS]:
        expression = func.replace(expression, old, new)
    return expression


def display_name_problem(name: str, user: User | None) -> str | None:
    """Say why ``name`` may not be ``user``'s display name (it passes for a role or someone else), or None."""
    shape = skeleton(name)
    if not shape:
        return None
    if shape in {skeleton(word) for word in RESERVED}:
        return "This name is kept for the blog's staff; choose another."
    query = db.select(User.id).where(_username_skeleton_sql() == shape)
    if user is not None and user.id is not None:
        query = query.where(User.id != user.id)
    if db.session.execute(query.limit(1)).first() is not None:
        return "This name looks like another user's name; choose another."
    return None
