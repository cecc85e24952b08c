"""Slugs from titles in any script: pinyin for Chinese, Hepburn romaji for Japanese, romanised Hangul.

python-slugify (text-unidecode) reads every Han character as Mandarin, which
suits Chinese (我的第一篇博客 -> ``wo-de-di-yi-pian-bo-ke``) but garbles
Japanese, whose kana it runs together with Chinese readings of the kanji. A
title with kana is therefore romanised word by word with pykakasi (its
dictionary ships in the wheel) first. Korean Hangul romanises well as it is. A
title with nothing to romanise (only emoji or punctuation) gives ``""``: the
caller chooses the fallback.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pykakasi
from slugify import slugify

_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")


@lru_cache(maxsize=1)
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()  # type: ignore[no-untyped-call]  # pykakasi ships no annotations


def title_slug(title: str, max_length: int) -> str:
    """Return a readable ASCII slug for ``title`` of at most ``max_length`` characters, or ``""``."""
    if _KANA.search(title):
        title = " ".join(part["hepburn"] or part["orig"] for part in _kakasi().convert(title))
    return slugify(title, max_length=max_length, word_boundary=True)
