"""Configuration: environments, environment variables, and production's refusals."""

import os
import subprocess
import sys

import pytest

from config import DEFAULT_SECRET_KEY, ConfigurationError, environment_overrides, normalise_database_url
from tests.support import PROJECT_ROOT


def _prod_env(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(BLOG_ENV="prod", **overrides)
    return env


def test_prod_refuses_the_default_secret_key():
    env = _prod_env(SECRET_KEY=DEFAULT_SECRET_KEY, DATABASE_URL="sqlite:///x.db")
    result = subprocess.run(
        [sys.executable, "manage.py", "routes"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "Traceback" not in result.stderr


def test_prod_refuses_to_start_without_database_url():
    env = _prod_env(SECRET_KEY="x" * 40)
    result = subprocess.run(
        [sys.executable, "manage.py", "routes"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_prod_starts_with_a_secret_and_a_database(tmp_path):
    env = _prod_env(SECRET_KEY="x" * 40, DATABASE_URL=f"sqlite:///{tmp_path}/prod.db", BLOG_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "routes"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "main.index" in result.stdout


def test_unknown_environment_is_a_clear_error(monkeypatch):
    from blog import create_app

    with pytest.raises(ConfigurationError, match="unknown BLOG_ENV 'staging'"):
        create_app("staging")


def test_environment_values_are_parsed_by_type():
    values = environment_overrides({"MAIL_PORT": "2525", "MAIL_USE_TLS": "yes", "MAIL_SERVER": "smtp.example.org"})
    assert values == {"MAIL_PORT": 2525, "MAIL_USE_TLS": True, "MAIL_SERVER": "smtp.example.org"}
    with pytest.raises(ConfigurationError, match="MAIL_PORT"):
        environment_overrides({"MAIL_PORT": "twenty-five"})


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_test_app_uses_the_environment(app, test_env):
    assert app.config["MAIL_PORT"] == int(test_env["MAIL_PORT"])
    assert app.config["CELERY_BROKER_URL"] == test_env["CELERY_BROKER_URL"]
    assert app.extensions["celery"].conf.broker_url == test_env["CELERY_BROKER_URL"]
    assert app.extensions["celery"].conf.task_serializer == "json"


def _bare_env(tmp_path, **overrides):
    """The environment of ``gunicorn "blog:create_app()"`` started with no BLOG_ENV and no SECRET_KEY."""
    env = {k: v for k, v in os.environ.items() if k not in ("BLOG_ENV", "SECRET_KEY", "DEBUG")}
    env.update(BLOG_INSTANCE_PATH=str(tmp_path), **overrides)
    return env


SHOW_KEY = "from blog import create_app; app = create_app(); print(app.config['SECRET_KEY'], app.debug)"


def test_without_blog_env_a_random_key_is_made_once_and_kept(tmp_path):
    runs = [
        subprocess.run(
            [sys.executable, "-c", SHOW_KEY], cwd=PROJECT_ROOT, env=_bare_env(tmp_path), capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert runs[0].returncode == 0, runs[0].stderr
    key, debug = runs[0].stdout.split()
    assert key != DEFAULT_SECRET_KEY and len(key) >= 32 and debug == "False"
    assert runs[1].stdout.split()[0] == key  # kept across restarts
    assert oct(os.stat(tmp_path / "secret_key").st_mode & 0o777) == "0o600"


def test_a_cookie_forged_with_the_public_key_opens_nothing_on_a_bare_gunicorn(app, make_user, tmp_path):
    import requests
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    from tests.support import Gunicorn

    admin = make_user("boss", roles=("admin", "reader"))
    forger = Flask("forger")
    forger.secret_key = DEFAULT_SECRET_KEY
    cookie = (
        SecureCookieSessionInterface()
        .get_signing_serializer(forger)
        .dumps({"_user_id": admin.get_id(), "_fresh": True})
    )
    server = Gunicorn(_bare_env(tmp_path), 1, str(tmp_path / "gunicorn.log"))
    try:
        server.wait_ready()
        answer = requests.get(server.url + "/admin/", cookies={"session": cookie}, allow_redirects=False, timeout=10)
    finally:
        server.stop()
    assert answer.status_code == 302 and "/auth/login" in answer.headers["Location"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"SECRET_KEY": "a"}, "shorter than 32 bytes"), ({"SECRET_KEY": "x" * 40, "DEBUG": "1"}, "DEBUG is on")],
)
def test_prod_refuses_short_keys_and_debug(tmp_path, overrides, message):
    env = _prod_env(DATABASE_URL=f"sqlite:///{tmp_path}/prod.db", BLOG_INSTANCE_PATH=str(tmp_path), **overrides)
    result = subprocess.run(
        [sys.executable, "manage.py", "routes"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr
