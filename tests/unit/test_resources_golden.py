"""`ibl-mock resources -v` is pinned: a change to the model shows as a diff, never silently.

After an intended change, regenerate the file and review the diff:
`.venv/bin/ibl-mock resources -v > tests/golden/resources-verbose.txt`.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from mock_server.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "resources-verbose.txt"


def test_the_printed_model_is_the_pinned_one(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["resources", "-v"]) == 0
    printed = capsys.readouterr().out
    pinned = GOLDEN.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            pinned.splitlines(keepends=True), printed.splitlines(keepends=True), "pinned", "now"
        )
    )
    assert not diff, f"the model changed; review and regenerate {GOLDEN.name}:\n{diff[:4000]}"
