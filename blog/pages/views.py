"""Routes of the ``pages`` blueprint: a page at ``/p/<slug>``, and the editors' list and editor."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from blog.extensions import db
from blog.main.cache import cached_page
from blog.models import Page
from blog.pages import services
from blog.pages.forms import PageForm
from blog.permissions import moderate_permission, require

bp = Blueprint("pages", __name__)


def _page_or_404(page_id: int) -> Page:
    return db.session.get(Page, page_id) or abort(404)


@bp.get("/p/<slug>")
@cached_page
def show(slug: str):
    page = db.session.execute(db.select(Page).where(Page.slug == slug)).scalar_one_or_none() or abort(404)
    return render_template("pages/page.html", page=page)


@bp.get("/pages/")
@require(moderate_permission)
def index():
    pages = db.session.execute(db.select(Page).order_by(Page.nav_order, Page.title)).scalars().all()
    return render_template("pages/index.html", pages=pages)


@bp.route("/pages/new", methods=["GET", "POST"])
@require(moderate_permission)
def new():
    form = PageForm()
    if form.validate_on_submit():
        page = services.save_page(None, **form.values())
        flash(f"Page “{page.title}” saved.", "success")
        return redirect(url_for(".show", slug=page.slug))
    return render_template("pages/edit.html", form=form, page=None)


@bp.route("/pages/<int:page_id>/edit", methods=["GET", "POST"])
@require(moderate_permission)
def edit(page_id: int):
    page = _page_or_404(page_id)
    form = PageForm(data=PageForm.data_of(page), page=page)
    if form.validate_on_submit():
        services.save_page(page, **form.values())
        flash(f"Page “{page.title}” saved.", "success")
        return redirect(url_for(".show", slug=page.slug))
    return render_template("pages/edit.html", form=form, page=page)


@bp.post("/pages/<int:page_id>/delete")
@require(moderate_permission)
def delete(page_id: int):
    page = _page_or_404(page_id)
    services.delete_page(page)
    flash(f"Page “{page.title}” is deleted.", "info")
    return redirect(url_for(".index"))
