"""Routes of the ``api_tokens`` blueprint: a user creates and revokes their API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blog.api import services

bp = Blueprint("api_tokens", __name__)


@bp.get("/")
@login_required
def index():
    return render_template("api/tokens.html", tokens=services.tokens_of(current_user), new_token=None)


@bp.post("/")
@login_required
def create():
    name = (request.form.get("name") or "").strip()
    if not name:
        abort(400, "Give the token a name, so you know later what uses it.")
    token = services.create_token(current_user, name)
    return render_template("api/tokens.html", tokens=services.tokens_of(current_user), new_token=token), 201


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if not services.revoke_token(current_user, token_id):
        abort(404, "You have no token with that id.")
    flash("Token revoked.", "success")
    return redirect(url_for(".index"))
