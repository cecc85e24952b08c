"""Security headers on every response: a Content-Security-Policy without inline script, and friends.

HSTS is sent only where ``SECURITY_HSTS`` is on (production), since it makes
browsers refuse plain HTTP to this host for a year.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from blog.errors import wants_json

RECAPTCHA_SOURCES = ("https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/")


#: Fields never shown back on the "form expired" page.
_SECRET_FIELDS = ("csrf_token", "password", "confirm", "current_password")


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    app.register_error_handler(CSRFError, form_expired)


def form_expired(error: CSRFError):
    """Answer a missing or expired CSRF token with a page that gives the writer their text back."""
    if wants_json():
        return jsonify(error="CSRF", message=error.description, status=400), 400
    kept = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if value.strip() and not any(name.endswith(secret) for secret in _SECRET_FIELDS)
    ]
    hours = (current_app.config.get("WTF_CSRF_TIME_LIMIT") or 0) // 3600
    referrer = request.referrer or ""
    back = referrer if urlsplit(referrer).netloc == request.host else None
    page = render_template("auth/form_expired.html", kept=kept, reason=error.description, hours=hours, back=back)
    return page, 400


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
