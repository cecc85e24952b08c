"""How long a failed login takes for an existing account, an unknown name and a deactivated account.

Login failures must not reveal whether an account exists, by their words or
by their timing: an unknown name spends a bcrypt check on a dummy hash. This
prints the median time of each case at the production bcrypt cost and their
ratios to the existing-account case (1.0 means indistinguishable).

    .venv/bin/python bench/login_timing.py [--rounds 12] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

REAL, WRONG = "the real password", "a wrong password"  # noqa: S105 (a throw-away database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12, help="bcrypt cost (production default 12)")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-login-")
    os.environ.update(
        BLOG_INSTANCE_PATH=folder,
        DATABASE_URL=f"sqlite:///{folder}/blog.db",
        BCRYPT_LOG_ROUNDS=str(args.rounds),
        RATELIMIT_LOGIN="100000 per minute",
        RATELIMIT_LOGIN_ACCOUNT="100000 per minute",
        MAIL_BACKEND="file",
    )

    from blog import create_app
    from blog.extensions import db
    from blog.models import Role, User

    app = create_app("test")
    with app.app_context():
        db.create_all()
        Role.ensure_defaults()
        for name, active in (("known", True), ("inactive", False)):
            user = User(username=name, email=f"{name}@example.org", active=active)
            user.password = REAL
            db.session.add(user)
        db.session.commit()
    client = app.test_client()
    cases = {
        "existing account, wrong password": "known",
        "unknown name": "nobody",
        "deactivated account, right password": "inactive",
    }
    times: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(args.runs):  # interleaved, so that drift in the machine's load hits every case alike
        for label, username in cases.items():
            password = REAL if username == "inactive" else WRONG
            start = time.perf_counter()
            response = client.post("/auth/login", data={"username": username, "password": password})
            times[label].append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
    medians = {label: statistics.median(values) for label, values in times.items()}
    reference = medians["existing account, wrong password"]
    print(
        f"bcrypt cost {args.rounds}, {args.runs} runs each, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
    )
    for label, median in medians.items():
        print(f"{label:40s} median {median * 1000:7.1f} ms   ratio {median / reference:5.2f}")


if __name__ == "__main__":
    main()
