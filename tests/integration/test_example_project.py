"""examples/pytest-project, as a newcomer runs it: a fresh virtual environment, nothing in it
but `pip install <this repository> pytest`, then `pytest`.

The repository's tracked files are copied to a temporary directory first, so that pip's build
writes nothing into the working tree. pip needs an index (PyPI, or the machine's mirror) for
the dependencies; without one the test is skipped, unless IBL_MOCK_REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pytest-project"
NO_INDEX = ("Could not find a version", "No matching distribution", "NewConnectionError")


def tracked_copy(destination: Path) -> Path:
    """The repository's files as git tracks them (the working tree's contents)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_example_project_passes_with_only_the_package_installed(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout of ibl-mock (git ls-files)")
    source = tracked_copy(tmp_path / "ibl-mock")
    project = Path(shutil.copytree(EXAMPLE, tmp_path / "project"))
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("VIRTUAL_ENV", "PYTHONPATH", "IBL_MOCK_URL", "PYTEST_ADDOPTS")
        and not name.startswith("PYTEST_XDIST")
    }
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")

    installed = run([python, "-m", "pip", "install", "-q", str(source), "pytest"], project, env)
    if installed.returncode != 0:
        output = installed.stdout + installed.stderr
        if any(sign in output for sign in NO_INDEX) and not os.environ.get(
            "IBL_MOCK_REQUIRE_SERVICES"
        ):
            pytest.skip(f"pip reached no package index:\n{output[-2000:]}")
        pytest.fail(f"pip install of the repository failed:\n{output[-4000:]}", pytrace=False)

    tested = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project, env)
    output = tested.stdout + tested.stderr
    assert tested.returncode == 0 and "2 passed" in output, output[-4000:]
