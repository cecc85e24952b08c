"""Markdown to safe HTML: rendered once when a post or comment is saved.

markdown-it-py renders CommonMark with tables and strikethrough and with raw
HTML switched off; nh3 then keeps only an allow-list of tags, attributes and
URL schemes, so nothing a writer types can run script in a reader's browser.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def sanitise_html(raw_html: str) -> str:
    """Keep only the allowed tags, attributes and URL schemes of ``raw_html``."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener ugc",
        filter_style_properties={"text-align"},
    )


def render_markdown(text: str) -> str:
    """Return sanitised HTML for the Markdown ``text``."""
    return sanitise_html(_renderer.render(text or ""))


def summarise(body_html: str, length: int = 280) -> str:
    """Return the plain-text start of ``body_html``, cut at a word near ``length`` characters."""
    text = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", body_html))).strip()
    if len(text) <= length:
        return text
    cut = text.rfind(" ", 0, length)
    return text[: cut if cut > length // 2 else length].rstrip(" ,.;:") + "…"
