"""Django's test database creation and teardown work on the backend: pools closed before DROP USER."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.emulator_only
def test_create_and_destroy_test_database() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "core" / "creation_script.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # turns a hang into a failure; nothing is measured
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert (report["test_user"], report["rows"]) == ("test_app", 1)
    assert "test_app" in report["pool_users_during"]
    assert report["ddl"] == [["APP", "CREATE USER TEST_APP"], ["APP", "DROP USER TEST_APP"]]
    assert report["connected_at_drop"] == []  # no client of the test user left when it was dropped
    assert report["pools_after"] == [] and report["user_after"] == "app"
