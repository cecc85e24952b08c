"""Search snippets built in Python from a post's own text, so that Chinese words are highlighted as written.

The index holds a segmented, Simplified copy of each post, which is no text
to show a reader; so the snippet is cut from the post's Markdown instead:
Markdown punctuation dropped, then the window of about :data:`WIDTH` columns
(a Han character is two) holding the most distinct matches. A match is a
query token found in a Han run (compared in Simplified, so 資料 lights up for
资料), or a Latin word equal to a token, sharing its English stem (the index
stems English words), or starting with a prefix.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape

from blog.main.search_query import Query
from blog.main.segment import HAN, OTHER, TOKEN, fold

WIDTH = 150
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKDOWN_PUNCTUATION = re.compile(r"[*`#|~>]+|-{3,}|={3,}|\]\([^)\s]*\)|!?\[")
_SPACES = re.compile(r"\s+")
_MAX_SPANS = 200


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


def snippet(body: str, query: Query) -> Markup:
    """Return the escaped, highlighted passage of ``body`` that best matches ``query``."""
    text = _SPACES.sub(" ", _MARKDOWN_PUNCTUATION.sub(" ", body)).strip()
    spans = _spans(text, query)
    start, end = _window(text, spans)
    out, at = [], start
    for left, right in spans:
        if left >= start and right <= end:
            out += [str(escape(text[at:left])), "<mark>", str(escape(text[left:right])), "</mark>"]
            at = right
    out.append(str(escape(text[at:end])))
    return Markup(("…" if start else "") + "".join(out) + ("…" if end < len(text) else ""))  # noqa: S704 - escaped


def _spans(text: str, query: Query) -> list[tuple[int, int]]:
    folded = fold(text)
    if len(folded) != len(text):  # a conversion that changed the length cannot be mapped back
        folded = text
    items = [item for group in query.groups for item in group]
    han = sorted({t for item in items for t in item.tokens if HAN.match(t)}, key=len, reverse=True)
    words = {t for item in items for t in item.tokens if not HAN.match(t)}
    stems = {_stemmer().stemWord(word) for word in words}
    prefixes = tuple(item.tokens[-1] for item in items if item.prefix)
    spans = []
    for match in TOKEN.finditer(folded):
        for run in HAN.finditer(match.group()) if han or prefixes else ():
            spans += _han_spans(run.group(), match.start() + run.start(), han, prefixes)
        for piece in OTHER.finditer(match.group()):
            word = piece.group().lower()
            if word in words or _stemmer().stemWord(word) in stems or word.startswith(prefixes or ("\0",)):
                spans.append((match.start() + piece.start(), match.start() + piece.end()))
        if len(spans) > _MAX_SPANS:
            break
    return sorted(spans)


def _han_spans(run: str, offset: int, han: list[str], prefixes: tuple[str, ...]) -> list[tuple[int, int]]:
    taken = [False] * len(run)
    spans = []
    for token in [*han, *(p for p in prefixes if HAN.match(p))]:
        for found in re.finditer(re.escape(token), run):
            if not any(taken[found.start() : found.end()]):
                taken[found.start() : found.end()] = [True] * len(token)
                spans.append((offset + found.start(), offset + found.end()))
    return spans


def _width(char: str) -> int:
    return 2 if HAN.match(char) else 1


def _window(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """Choose the stretch of ``text`` about WIDTH columns wide that holds the most distinct matches."""
    best, best_count = 0, -1
    for left, _ in spans:
        start = max(0, left - WIDTH // 3)
        seen = {text[a:b].lower() for a, b in spans if start <= a < start + WIDTH // 2}
        if len(seen) > best_count:
            best, best_count = start, len(seen)
    if best:  # start on a word boundary where there is one close by
        space = text.rfind(" ", max(0, best - 10), best)
        best = space + 1 if space >= 0 else best
    end, width = best, 0
    while end < len(text) and width < WIDTH:
        width, end = width + _width(text[end]), end + 1
    for left, right in spans:  # never cut a highlighted word in two
        if left < end < right:
            end = right
    return best, end
