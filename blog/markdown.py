"""Markdown to safe HTML: rendered once when a post, page or comment is saved.

markdown-it-py renders CommonMark with tables, strikethrough, task lists and
highlighted code (``blog.highlight``) with raw HTML switched off; posts also get
heading ids with anchor links, footnotes and a ``[TOC]`` table of contents.
nh3 then keeps only an allow-list of tags, attributes, classes and URL schemes,
so nothing a writer types can run script in a reader's browser.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from blog.highlight import BLOCK_CLASS, LANGUAGE_CLASSES, TOKEN_CLASSES, highlight_block

WORDS_PER_MINUTE = 200
SUMMARY_LENGTH = 280
TOC_MARKER = "[TOC]"
ANCHOR_LABEL = "Link to this section"
# Ids the pages themselves use: a heading called "Comments" must not steal the comments' anchor.
RESERVED_IDS = frozenset({"comments", "editor", "preview", "content", "main"})

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
    "input",
    "li",
    "nav",
    "ol",
    "p",
    "pre",
    "s",
    "section",
    "span",
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
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
    "li": {"id"},
    "nav": {"aria-label"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
# Exactly the classes the renderer and Pygments emit; any other class is dropped.
ALLOWED_CLASSES = {
    "span": set(TOKEN_CLASSES),
    "pre": {BLOCK_CLASS},
    "code": set(LANGUAGE_CLASSES),
    "a": {"header-anchor", "footnote-backref"},
    "sup": {"footnote-ref"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
    "ol": {"footnotes-list"},
    "li": {"footnote-item", "task-list-item"},
    "ul": {"contains-task-list"},
    "input": {"task-list-item-checkbox"},
    "nav": {"toc"},
}
# Only the heading anchors' label: other ARIA attributes could make text pose as the page's own controls.
ARIA_VALUES = {"a": {"aria-label": {ANCHOR_LABEL}}}
# A task list's box is the only input: a disabled checkbox, whatever the HTML asked for.
ATTRIBUTE_VALUES = {"input": {"checked": {"checked"}}, **ARIA_VALUES}
INPUT_FORCED = {"input": {"type": "checkbox", "disabled": "disabled"}}
URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_SLUG_DROP = re.compile(r"[^\w\- ]")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A post's text rendered: its safe HTML, the first paragraph as text, and minutes to read it."""

    html: str
    summary: str
    reading_minutes: int


def heading_id(title: str) -> str:
    """The stable id of a heading: GitHub's style (lower case, spaces to dashes), never a page's own id."""
    slug = _SLUG_DROP.sub("", title.strip().lower()).replace(" ", "-") or "section"
    return f"section-{slug}" if slug in RESERVED_IDS or slug.startswith("comment-") else slug


def _base() -> MarkdownIt:
    options = {"html": False, "linkify": False, "typographer": False, "highlight": highlight_block}
    return MarkdownIt("commonmark", options).enable(["table", "strikethrough"]).use(tasklists_plugin)


def _post_renderer() -> MarkdownIt:
    renderer = _base().use(footnote_plugin)
    # The link has no text (the stylesheet draws its mark), so headings read as themselves.
    renderer.use(
        anchors_plugin, max_level=4, slug_func=heading_id, permalink=True, permalinkSymbol="", permalinkSpace=False
    )
    renderer.core.ruler.push("anchor_labels", _label_anchors)
    renderer.core.ruler.push("toc", _table_of_contents)
    return renderer


def sanitise_html(raw_html: str) -> str:
    """Keep only the allowed tags, attributes, classes and URL schemes of ``raw_html``."""
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        tag_attribute_values=ATTRIBUTE_VALUES,
        set_tag_attribute_values=INPUT_FORCED,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener ugc",
        filter_style_properties={"text-align"},
    )


