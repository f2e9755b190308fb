"""The published TypeScript client's npm folder (tests/clients/ts), installed once at a time.

Both the node test (tests/clients/test_ts_client.py) and the browser test bundle from it; under
pytest-xdist they may ask at once, and two npm runs in one folder trip each other up, so the
install holds a file lock and leaves no package-lock.json in the clone.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import tempfile
from pathlib import Path

TS_DIR = Path(__file__).resolve().parent / "clients" / "ts"
INSTALL_LOCK = Path(tempfile.gettempdir()) / "ibl-mock-ts-client-install.lock"


def installed() -> bool:
    """Whether node_modules holds every pinned package of package.json at its version."""
    modules = TS_DIR / "node_modules"
    wanted = json.loads((TS_DIR / "package.json").read_text(encoding="utf-8"))
    for name, version in {**wanted["dependencies"], **wanted.get("devDependencies", {})}.items():
        manifest = modules / name / "package.json"
        if not manifest.is_file():
            return False
        if json.loads(manifest.read_text(encoding="utf-8")).get("version") != version:
            return False
    return True


def install(npm: str) -> None:
    """`npm install` into TS_DIR unless it is installed already; AssertionError if it fails."""
    with INSTALL_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed():
            return
        run = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--no-package-lock"],
            cwd=TS_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert run.returncode == 0, f"npm install failed:\n{run.stdout}\n{run.stderr}"
    assert installed(), f"npm install left {TS_DIR / 'node_modules'} without the pinned packages"
