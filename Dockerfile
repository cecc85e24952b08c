# The blog's image: one image, three commands (web, worker, beat); see compose.yaml and docs/DEPLOY.md.
# Written with care but NOT built or run here: the development machine has no Docker daemon.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BLOG_ENV=prod \
    BLOG_INSTANCE_PATH=/var/lib/blog \
    GUNICORN_BIND=0.0.0.0:8000 \
    FORWARDED_ALLOW_IPS=*

# pg_dump for `manage.py backup` on PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system blog && useradd --system --gid blog --home-dir /srv/blog blog
WORKDIR /srv/blog

# Dependencies first, so that a code change does not reinstall them.
COPY requirements.txt .
RUN python -m pip install -r requirements.txt

COPY . .
# gzip copies of the static files; the dev config only for this one command (prod needs secrets).
RUN BLOG_ENV=dev BLOG_INSTANCE_PATH=/tmp/build-instance python manage.py compress-static \
    && rm -rf /tmp/build-instance \
    && mkdir -p /var/lib/blog && chown blog:blog /var/lib/blog

USER blog
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["python", "-m", "gunicorn", "-c", "gunicorn.conf.py", "blog:create_app()"]