def render_post(text: str) -> Rendered:
    """Render a post's or page's Markdown ``text`` once: HTML, summary and reading time from one parse."""
    env: dict = {}
    tokens = _renderer.parse(text or "", env)
    body_html = sanitise_html(_renderer.renderer.render(tokens, _renderer.options, env))
    words = sum(len(_WORD.findall(token.content)) for token in tokens if token.type in {"inline", "fence"})
    return Rendered(body_html, _cut(_first_paragraph(tokens)), max(1, math.ceil(words / WORDS_PER_MINUTE)))


def render_markdown(text: str) -> str:
    """Return sanitised HTML for the Markdown ``text`` of a post or page."""
    return render_post(text).html


def render_plain(text: str) -> str:
    """Return sanitised HTML for Markdown ``text`` that shares a page or a mail with others (a comment, an
    announcement): no heading ids, anchor links or footnotes."""
    return sanitise_html(_comment_renderer.render(text or ""))


def summarise(body_html: str, length: int = SUMMARY_LENGTH) -> str:
    """Return the plain-text start of ``body_html``, cut at a word near ``length`` characters."""
    return _cut(html.unescape(_TAG.sub(" ", body_html)), length)


def _cut(text: str, length: int = SUMMARY_LENGTH) -> str:
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= length:
        return text
    cut = text.rfind(" ", 0, length)
    return text[: cut if cut > length // 2 else length].rstrip(" ,.;:") + "…"


def _first_paragraph(tokens: list[Token]) -> str:
    """The text of the first top-level paragraph (not a table, a list, code or the ``[TOC]`` marker)."""
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0 and index + 1 < len(tokens):
            inline = tokens[index + 1]
            if inline.type == "inline" and inline.content.strip() != TOC_MARKER:
                return _inline_text(inline)
    return ""


def _inline_text(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
    return "".join(parts)


def _heading_title(inline: Token) -> str:
    """A heading's text without the anchor link the anchors plugin appended."""
    parts, in_anchor = [], False
    for child in inline.children or []:
        if child.type == "link_open" and child.attrGet("class") == "header-anchor":
            in_anchor = True
        elif child.type == "link_close" and in_anchor:
            in_anchor = False
        elif child.type in {"text", "code_inline"} and not in_anchor:
            parts.append(child.content)
    return "".join(parts).strip()


def _label_anchors(state) -> None:
    """Name the headings' anchor links for screen readers."""
    for token in state.tokens:
        for child in token.children or [] if token.type == "inline" else []:
            if child.type == "link_open" and child.attrGet("class") == "header-anchor":
                child.attrSet("aria-label", ANCHOR_LABEL)


def _table_of_contents(state) -> None:
    """Replace a paragraph holding only ``[TOC]`` by nested links to the post's headings."""
    tokens = state.tokens
    markers = [
        i
        for i in range(len(tokens) - 2)
        if tokens[i].type == "paragraph_open" and tokens[i].level == 0 and tokens[i + 1].content.strip() == TOC_MARKER
    ]
    if not markers:
        return
    headings = [
        (int(token.tag[1]), token.attrGet("id"), _heading_title(tokens[i + 1]))
        for i, token in enumerate(tokens)
        if token.type == "heading_open" and token.attrGet("id")
    ]
    for index in reversed(markers):
        block = Token("html_block", "", 0)
        block.content = _toc_html(headings)
        tokens[index : index + 3] = [block]


def _toc_html(headings: list[tuple[int, str, str]]) -> str:
    """Nested lists of links: a deeper heading opens a list inside the item before it."""
    parts, open_levels = ['<nav class="toc" aria-label="Contents">'], []
    for level, anchor, title in headings:
        if not open_levels or level > open_levels[-1]:
            parts.append("<ul>")
            open_levels.append(level)
        else:
            while len(open_levels) > 1 and level < open_levels[-1]:
                parts.append("</li></ul>")
                open_levels.pop()
            parts.append("</li>")
        parts.append(f'<li><a href="#{html.escape(anchor)}">{html.escape(title)}</a>')
    parts.append("</li></ul>" * len(open_levels) + "</nav>\n")
    return "".join(parts) if headings else ""


# Comments get no heading ids nor footnotes: their ids would clash with the post's on the same page.
_renderer = _post_renderer()
_comment_renderer = _base()
