"""Trusting a reverse proxy's ``X-Forwarded-*`` headers, and only when told to.

With ``BLOG_PROXY_COUNT=N`` the app sits behind N proxies (nginx, a load
balancer) and Werkzeug's ``ProxyFix`` takes the client address, scheme, host,
port and prefix from the headers the last N of them added: rate limits count
the real visitor, ``url_for(_external=True)`` builds the public URL. Without
it the headers are ignored (anyone can send them), and the first request that
carries ``X-Forwarded-For`` logs one warning, because behind a proxy every
visitor would otherwise share the proxy's address.
"""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger("blog.proxy")


def init_app(app: Flask) -> None:
    """Wrap the WSGI app (outermost) in ``ProxyFix`` for ``BLOG_PROXY_COUNT`` proxies, or in the warning."""
    count = app.config["BLOG_PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count, x_prefix=count)
    else:
        app.wsgi_app = WarnAboutForwardedHeaders(app.wsgi_app)


class WarnAboutForwardedHeaders:
    """Pass requests through; warn once per process when one says it came through a proxy."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.warned = False

    def __call__(self, environ, start_response):
        if not self.warned and "HTTP_X_FORWARDED_FOR" in environ:
            self.warned = True
            log.warning(
                "a request came with X-Forwarded-For but BLOG_PROXY_COUNT is unset, so the header is ignored "
                "and every visitor behind the proxy shares its address (rate limits, logs); "
                "set BLOG_PROXY_COUNT to the number of proxies in front of the blog"
            )
        return self.wsgi_app(environ, start_response)
