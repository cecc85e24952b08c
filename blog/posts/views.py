"""Routes of the ``posts`` blueprint: the editor."""

from flask import Blueprint

bp = Blueprint("posts", __name__)
