"""Django's test database creation and teardown work on the backend: pools closed before DROP USER, and the
test user's sessions cached in the DRCP pool killed when DROP USER is refused (ORA-01940)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.drcp
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
    # The pools' sessions stay cached in the DRCP pool (as on Oracle): the first DROP USER is refused
    # (ORA-01940), teardown kills them and drops again.
    assert report["ddl"] == [
        ["APP", "CREATE USER TEST_APP", None],
        ["APP", "DROP USER TEST_APP", 1940],
        ["APP", "DROP USER TEST_APP", None],
    ]
    assert report["kills"] and all(k == ["APP", None] for k in report["kills"])
    assert report["test_user_sessions_after"] == []
    assert report["connected_at_drop"] == []  # no client of the test user left when it was dropped
    assert report["pools_after"] == [] and report["user_after"] == "app"


class OracleAnswering:
    """A cursor answering as Oracle does with the test user's sessions cached in the DRCP pool: DROP USER
    fails with ORA-01940 until every session in V$SESSION is killed (the kill takes one more query to
    show, as KILL SESSION IMMEDIATE returns before the session is gone)."""

    def __init__(self, sessions: list[tuple[int, int]]) -> None:
        self.sessions = list(sessions)
        self.killed: list[str] = []
        self.executed: list[str] = []
        self.rows: list[tuple[int, int]] = []

    def execute(self, sql: str, params: Any = None) -> None:
        self.executed.append(sql.split()[0].upper() + " " + sql.split()[1].upper())
        if sql.startswith("DROP USER"):
            if self.sessions:
                raise DatabaseError("ORA-01940: cannot drop a user that is currently connected")
        elif sql.startswith("SELECT SID, SERIAL#"):
            assert params == ["TEST_APP"]
            self.rows = list(self.sessions)
        elif sql.startswith("ALTER SYSTEM KILL SESSION"):
            sid, serial = sql.split("'")[1].split(",")
            self.killed.append(f"{sid},{serial}")
            self.sessions.remove((int(sid), int(serial)))
        else:
            raise AssertionError(sql)

    def fetchall(self) -> list[tuple[int, int]]:
        return self.rows


def test_teardown_ends_the_test_users_pooled_sessions_when_drop_user_is_refused() -> None:
    from django.db import connection

    cursor = OracleAnswering([(17, 4242), (23, 9)])
    connection.creation._destroy_test_user(cursor, {"user": "test_app"}, verbosity=0)
    assert cursor.killed == ["17,4242", "23,9"]
    assert cursor.executed == ["DROP USER", "SELECT SID,", "ALTER SYSTEM", "ALTER SYSTEM", "DROP USER"]


def test_teardown_drops_at_once_when_nothing_is_pooled() -> None:
    from django.db import connection

    cursor = OracleAnswering([])
    connection.creation._destroy_test_user(cursor, {"user": "test_app"}, verbosity=0)
    assert cursor.executed == ["DROP USER"]


def test_teardown_without_the_privilege_to_end_sessions_says_what_to_grant() -> None:
    from django.db import connection

    from drcp_multi.backends.oracle.creation import TestUserStillConnected

    class NoPrivilege(OracleAnswering):
        def fetchall(self) -> list[tuple[int, int]]:
            raise DatabaseError("ORA-00942: table or view does not exist")

    with pytest.raises(TestUserStillConnected) as info:
        connection.creation._destroy_test_user(NoPrivilege([(1, 2)]), {"user": "test_app"}, verbosity=0)
    assert "ORA-01940" in str(info.value) and "V_$SESSION" in str(info.value)
    assert "ALTER SYSTEM" in str(info.value) and "docs/live-oracle.md" in str(info.value)
