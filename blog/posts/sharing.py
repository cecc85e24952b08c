"""What a post tells search engines and link previews: description, canonical URL, Open Graph,
Twitter card and JSON-LD ``BlogPosting``, all with absolute URLs from ``BLOG_BASE_URL``."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from flask import current_app, url_for
from markupsafe import Markup

from blog.models import Post

DEFAULT_IMAGE = "img/share.png"
_FIRST_IMAGE = re.compile(r'<img\b[^>]*?\bsrc="([^"]+)"')
# Inside <script>, "</script>" or "<!--" in a title would end or bend the element: JSON can say them escaped.
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@dataclass(frozen=True, slots=True)
class Sharing:
    title: str
    description: str
    url: str
    image: str
    published: str | None
    modified: str
    author: str
    author_url: str
    json_ld: Markup


def _absolute(path: str) -> str:
    return urljoin(current_app.config["BLOG_BASE_URL"].rstrip("/") + "/", path)


def first_image(body_html: str) -> str | None:
    """The address of the first image in a post's (sanitised) HTML, or None."""
    found = _FIRST_IMAGE.search(body_html or "")
    return _absolute(html.unescape(found.group(1))) if found else None


def default_image() -> str:
    """The site's preview image: ``BLOG_SHARE_IMAGE`` when set, else the one shipped in static/."""
    return current_app.config.get("BLOG_SHARE_IMAGE") or _absolute(url_for("static", filename=DEFAULT_IMAGE))


def script_json(data: dict) -> Markup:
    """``data`` as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup("".join(_SCRIPT_UNSAFE.get(char, char) for char in text))  # noqa: S704 - escaped above


def sharing(post: Post) -> Sharing:
    """The tags a post page shows to search engines and link previews."""
    url = _absolute(url_for("main.post", slug=post.slug))
    author_url = _absolute(url_for("main.author", username=post.author.username))
    image = first_image(post.body_html) or default_image()
    published = post.publish_at.isoformat() if post.publish_at else None
    modified = post.updated_at.isoformat()
    json_ld = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.share_description,
        "url": url,
        "mainEntityOfPage": url,
        "image": image,
        "datePublished": published,
        "dateModified": modified,
        "author": {"@type": "Person", "name": post.author.name, "url": author_url},
        "keywords": [tag.name for tag in post.tags],
    }
    return Sharing(
        post.title,
        post.share_description,
        url,
        image,
        published,
        modified,
        post.author.name,
        author_url,
        script_json(json_ld),
    )
