"""``migrate`` from scratch on three tenant schemas through drcp_multi's DRCP pools, then a no-op second
run: asserted from the wire server's statement log (see migrate_script.py, run in its own process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.tenancy.migrate_script import TENANTS

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "AUTH_USER",
    "AUTH_GROUP",
    "AUTH_PERMISSION",
    "DJANGO_CONTENT_TYPE",
    "DJANGO_SESSION",
    "DJANGO_ADMIN_LOG",
    "DJANGO_MIGRATIONS",
    "TASKS_TASK",
}


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.tenancy.migrate_script"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_first_migrate_creates_every_table_in_each_tenants_schema(result: dict[str, Any]) -> None:
    first = result["first"]
    assert first["errors"] == []
    for tenant in TENANTS:
        created = {
            table
            for user, cclass, table in first["created"]
            if (user, cclass) == (tenant.upper(), f"T_{tenant}")
        }
        assert created >= TABLES, (tenant, TABLES - created)
        assert "Applying tasks.0001_initial... OK" in first["outputs"][tenant]
    # Nothing ran outside the tenants' own users and DRCP classes.
    assert first["users_classes"] == [[t.upper(), f"T_{t}"] for t in TENANTS]


def test_second_migrate_is_a_no_op(result: dict[str, Any]) -> None:
    second = result["second"]
    for tenant in TENANTS:
        assert "No migrations to apply." in second["outputs"][tenant]
    assert second["ddl"] == 0
    assert second["created"] == []
    assert second["errors"] == []


def test_migrated_tables_keep_each_tenants_rows_apart(result: dict[str, Any]) -> None:
    assert result["task_counts"] == {"acme": 1, "globex": 0, "initech": 0}
    assert result["busy_after"] == 0
