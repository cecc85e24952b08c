"""Routes of the ``main`` blueprint: what readers see."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from markupsafe import Markup

from blog.extensions import limiter
from blog.main import cache, queries
from blog.main.cache import cached_page
from blog.main.search import search as run_search
from blog.models import Tag, utcnow
from blog.permissions import EditPostPermission, comment_permission
from blog.posts.forms import CommentForm
from blog.text import xml_safe

bp = Blueprint("main", __name__)


def cached_url(endpoint: str, **values) -> str:
    """``url_for`` with one argument, memoised: lists repeat dozens of post, author and tag links per page,
    and building them was half the cost of rendering a list."""
    ((name, value),) = values.items()
    return _memo_url(request.script_root, endpoint, name, value)


@lru_cache(maxsize=16_384)
def _memo_url(_script_root: str, endpoint: str, name: str, value: str) -> str:
    return url_for(endpoint, **{name: value})


def _page() -> int:
    """The ``?page=`` number: not a number means the first page; below 1 is a 404."""
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > 100_000:
        abort(404)
    return page


def _listing_or_404(listing: queries.PostPage) -> queries.PostPage:
    if listing.page > 1 and not listing.posts:
        abort(404)
    return listing


@bp.get("/")
@cached_page
def index():
    listing = _listing_or_404(queries.home_page(_page()))
    return render_template("main/index.html", listing=listing, sidebar=_sidebar_html())


@bp.get("/post/<slug>")
@cached_page
def post(slug: str):
    found = queries.post_with_comments(slug)
    if found is None:
        moved = queries.renamed_post(slug)
        if moved is None or not (moved.is_public or EditPostPermission(moved).can()):
            abort(404)
        return redirect(url_for(".post", slug=moved.slug), 301)
    if not found.post.is_public and not EditPostPermission(found.post).can():
        abort(404)  # drafts and scheduled posts do not exist for other readers
    form = CommentForm() if comment_permission.can() else None
    return render_template("main/post.html", post=found.post, comments=found.comments, form=form)


@bp.get("/tag/<name>")
@cached_page
def tag(name: str):
    found = _tag_or_404(name)
    if found.name != name:
        return redirect(url_for(".tag", name=found.name), 301)
    listing = _listing_or_404(queries.tag_page(found, _page()))
    return render_template("main/tag.html", tag=found, listing=listing)


@bp.get("/user/<username>")
@cached_page
def author(username: str):
    found = queries.author_named(username) or abort(404)
    listing = _listing_or_404(queries.author_page(found, _page()))
    return render_template("main/author.html", author=found, listing=listing)


@bp.get("/search")
@limiter.limit(
    lambda: current_app.config["RATELIMIT_SEARCH"],
    key_func=get_remote_address,
    error_message="Too many searches from your address; please wait a minute and try again.",
)
@cached_page
def search():
    results = run_search(request.args.get("q", ""), _page())
    return render_template("main/search.html", results=results)


@bp.get("/feed.atom")
@cached_page
def feed():
    return _atom(
        queries.feed_posts(),
        title=current_app.config["BLOG_NAME"],
        self_url=url_for(".feed"),
        alternate=url_for(".index"),
    )


@bp.get("/tag/<name>/feed.atom")
@cached_page
def tag_feed(name: str):
    found = _tag_or_404(name)
    return _atom(
        queries.feed_posts(found),
        title=f"{current_app.config['BLOG_NAME']}: #{found.name}",
        self_url=url_for(".tag_feed", name=found.name),
        alternate=url_for(".tag", name=found.name),
    )


@bp.get("/sitemap.xml")
@cached_page
def sitemap():
    posts, tags = queries.sitemap_entries()
    body = render_template("main/sitemap.xml", posts=posts, tags=tags, base=current_app.config["BLOG_BASE_URL"])
    return current_app.response_class(xml_safe(body), content_type="application/xml; charset=utf-8")


_sidebar_memo: dict[int, Markup] = {}


def _sidebar_html() -> Markup:
    """The home page's sidebar, rendered once per page-cache generation in each process."""
    generation = cache.generation()
    html = _sidebar_memo.get(generation)
    if html is None:
        html = Markup(render_template("main/_sidebar.html", sidebar=queries.sidebar()))  # noqa: S704 - a template
        _sidebar_memo.clear()  # only the current generation is ever asked for again
        _sidebar_memo[generation] = html
    return html


def _tag_or_404(name: str) -> Tag:
    return queries.tag_named(Tag.normalise(name)) or abort(404)


def _atom(posts, *, title: str, self_url: str, alternate: str):
    updated = max((post.updated_at for post in posts), default=utcnow())
    body = render_template(
        "main/feed.atom.xml",
        posts=posts,
        title=title,
        self_url=self_url,
        updated=updated,
        alternate=alternate,
        base=current_app.config["BLOG_BASE_URL"],
    )
    # Rows saved before input was cleaned may still hold characters no XML may carry.
    return current_app.response_class(xml_safe(body), content_type="application/atom+xml; charset=utf-8")
