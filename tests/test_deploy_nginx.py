"""``deploy/nginx/blog.conf``: accepted by ``nginx -t``, and serving the blog over TLS on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import requests

from tests.servers import Server
from tests.support import PROJECT_ROOT, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = os.path.join(PROJECT_ROOT, "deploy", "nginx", "blog.conf")

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (.ci/run installs it)")


def _self_signed(folder) -> tuple[str, str]:
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=blog.test",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _nginx_conf(tmp_path, upstream_port: int) -> tuple[str, int]:
    """The site, with this test's ports, certificate and code folder, inside a minimal nginx.conf."""
    cert, key = _self_signed(tmp_path)
    https, http = free_port(), free_port()
    site = open(SITE).read()
    for old, new in {
        "127.0.0.1:8000": f"127.0.0.1:{upstream_port}",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;": "",
        "/etc/ssl/blog/fullchain.pem": cert,
        "/etc/ssl/blog/privkey.pem": key,
        "/srv/blog/": PROJECT_ROOT + "/",
    }.items():
        assert old in site, f"{old!r} is no longer in {SITE}"
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"""
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
"""
    )
    return str(tmp_path / "nginx.conf"), https


def test_nginx_accepts_the_site(tmp_path):
    conf, _port = _nginx_conf(tmp_path, free_port())
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", conf], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_nginx_serves_the_blog_over_tls(test_env, app, make_post, tmp_path):
    make_post("Through nginx")
    port = free_port()
    env = {**test_env, "BLOG_PROXY_COUNT": "1"}
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "blog:create_app()"]
    web = Server(env, str(tmp_path / "web.log"), command, f"http://127.0.0.1:{port}")
    web.term_whole_group = True
    conf, https = _nginx_conf(tmp_path, port)
    nginx = Server(env, str(tmp_path / "nginx.out"), [NGINX, "-p", str(tmp_path), "-c", conf, "-g", "daemon off;"],
                   f"https://127.0.0.1:{https}")  # fmt: skip
    nginx.term_whole_group = True
    try:
        web.start()
        nginx.start()
        page = requests.get(nginx.url + "/", verify=False, timeout=5)  # noqa: S501 (the test's own certificate)
        assert page.status_code == 200 and "Through nginx" in page.text
        static = requests.get(nginx.url + "/static/css/blog.css?v=1", verify=False, timeout=5)  # noqa: S501
        assert static.status_code == 200 and "immutable" in static.headers["Cache-Control"]
        assert static.headers["Server"].startswith("nginx")  # from disk, not gunicorn
    finally:
        nginx.stop()
        web.stop()
