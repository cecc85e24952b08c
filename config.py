"""Configuration classes, chosen by ``BLOG_ENV`` (dev, test or prod).

Defaults live on the classes; every secret and address can be overridden from
the environment.  Values that depend on the instance folder (the SQLite file,
the embedded broker, the mailbox) are filled in by :func:`load_config` once the
Flask app knows where its instance folder is.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta

#: A placeholder, never used to sign: without a SECRET_KEY the instance folder's own random key is used.
DEFAULT_SECRET_KEY = "dev-secret-key-change-me"
SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_BYTES = 32


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


#: Settings that may come from the environment, with the type to parse them as.
ENVIRONMENT_SETTINGS: dict[str, type] = {
    "SECRET_KEY": str,
    "DEBUG": bool,
    "DATABASE_URL": str,
    "CELERY_BROKER_URL": str,
    "CELERY_RESULT_BACKEND": str,
    "CELERY_DEFAULT_QUEUE": str,
    "JOBS_SWEEP_SECONDS": float,
    "SQLITE_BUSY_TIMEOUT": float,
    "MAIL_BACKEND": str,
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": bool,
    "MAIL_USE_SSL": bool,
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_DEFAULT_SENDER": str,
    "MAIL_TIMEOUT": float,
    "MAIL_MAX_RETRIES": int,
    "MAIL_RETRY_BACKOFF_MAX": int,
    "MAIL_FILE_DIR": str,
    "BLOG_BASE_URL": str,
    "BLOG_NAME": str,
    "BCRYPT_LOG_ROUNDS": int,
    "LOG_LEVEL": str,
    "LOG_FORMAT": str,
    "LOG_DIR": str,
    "LOG_RETENTION_DAYS": int,
    "BLOG_PROXY_COUNT": int,
    "METRICS_ENABLED": bool,
    "REVISIONS_KEEP": int,
    "BLOG_SHARE_IMAGE": str,
    "METRICS_ALLOW": str,
    # Reading and writing
    "CACHE_REDIS_URL": str,
    "PAGE_CACHE_ENABLED": bool,
    "PAGE_CACHE_SECONDS": float,
    # Accounts and security
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_KEY_PREFIX": str,
    "RATELIMIT_LOGIN": str,
    "RATELIMIT_LOGIN_ACCOUNT": str,
    "RATELIMIT_REGISTER": str,
    "RATELIMIT_RESET": str,
    "RATELIMIT_SEARCH": str,
    "PASSWORD_RESET_MAX_AGE": int,
    "EMAIL_CONFIRM_MAX_AGE": int,
    "LOGIN_LINK_MAX_AGE": int,
    "REAUTH_MAX_AGE": int,
    "RATELIMIT_CONFIRM": str,
    "RATELIMIT_PREVIEW": str,
    "RATELIMIT_COMMENTS": str,
    "RATELIMIT_COMMENTS_ADDRESS": str,
    "RATELIMIT_REMINDERS": str,
    "REMINDERS_PENDING_MAX": int,
    "RECAPTCHA_PUBLIC_KEY": str,
    "RECAPTCHA_PRIVATE_KEY": str,
    "OAUTH_PROVIDERS": str,
    "SECURITY_HSTS": bool,
    # Background jobs
    "DIGEST_SCHEDULE": str,
    "DIGEST_WEEKDAY": int,
    "DIGEST_BATCH_SIZE": int,
    "JOBS_LEASE_SECONDS": float,
    "JOBS_REDISPATCH_SECONDS": float,
    "JOBS_WORKER_STALE_SECONDS": float,
    "API_MAIL_MAX_RECIPIENTS": int,
    "API_TOKEN_MAX_AGE_DAYS": int,
}


class Config:
    """Settings shared by every environment."""

    NAME = "base"
    SECRET_KEY = DEFAULT_SECRET_KEY
    BLOG_NAME = "Flask Blog"
    BLOG_BASE_URL = "http://127.0.0.1:5000"
    DATABASE_URL: str | None = None

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Seconds a SQLite writer waits for another's lock before "database is locked" (a 503 page).
    SQLITE_BUSY_TIMEOUT = 15.0
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Celery: the embedded broker needs no server (kombu's SQLAlchemy transport).
    CELERY_BROKER_URL: str | None = None
    CELERY_RESULT_BACKEND: str | None = None
    CELERY_BROKER_POLLING_INTERVAL = 1.0
    # Redis re-delivers an unacked message after this many seconds; far-future
    # work therefore stays in the database and is handed over only when due.
    CELERY_VISIBILITY_TIMEOUT = 3600
    CELERY_DEFAULT_QUEUE = "celery"
    JOBS_SWEEP_SECONDS = 30.0

    MAIL_BACKEND = "file"  # "smtp" or "file"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Flask Blog <noreply@localhost>"
    MAIL_TIMEOUT = 10.0
    MAIL_MAX_RETRIES = 8
    MAIL_RETRY_BACKOFF_MAX = 600
    MAIL_FILE_DIR: str | None = None

    BCRYPT_LOG_ROUNDS = 12
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # long enough for a slow writer; an expired form keeps its text (auth/security.py)
    MAX_CONTENT_LENGTH = 1024 * 1024
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    LOG_LEVEL = "INFO"
    LOG_FORMAT = "text"  # or "json": one object per line
    LOG_DIR: str | None = None  # unset: stderr; set: app.log, access.log, worker.log rotated daily
    LOG_RETENTION_DAYS = 14
    METRICS_ENABLED = False
    REVISIONS_KEEP = 50  # revisions kept per post (the oldest go)
    BLOG_SHARE_IMAGE: str | None = None  # link-preview image of posts without one (default static/img/share.png)
    METRICS_ALLOW = "127.0.0.0/8,::1"

    # Reading and writing: post limits, search, feeds, the page cache.
    CACHE_REDIS_URL: str | None = None  # shared page cache; unset: each process keeps its own
    PAGE_CACHE_ENABLED = True  # anonymous readers' pages, invalidated by every write (blog/main/cache.py)
    PAGE_CACHE_SECONDS = 60.0  # also bounds how stale "3 hours ago" may get
    PAGE_CACHE_ENTRIES = 1024  # pages kept per process when there is no Redis

    # Accounts and security: passwords, rate limits, OAuth, headers.
    # Memory counts per process; set a redis:// URI to share the counters between gunicorn workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = ""  # tells apart several blogs sharing one Redis
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in this process's memory (the same limits, per worker) until it is back,
    # rather than refuse every login or let every guess through; Flask-Limiter warns once per outage.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # A Redis that hangs must not hold a request: give up after half a second.
    RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    RATELIMIT_LOGIN = "10 per minute;30 per hour"  # failed logins per address
    RATELIMIT_LOGIN_ACCOUNT = "10 per 15 minutes"  # failed logins per account (or unknown name)
    RATELIMIT_REGISTER = "10 per hour"  # registrations per address
    RATELIMIT_RESET = "5 per 15 minutes"  # reset requests per address
    RATELIMIT_SEARCH = "30 per minute"  # searches per address that miss the page cache
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_RESET_MAX_AGE = 3600  # seconds a reset link stays valid
    EMAIL_CONFIRM_MAX_AGE = 3 * 24 * 3600  # seconds an address-confirmation link stays valid
    LOGIN_LINK_MAX_AGE = 900  # seconds a mailed login link (sent past an account's limit) stays valid
    REAUTH_MAX_AGE = 600  # seconds after a fresh provider login that a password-less account may change e-mail
    RATELIMIT_CONFIRM = "3 per hour"  # confirmation mails a user may ask to be sent again
    RATELIMIT_REMINDERS = "10 per hour;30 per day"  # reminders a user may set (each mails a text they wrote)
    REMINDERS_PENDING_MAX = 20  # reminders a user may have waiting at once
    RATELIMIT_COMMENTS = "5 per minute;60 per day"  # comments a user may post (issue 9, item 23)
    RATELIMIT_COMMENTS_ADDRESS = "20 per minute;300 per day"  # comments from one address, all users
    RATELIMIT_PREVIEW = "60 per minute;1000 per hour"  # editor previews per author (Markdown rendering is costly)
    RECAPTCHA_PUBLIC_KEY: str | None = None  # both keys set: registration shows reCAPTCHA
    RECAPTCHA_PRIVATE_KEY: str | None = None
    # Names of the OAuth providers to offer, e.g. "github,google,oidc"; each one reads
    # <NAME>_CLIENT_ID, <NAME>_CLIENT_SECRET and, unless a preset, <NAME>_SERVER_METADATA_URL.
    OAUTH_PROVIDERS = ""
    OAUTH_PENDING_MAX = 3  # unfinished OAuth logins kept in the session cookie
    SECURITY_HSTS = False
    # Proxies in front of the blog whose X-Forwarded-* (and X-Request-ID) headers are trusted; 0: none.
    BLOG_PROXY_COUNT = 0
    HSTS_MAX_AGE = 365 * 24 * 3600

    # Background jobs: digest, reminders, notifications, announcements.
    DIGEST_SCHEDULE = "0 7 * * *"
    DIGEST_WEEKDAY = 0  # weekly digests go out on this day's run (0 = Monday)
    DIGEST_BATCH_SIZE = 200  # digests sent over one SMTP connection
    # A worker holds an outbox row this long while sending; it must exceed the
    # slowest send (several SMTP round trips of MAIL_TIMEOUT each).
    JOBS_LEASE_SECONDS = 120.0
    # A handed-over row still unsent this long after its time is handed over again.
    JOBS_REDISPATCH_SECONDS = 120.0
    # The admin pages and ``check`` warn when no worker answered for this long.
    JOBS_WORKER_STALE_SECONDS = 120.0
    API_MAIL_MAX_RECIPIENTS = 100
    API_TOKEN_MAX_AGE_DAYS = 90  # an API token stops working this long after it was made
    # Lets the test suite queue a mail kind that kills the worker process (a poison message).

    @classmethod
    def check(cls, config: dict) -> list[str]:
        """Return the problems that must stop this configuration from starting."""
        return []


class DevConfig(Config):
    NAME = "dev"
    DEBUG = True
    BCRYPT_LOG_ROUNDS = 10


class TestConfig(Config):
    NAME = "test"
    TESTING = True
    # Flask-Mail would swallow mail under TESTING; the tests read it from a real SMTP server.
    MAIL_SUPPRESS_SEND = False
    SECRET_KEY = "test-secret-key"
    BCRYPT_LOG_ROUNDS = 4
    WTF_CSRF_ENABLED = False
    MAIL_MAX_RETRIES = 3
    MAIL_RETRY_BACKOFF_MAX = 2
    MAIL_TIMEOUT = 3.0
    CELERY_BROKER_POLLING_INTERVAL = 0.1
    CELERY_VISIBILITY_TIMEOUT = 30
    BLOG_BASE_URL = "http://blog.test"
    # Background jobs: short timings so that the fault tests take seconds.
    JOBS_LEASE_SECONDS = 3.0
    JOBS_REDISPATCH_SECONDS = 2.0
    JOBS_WORKER_STALE_SECONDS = 10.0
    API_MAIL_MAX_RECIPIENTS = 5


class ProdConfig(Config):
    NAME = "prod"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    SECURITY_HSTS = True

    @classmethod
    def check(cls, config: dict) -> list[str]:
        problems = []
        key = config.get("SECRET_KEY") or ""
        if key == DEFAULT_SECRET_KEY or len(key.encode()) < MIN_SECRET_KEY_BYTES:
            problems.append(
                f"SECRET_KEY is unset, the default or shorter than {MIN_SECRET_KEY_BYTES} bytes; set it to a long "
                "random value, e.g. export SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_hex(32))')\""
            )
        if config.get("DEBUG"):
            problems.append("DEBUG is on; production must not show tracebacks: unset DEBUG")
        if not config.get("DATABASE_URL"):
            problems.append(
                "DATABASE_URL is unset; production needs a real database, e.g. "
                "export DATABASE_URL=postgresql://blog@127.0.0.1:5432/blog"
            )
        return problems


CONFIGS: dict[str, type[Config]] = {"dev": DevConfig, "test": TestConfig, "prod": ProdConfig}


class ConfigurationError(SystemExit):
    """The chosen configuration cannot start: Python prints the message and exits 1."""

    def __init__(self, message: str):
        super().__init__(f"Configuration error: {message}")


def config_class(name: str | None) -> type[Config]:
    """Return the configuration class for ``name`` (default: ``$BLOG_ENV`` or dev)."""
    name = (name or os.environ.get("BLOG_ENV") or "dev").lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigurationError(f"unknown BLOG_ENV {name!r}; choose one of {', '.join(CONFIGS)}") from None


def environment_overrides(environ=os.environ) -> dict:
    """Parse the settings given in the environment."""
    values = {}
    for key, kind in ENVIRONMENT_SETTINGS.items():
        raw = environ.get(key)
        if raw is None or raw == "":
            continue
        try:
            values[key] = _bool(raw) if kind is bool else kind(raw)
        except ValueError:
            raise ConfigurationError(f"{key}={raw!r} is not a valid {kind.__name__}") from None
    return values


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(instance: str) -> str:
    """Return the instance folder's random key, creating it (mode 0600) on first start; kept across restarts."""
    path = os.path.join(instance, SECRET_KEY_FILE)
    if not os.path.exists(path):
        os.makedirs(instance, exist_ok=True)
        scratch = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(scratch, path)  # atomic: of several workers starting at once, the first one's key wins
        except FileExistsError:
            pass
        finally:
            os.unlink(scratch)
    if os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o600)
    with open(path, encoding="ascii") as handle:
        key = handle.read().strip()
    if len(key) < MIN_SECRET_KEY_BYTES:
        raise ConfigurationError(f"{path} holds no usable key; delete it to have a new one made, or set SECRET_KEY")
    return key


def _ensure_folder(path: str) -> None:
    """Create a folder SQLite files go in: the instance folder (the embedded broker, the mailbox), the database's."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise ConfigurationError(
            f"cannot create the folder {path} ({error.strerror}); "
            "create it, or point BLOG_INSTANCE_PATH (or DATABASE_URL) at a writable folder"
        ) from None


def load_config(app, name: str | None = None) -> None:
    """Fill ``app.config`` from the chosen class, the environment and the instance folder."""
    cls = config_class(name)
    app.config.from_object(cls)
    if not (name or os.environ.get("BLOG_ENV")):
        # Nobody chose dev (gunicorn or celery started bare): no debugging aids; manage.py chooses dev itself.
        app.config["DEBUG"] = False
    app.config.update(environment_overrides())
    problems = cls.check(app.config)
    if problems:
        raise ConfigurationError("; ".join(problems))

    instance = app.instance_path
    _ensure_folder(instance)
    if app.config.get("SECRET_KEY") in (None, "", DEFAULT_SECRET_KEY):
        # The public default would let anyone forge a session cookie.
        app.config["SECRET_KEY"] = instance_secret_key(instance)
    database_url = app.config.get("DATABASE_URL") or f"sqlite:///{os.path.join(instance, 'blog.db')}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(database_url)
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        _ensure_folder(os.path.dirname(os.path.abspath(database_url[len("sqlite:///") :])) or ".")
    if database_url.startswith("sqlite"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options["connect_args"] = {**options.get("connect_args", {}), "timeout": app.config["SQLITE_BUSY_TIMEOUT"]}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config.setdefault("CELERY_BROKER_URL", None)
    if not app.config["CELERY_BROKER_URL"]:
        app.config["CELERY_BROKER_URL"] = f"sqla+sqlite:///{os.path.join(instance, 'broker.db')}"
    if not app.config["CELERY_RESULT_BACKEND"]:
        app.config["CELERY_RESULT_BACKEND"] = f"db+sqlite:///{os.path.join(instance, 'results.db')}"
    if not app.config["MAIL_FILE_DIR"]:
        app.config["MAIL_FILE_DIR"] = os.path.join(instance, "mailbox")
    app.config["BLOG_BASE_URL"] = app.config["BLOG_BASE_URL"].rstrip("/")
