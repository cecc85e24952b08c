"""Audit the locked requirements with pip-audit, and tell "vulnerable" from "could not ask".

Exit 1 when pip-audit reports a known vulnerability, or fails for a reason other than the
network. When the advisory service cannot be reached (no network, a blocking proxy, a
mirror that does not serve PyPI's JSON API), say so loudly and exit 0: CI on a machine
without the advisory service must not fail for that alone.

Usage: .venv/bin/python .ci/audit.py [extra pip-audit flags, e.g. -s osv]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK_FILES = ("requirements.txt", "requirements-dev.txt")
PIP_AUDIT = Path(sys.executable).parent / "pip-audit"

# What pip-audit (through requests and urllib3) prints when it cannot reach the service.
_UNREACHABLE = re.compile(
    r"ConnectionError|ConnectTimeout|ProxyError|ReadTimeout|Max retries exceeded|Failed to establish"
    r"|Name or service not known|Temporary failure in name resolution|Could not connect"
    r"|Connection refused|Network is unreachable|timed out",
    re.IGNORECASE,
)
# A dependency the service had no answer for (PyPI's JSON API answered 404).
_NOT_FOUND = "not found on PyPI"


def main(extra: list[str]) -> int:
    """Run pip-audit over both lock files and return CI's exit status."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        command = [str(PIP_AUDIT), "--disable-pip", "--progress-spinner", "off", "--format", "json"]
        command += ["--output", str(report), *extra]
        for name in LOCK_FILES:
            command += ["--requirement", str(ROOT / name)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        data = json.loads(report.read_text()) if report.exists() and report.stat().st_size else None
    if data is None:
        return _no_report(done)
    return _judge(data, done.returncode)


def _no_report(done: subprocess.CompletedProcess[str]) -> int:
    output = done.stderr + done.stdout
    if done.returncode != 0 and _UNREACHABLE.search(output):
        last = output.strip().splitlines()[-1] if output.strip() else ""
        print(f"pip-audit: WARNING: the advisory service cannot be reached, audit SKIPPED ({last})")
        return 0
    print(output, end="")
    print(f"pip-audit: failed with exit code {done.returncode} and no report; see above.")
    return done.returncode or 1


def _judge(data: dict[str, Any], returncode: int) -> int:
    deps = data.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    unanswered = [d for d in deps if _NOT_FOUND in str(d.get("skip_reason", ""))]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            print(f"pip-audit: VULNERABLE {dep['name']}=={dep['version']}: {vuln['id']} (fixed in: {fixes})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} locked package(s) have known vulnerabilities; upgrade them (make lock).")
        return 1
    if returncode != 0:
        print(f"pip-audit: failed with exit code {returncode} without naming a vulnerability.")
        return returncode
    audited = len(deps) - len(unanswered)
    if deps and not audited:
        print(
            f"pip-audit: WARNING: the advisory service answered for none of the {len(deps)} packages "
            "(unreachable, or a mirror without PyPI's JSON API; try `-s osv`): audit SKIPPED."
        )
        return 0
    if unanswered:
        print(
            f"pip-audit: WARNING: the advisory service had no answer for {len(unanswered)} of {len(deps)} "
            f"packages (it cannot be reached or does not serve them); NOT audited: "
            + ", ".join(f"{d['name']}=={d['version']}" for d in unanswered)
        )
    print(f"pip-audit: no known vulnerabilities in the {audited} package(s) audited.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
