"""Writing: the editor, scheduled publishing and the tasks behind it, and what a post tells link previews."""

from flask import Flask

from blog.posts.sharing import sharing


def init_app(app: Flask) -> None:
    """Give templates ``sharing(post)``: the post page's description, Open Graph and JSON-LD tags."""
    app.jinja_env.globals.update(sharing=sharing)
