"""The page editor's form: a slug that no other page and no route of the site uses."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from slugify import slugify
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from blog.extensions import db
from blog.models import Page
from blog.models.pages import PAGE_SLUG_MAX
from blog.posts.forms import BODY_MAX, TITLE_MAX


def route_prefixes() -> set[str]:
    """The first path segments the site's own routes use (``admin``, ``auth``, ``static``, ``p``…)."""
    prefixes = set()
    for rule in current_app.url_map.iter_rules():
        first = rule.rule.strip("/").split("/")[0]
        if first and "<" not in first:
            prefixes.add(first.lower())
    return prefixes


class PageForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[InputRequired("Give the page a title."), Length(max=TITLE_MAX)],
    )
    slug = StringField(
        "Slug",
        description="The page's address, /p/<slug>. Leave it empty to make one from the title.",
        validators=[Length(max=PAGE_SLUG_MAX, message=f"The slug can be at most {PAGE_SLUG_MAX} characters long.")],
    )
    body = TextAreaField(
        "Text (Markdown)",
        validators=[
            InputRequired("Write something on the page."),
            Length(max=BODY_MAX, message=f"The text can be at most {BODY_MAX:,} characters long."),
        ],
    )
    in_nav = BooleanField("Show in the navigation", default=True)
    nav_order = IntegerField(
        "Order in the navigation",
        default=0,
        validators=[Optional(), NumberRange(-1000, 1000, "Choose an order between -1000 and 1000.")],
    )

    def __init__(self, *args, page: Page | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page

    def validate_slug(self, field) -> None:
        slug = slugify(field.data or self.title.data or "", max_length=PAGE_SLUG_MAX)
        if not slug:
            raise ValidationError("A slug needs at least one letter or digit.")
        if slug in route_prefixes():
            raise ValidationError(f"“{slug}” is an address of the site itself (/{slug}/…): choose another.")
        other = db.session.execute(db.select(Page.id).where(Page.slug == slug)).scalar()
        if other is not None and (self.page is None or other != self.page.id):
            raise ValidationError(f"The slug “{slug}” is taken by another page: choose another.")
        field.data = slug

    def values(self) -> dict:
        """The page's fields as ``services.save_page`` takes them."""
        return dict(
            title=self.title.data,
            slug=self.slug.data,
            body=self.body.data,
            in_nav=self.in_nav.data,
            nav_order=self.nav_order.data or 0,
        )

    @staticmethod
    def data_of(page: Page) -> dict:
        return dict(title=page.title, slug=page.slug, body=page.body, in_nav=page.in_nav, nav_order=page.nav_order)
