"""Security headers on every response: a Content-Security-Policy without inline script, and friends.

HSTS is sent only where ``SECURITY_HSTS`` is on (production), since it makes
browsers refuse plain HTTP to this host for a year.
"""

from __future__ import annotations

from flask import Flask, current_app

RECAPTCHA_SOURCES = ("https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/")


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def content_security_policy(config) -> str:
    """Return the policy: only this site's own scripts, styles, images and forms; no framing."""
    policy = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    if config.get("RECAPTCHA_PUBLIC_KEY") and config.get("RECAPTCHA_PRIVATE_KEY"):
        policy["script-src"] += RECAPTCHA_SOURCES
        policy["frame-src"] = ["https://www.google.com/recaptcha/", "https://recaptcha.google.com/recaptcha/"]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())


def add_security_headers(response):
    """Set the headers a view has not set itself."""
    config = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(config))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if config.get("SECURITY_HSTS"):
        headers.setdefault("Strict-Transport-Security", f"max-age={config['HSTS_MAX_AGE']}; includeSubDomains")
    return response
