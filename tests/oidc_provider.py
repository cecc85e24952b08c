"""A real OpenID Connect provider for the tests, built on Authlib's server side, served on loopback.

It speaks the authorization-code flow with PKCE (required, S256) and nonces,
signs ID tokens with its own RSA key published at its JWKS address, and shows
a consent page with Allow and Deny. It also answers GitHub's ``/user`` and
``/user/emails`` for the bearer tokens it issued, so the GitHub preset's
plain-OAuth path can be run against it too. Tests choose who is logged in at the
provider (``provider.user``) and may make it misbehave (``provider.tamper_nonce``).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, abort, jsonify, request
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from tests.support import free_port

CLIENT_ID = "blog-test-client"
CLIENT_SECRET = "blog-test-secret-" + secrets.token_hex(8)  # noqa: S105 (made up per run)


@dataclass
class Client:
    client_id: str
    client_secret: str

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        allowed = {"openid", "email", "profile", "read:user", "user:email"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri.endswith(("/auth/oauth/oidc/callback", "/auth/oauth/github/callback"))

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None

    def is_expired(self):
        return time.time() - self.auth_time > 300


class Provider:
    """The provider's state, which tests read and steer."""

    def __init__(self):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, auto_kid=True)
        self.clients = {CLIENT_ID: Client(CLIENT_ID, CLIENT_SECRET)}
        self.codes: dict[str, AuthorizationCode] = {}
        self.authorization_requests: list[dict] = []
        self.token_requests: list[dict] = []
        self.user = {
            "sub": "oidc-user-1",
            "email": "sam@example.org",
            "email_verified": True,
            "name": "Sam Sample",
            "preferred_username": "sam",
        }
        self.tamper_nonce = False
        self.tokens: dict[str, dict] = {}  # access token -> user
        self.pkce = CodeChallenge(required=True)
        self.app = self._build_app()
        self._server = None

    def reset(self) -> None:
        self.user = {
            "sub": "oidc-user-1",
            "email": "sam@example.org",
            "email_verified": True,
            "name": "Sam Sample",
            "preferred_username": "sam",
        }
        self.tamper_nonce = False
        self.pkce.required = True
        self.authorization_requests.clear()
        self.token_requests.clear()

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> Provider:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    def _save_token(self, token: dict, req) -> None:
        self.tokens[token["access_token"]] = req.user

    def _build_app(self) -> Flask:
        app = Flask("oidc_provider")
        app.config["SECRET_KEY"] = secrets.token_hex(16)
        server = AuthorizationServer(app, query_client=self.clients.get, save_token=self._save_token)
        code_grant, id_token = _grant_classes(self)
        server.register_grant(code_grant, [id_token(require_nonce=True), self.pkce])
        _add_routes(app, server, self)
        return app


def _grant_classes(provider: Provider):
    """Authlib's code grant and OpenID extension, keeping their rows in ``provider``."""
    return _code_grant(provider), _id_token(provider)


def _code_grant(provider: Provider):
    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, req):
            provider.codes[code] = AuthorizationCode(
                code=code,
                client_id=req.client.client_id,
                redirect_uri=req.payload.redirect_uri,
                scope=req.payload.scope,
                user=req.user,
                nonce=req.payload.data.get("nonce"),
                code_challenge=req.payload.data.get("code_challenge"),
                code_challenge_method=req.payload.data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code, client):
            found = provider.codes.get(code)
            if found and found.client_id == client.client_id and not found.is_expired():
                return found
            return None

        def delete_authorization_code(self, authorization_code):
            provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return authorization_code.user

    return CodeGrant


def _id_token(provider: Provider):
    class IDToken(OpenIDCode):
        def exists_nonce(self, nonce, req):
            return any(c.nonce == nonce for c in provider.codes.values())

        def resolve_client_private_key(self, client):
            return provider.key

        def get_client_algorithm(self, client):
            return "RS256"

        def get_client_claims(self, client):
            return {"iss": provider.issuer, "aud": [client.get_client_id()]}

        def get_authorization_code_claims(self, authorization_code):
            claims = super().get_authorization_code_claims(authorization_code)
            if provider.tamper_nonce:
                claims["nonce"] = "not-the-nonce-you-sent"
            return claims

        def generate_user_info(self, user, scope):
            return UserInfo(**user)

    return IDToken


def _add_routes(app: Flask, server: AuthorizationServer, provider: Provider) -> None:
    @app.get("/.well-known/openid-configuration")
    def metadata():
        return jsonify(
            issuer=provider.issuer,
            authorization_endpoint=f"{provider.issuer}/authorize",
            token_endpoint=f"{provider.issuer}/token",
            jwks_uri=f"{provider.issuer}/jwks",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            scopes_supported=["openid", "email", "profile"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(keys=[provider.key.as_dict(private=False)])

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        provider.authorization_requests.append(request.values.to_dict())
        grant = server.get_consent_grant(end_user=provider.user)
        if request.method == "GET":
            return _consent_page(provider.user, request.full_path)
        user = provider.user if request.form.get("decision") == "allow" else None
        return server.create_authorization_response(grant_user=user, grant=grant)

    @app.post("/token")
    def token():
        provider.token_requests.append(request.form.to_dict())
        return server.create_token_response()

    def bearer_user() -> dict:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = provider.tokens.get(token) if scheme.lower() == "bearer" else None
        if user is None:
            abort(401)
        return user

    @app.get("/user")
    def github_user():
        user = bearer_user()
        return jsonify(
            id=int(user["sub"].rsplit("-", 1)[-1]), login=user["preferred_username"], name=user["name"], email=None
        )

    @app.get("/user/emails")
    def github_emails():
        user = bearer_user()
        return jsonify(
            [
                {"email": "old@example.org", "primary": False, "verified": True},
                {"email": user["email"], "primary": True, "verified": user["email_verified"]},
            ]
        )


def _consent_page(user: dict, action: str) -> str:
    return (
        "<!doctype html><title>Loopback SSO</title><h1>Loopback SSO</h1>"
        f"<p>Log in to the blog as <strong>{escape(user['name'])}</strong>?</p>"
        f'<form method="post" action="{escape(action)}">'
        '<button name="decision" value="allow">Allow</button> '
        '<button name="decision" value="deny">Deny</button></form>'
    )
