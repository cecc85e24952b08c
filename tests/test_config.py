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
