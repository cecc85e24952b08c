"""Routes of the ``api_tokens`` blueprint: a user creates and revokes their API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blog.api import services
from blog.models.accounts import API_SCOPES

bp = Blueprint("api_tokens", __name__)


@bp.get("/")
@login_required
def index():
    return _page(new_token=None)


@bp.post("/")
@login_required
def create():
    name = (request.form.get("name") or "").strip()
    if not name:
        abort(400, "Give the token a name, so you know later what uses it.")
    try:
        token = services.create_token(current_user, name, request.form.getlist("scopes") or list(API_SCOPES))
    except services.InvalidRequest as problem:
        abort(400, str(problem).capitalize() + ".")
    return _page(new_token=token), 201


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if not services.revoke_token(current_user, token_id):
        abort(404, "You have no token with that id.")
    flash("Token revoked.", "success")
    return redirect(url_for(".index"))


def _page(new_token: str | None):
    tokens = [(token, services.expires_at(token)) for token in services.tokens_of(current_user)]
    return render_template("api/tokens.html", tokens=tokens, new_token=new_token, scopes=API_SCOPES)
