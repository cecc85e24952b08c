"""The search box's little language, parsed once and written out for SQLite FTS5 or PostgreSQL.

A search is words (all must match), ``"exact phrases"``, ``OR`` between two
of them, ``NOT word`` or ``-word`` to leave posts out, and ``prefix*``. The
same syntax works on both databases. Each word is cut into the index's tokens
by :mod:`blog.main.segment` (a Chinese word may give several, which must all
match; in quotes they must also be adjacent). Anything else (brackets,
colons, a dangling operator, an unbalanced quote) is read as plain words and
the reader is told so.

Every token written out consists of letters and digits only, so neither
database's query parser can be made to fail or to run something unexpected.
Words and prefixes are capped (issue 9, item 19): a search of 26 one-letter
prefixes would otherwise read most of the index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from blog.main.segment import tokens as index_tokens

MAX_WORDS = 10  # words and phrases in one search
MAX_PREFIXES = 3  # prefix* words in one search
MIN_PREFIX = 2  # characters before a *: shorter prefixes match most of the index
MAX_TOKENS = 32  # tokens one word or phrase may give (a long run of Chinese gives many)
_CHUNK = re.compile(r'"([^"]*)"(\*?)|([^\s"]+)')
_SYNTAX = re.compile(r"[()\[\]{}:^+*]")


@dataclass
class Item:
    """One word or phrase: its index tokens, whether they must be adjacent, and a trailing *."""

    tokens: list[str]
    phrase: bool = False
    prefix: bool = False


@dataclass
class Query:
    """Groups that must all match (each an OR of items), items that must not, and what was changed."""

    groups: list[list[Item]] = field(default_factory=list)
    excluded: list[Item] = field(default_factory=list)
    misread: bool = False  # something was not understood and was read as plain words
    capped: bool = False  # words or prefixes beyond the caps were left out

    @property
    def empty(self) -> bool:
        return not self.groups


def parse(text: str) -> Query:
    """Parse the search box's ``text`` into a :class:`Query`."""
    query = Query(misread=text.count('"') % 2 == 1)
    if query.misread:
        text = text.replace('"', " ")
    pending_or = negate = False
    words = prefixes = 0
    for match in _CHUNK.finditer(text):
        quoted, star, bare = match.groups()
        if bare in ("OR", "AND", "NOT"):
            query.misread |= (bare == "OR" and (pending_or or not query.groups)) or negate
            pending_or, negate = bare == "OR" and bool(query.groups), bare == "NOT"
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negate, bare = True, bare[1:]
        item = _item(quoted, star, bare, query)
        if item is None:
            continue
        if words >= MAX_WORDS or (item.prefix and prefixes >= MAX_PREFIXES):
            query.capped = True
            pending_or = negate = False
            continue
        words, prefixes = words + 1, prefixes + item.prefix
        if negate:
            query.excluded.append(item)
        elif pending_or:
            query.groups[-1].append(item)
        else:
            query.groups.append([item])
        pending_or = negate = False
    query.misread |= pending_or or negate
    if query.empty and query.excluded:
        # Only exclusions would list every post: look for the words instead.
        query.groups, query.excluded, query.misread = [[item] for item in query.excluded], [], True
    return query


def _item(quoted: str | None, star: str, bare: str | None, query: Query) -> Item | None:
    if quoted is not None:
        found = index_tokens(quoted)[:MAX_TOKENS]
        return Item(found, phrase=True, prefix=bool(star) and _long_enough(found)) if found else None
    prefix = bare.endswith("*")
    query.misread |= bool(_SYNTAX.search(bare.rstrip("*") if prefix else bare)) or bare.count("*") > 1
    found = index_tokens(bare)[:MAX_TOKENS]
    if not found:
        query.misread |= "*" in bare
        return None
    # A one-letter prefix is searched as the word itself.
    query.capped |= prefix and not _long_enough(found)
    return Item(found, phrase=False, prefix=prefix and _long_enough(found))


def _long_enough(found: list[str]) -> bool:
    return len(found[-1]) >= MIN_PREFIX


def to_fts5(query: Query) -> str:
    """Write ``query`` as an FTS5 MATCH expression."""
    positive = " AND ".join("(" + " OR ".join(_fts5_item(item) for item in group) + ")" for group in query.groups)
    if not query.excluded:
        return positive
    return f"{positive} NOT (" + " OR ".join(_fts5_item(item) for item in query.excluded) + ")"


def _fts5_item(item: Item) -> str:
    star = "*" if item.prefix else ""
    if item.phrase:
        return '"' + " ".join(item.tokens) + '"' + star
    quoted = [f'"{token}"' for token in item.tokens]
    quoted[-1] += star
    return quoted[0] if len(quoted) == 1 else "(" + " AND ".join(quoted) + ")"


def to_tsquery(query: Query) -> str:
    """Write ``query`` as the text of a PostgreSQL ``to_tsquery``."""
    positive = " & ".join("(" + " | ".join(_ts_item(item) for item in group) + ")" for group in query.groups)
    if not query.excluded:
        return positive
    return f"{positive} & !(" + " | ".join(_ts_item(item) for item in query.excluded) + ")"


def _ts_item(item: Item) -> str:
    quoted = [f"'{token}'" for token in item.tokens]
    if item.prefix:
        quoted[-1] += ":*"
    return "(" + (" <-> " if item.phrase else " & ").join(quoted) + ")"
