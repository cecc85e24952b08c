"""OAuth and OpenID Connect login through Authlib, configured by Authlib's own keys.

``OAUTH_PROVIDERS`` lists the providers to offer (``github,google,oidc``).
Each one reads ``<NAME>_CLIENT_ID`` and ``<NAME>_CLIENT_SECRET``; GitHub,
Google and Facebook have presets for the rest, and any other name is an
OpenID Connect provider found through ``<NAME>_SERVER_METADATA_URL`` (or given
``<NAME>_AUTHORIZE_URL``/``<NAME>_ACCESS_TOKEN_URL``/``<NAME>_API_BASE_URL``).
``<NAME>_LABEL`` names the button. Clients are built per app from its config,
so a changed setting takes effect without a restart of the registry.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import Flask, current_app, session

#: The settings a provider reads, as ``<NAME>_<SETTING>``.
SETTINGS = (
    "CLIENT_ID",
    "CLIENT_SECRET",
    "SERVER_METADATA_URL",
    "AUTHORIZE_URL",
    "ACCESS_TOKEN_URL",
    "API_BASE_URL",
    "USERINFO_ENDPOINT",
    "CLIENT_KWARGS",
    "LABEL",
)

PRESETS: dict[str, dict] = {
    "github": {
        "label": "GitHub",
        "authorize_url": "https://github.com/login/oauth/authorize",
        "access_token_url": "https://github.com/login/oauth/access_token",
        "api_base_url": "https://api.github.com/",
        "client_kwargs": {"scope": "read:user user:email"},
    },
    "google": {
        "label": "Google",
        "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
        "client_kwargs": {"scope": "openid email profile", "code_challenge_method": "S256"},
    },
    "facebook": {
        "label": "Facebook",
        "authorize_url": "https://www.facebook.com/v19.0/dialog/oauth",
        "access_token_url": "https://graph.facebook.com/v19.0/oauth/access_token",
        "api_base_url": "https://graph.facebook.com/v19.0/",
        "client_kwargs": {"scope": "email public_profile"},
    },
}
OIDC_DEFAULTS = {"client_kwargs": {"scope": "openid email profile", "code_challenge_method": "S256"}}


@dataclass
class Profile:
    """Who the provider says the user is."""

    subject: str
    email: str | None
    email_verified: bool
    name: str
    username_hint: str


def init_app(app: Flask) -> None:
    """Read each listed provider's settings from the environment as well as from the config."""
    for name in provider_names(app.config):
        for setting in SETTINGS:
            key = f"{name.upper()}_{setting}"
            if setting != "CLIENT_KWARGS" and os.environ.get(key):
                app.config[key] = os.environ[key]


def provider_names(config) -> list[str]:
    """The providers listed in ``OAUTH_PROVIDERS`` (a comma-separated string or a list)."""
    listed = config.get("OAUTH_PROVIDERS") or ""
    names = listed.split(",") if isinstance(listed, str) else listed
    return [name.strip().lower() for name in names if name.strip()]


def configured() -> list[tuple[str, str]]:
    """``(name, label)`` of the providers that are listed and have a client id."""
    config = current_app.config
    return [(name, label(name)) for name in provider_names(config) if config.get(f"{name.upper()}_CLIENT_ID")]


def is_configured(name: str) -> bool:
    return name in dict(configured())


def _settings(name: str) -> dict:
    settings = {
        key: dict(value) if isinstance(value, dict) else value
        for key, value in (PRESETS.get(name) or OIDC_DEFAULTS).items()
    }
    for setting in SETTINGS:
        value = current_app.config.get(f"{name.upper()}_{setting}")
        if value is not None:
            settings[setting.lower()] = value
    return settings


def client(name: str) -> FlaskOAuth2App:
    """Return the Authlib client of provider ``name`` for this app, rebuilt when its settings change."""
    settings = _settings(name)
    settings.pop("label", None)
    cache = current_app.extensions.setdefault("blog_oauth", {})
    signature = repr(sorted(settings.items()))
    cached = cache.get(name)
    if cached is None or cached[0] != signature:
        cached = (signature, FlaskOAuth2App(FlaskIntegration(name), name, **settings))
        cache[name] = cached
    return cached[1]


def forget_old_attempts(keep: int) -> None:
    """Drop all but the newest ``keep`` unfinished OAuth logins, so the session cookie stays small."""
    pending = sorted(
        (value.get("exp", 0) if isinstance(value, dict) else 0, key)
        for key, value in session.items()
        if key.startswith("_state_")
    )
    now = time.time()
    for _exp, key in pending[: max(0, len(pending) - keep)] + [(e, k) for e, k in pending if e < now]:
        session.pop(key, None)


def fetch_profile(name: str, remote: FlaskOAuth2App, token: dict) -> Profile:
    """Ask the provider who logged in: the ID token's claims, or its API for GitHub and Facebook."""
    if name == "github":
        return _github_profile(remote, token)
    if name == "facebook":
        data = remote.get("me", params={"fields": "id,name,email"}, token=token).json()
        return Profile(str(data["id"]), data.get("email"), False, data.get("name") or "", data.get("name") or "")
    claims = token.get("userinfo") or remote.userinfo(token=token)
    return Profile(
        subject=str(claims["sub"]),
        email=claims.get("email"),
        email_verified=claims.get("email_verified") is True,
        name=claims.get("name") or "",
        username_hint=claims.get("preferred_username") or claims.get("nickname") or claims.get("name") or "",
    )


def _github_profile(remote: FlaskOAuth2App, token: dict) -> Profile:
    data = remote.get("user", token=token).json()
    emails = remote.get("user/emails", token=token).json()
    primary = next((e for e in emails if isinstance(e, dict) and e.get("primary")), None) or {}
    return Profile(
        str(data["id"]),
        primary.get("email") or data.get("email"),
        primary.get("verified") is True,
        data.get("name") or "",
        data.get("login") or "",
    )


def label(name: str) -> str:
    """The provider's name as the user knows it."""
    return _settings(name).get("label") or name.title()
