"""The e-mail digest: subscribers get the period's published posts, daily or weekly."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the digest's mail context (the posts a digest lists)."""
    from blog.digest import services  # noqa: F401
