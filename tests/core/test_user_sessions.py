"""Ending a user's sessions before DROP USER (drcp_multi.backends.oracle.user_sessions), with a cursor that
answers as Oracle does."""

from __future__ import annotations

from typing import Any

import pytest

from drcp_multi.backends.oracle import user_sessions


class Oracle:
    """DROP USER fails with ORA-01940 while sessions are left; KILL SESSION removes one."""

    def __init__(self, sessions: list[tuple[int, int]], can_see_sessions: bool = True) -> None:
        self.sessions = list(sessions)
        self.can_see_sessions = can_see_sessions
        self.rows: list[tuple[int, int]] = []
        self.log: list[str] = []

    def execute(self, sql: str, params: Any = None) -> None:
        self.log.append(sql)
        if sql.startswith("DROP USER") and self.sessions:
            raise RuntimeError("ORA-01940: cannot drop a user that is currently connected")
        if sql.startswith("SELECT SID"):
            if not self.can_see_sessions:
                raise RuntimeError("ORA-00942: table or view does not exist")
            assert params == ["T1"]
            self.rows = list(self.sessions)
        if sql.startswith("ALTER SYSTEM KILL SESSION"):
            sid, serial = sql.split("'")[1].split(",")
            self.sessions.remove((int(sid), int(serial)))

    def fetchall(self) -> list[tuple[int, int]]:
        return self.rows


def test_drop_is_retried_after_the_sessions_are_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(user_sessions, "RETRY_PAUSE", 0)
    oracle = Oracle([(21, 7), (22, 8)])
    user_sessions.drop_ending_sessions(
        lambda: oracle.execute("DROP USER t1 CASCADE"), oracle, "T1", explain=lambda exc: AssertionError(exc)
    )
    assert oracle.log == [
        "DROP USER t1 CASCADE",
        user_sessions.SESSIONS_OF_USER,
        "ALTER SYSTEM KILL SESSION '21,7' IMMEDIATE",
        "ALTER SYSTEM KILL SESSION '22,8' IMMEDIATE",
        "DROP USER t1 CASCADE",
    ]


def test_a_failure_to_kill_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(user_sessions, "RETRY_PAUSE", 0)
    oracle = Oracle([(21, 7)], can_see_sessions=False)
    with pytest.raises(LookupError, match="grant it"):
        user_sessions.drop_ending_sessions(
            lambda: oracle.execute("DROP USER t1"),
            oracle,
            "T1",
            explain=lambda exc: LookupError(f"{exc}: grant it"),
        )


def test_other_errors_are_not_retried() -> None:
    def drop() -> None:
        raise RuntimeError("ORA-01918: user 'T1' does not exist")

    with pytest.raises(RuntimeError, match="ORA-01918"):
        user_sessions.drop_ending_sessions(drop, Oracle([]), "T1", explain=lambda exc: AssertionError(exc))
