"""Routes of the ``auth`` blueprint."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
