"""Words for the search index: Chinese cut into words, Traditional folded into Simplified.

Only runs of Han characters are touched: each is converted to Simplified
(OpenCC ``t2s``, whose data ships in the wheel) and cut by rjieba in search
mode, which yields a long word and the dictionary words inside it (博客系统 ->
博客, 系统), the words separated by spaces. Everything else, English words
included, is left for the database's own tokenizer, so English is indexed as
before. The query is cut by the same function, so a word is found whichever
way round it was written.

rjieba rather than jieba: it is maintained (jieba's last release is from
2020), segments several times faster, and carries its dictionary inside the
extension instead of building a cache file in the temporary folder on first use.
The HMM guesser for unknown words is off: it makes the cut depend on the
neighbouring text, and the index and the query must cut the same word alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc
import rjieba

_HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
HAN = re.compile(f"[{_HAN_CHARS}]+")
#: A token as both databases' tokenizers see one: letters and digits, no underscore.
TOKEN = re.compile(r"[^\W_]+")
#: Letters and digits that are not Han: Latin words and the like, left to the database.
OTHER = re.compile(f"[^\\W_{_HAN_CHARS}]+")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Return ``text`` with Traditional characters replaced by Simplified ones."""
    return _converter().convert(text) if HAN.search(text) else text


def segment(text: str) -> str:
    """Return ``text`` ready for the index: each Han run folded and cut into spaced words."""
    return HAN.sub(_cut, text)


def _cut(match: re.Match) -> str:
    return " " + " ".join(rjieba.cut_for_search(fold(match.group()), False)) + " "


def tokens(text: str) -> list[str]:
    """Return the tokens the index holds for ``text``, in order (lower-cased)."""
    return [token.lower() for token in TOKEN.findall(segment(text))]


def has_han(text: str) -> bool:
    """Tell whether ``text`` holds any Han character."""
    return HAN.search(text) is not None
