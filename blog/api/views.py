"""Routes of the ``api`` blueprint."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from blog.extensions import csrf, db

bp = Blueprint("api", __name__)
csrf.exempt(bp)


@bp.get("/health")
def health():
    """Answer 200 when the web process can reach its database (for load balancers)."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
