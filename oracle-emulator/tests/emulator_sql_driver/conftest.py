"""SQL through the real python-oracledb thin driver and the wire server (what a Django app sees)."""

from __future__ import annotations

from collections.abc import Iterator

import oracledb
import pytest

from oracle_emulator import EmulatorServer

USER = "app"
PASSWORD = "secret"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(users={USER: PASSWORD}) as srv:
        yield srv


@pytest.fixture
def conn(server: EmulatorServer) -> Iterator[oracledb.Connection]:
    connection = oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn)
    yield connection
    connection.close()


@pytest.fixture
def cur(conn: oracledb.Connection) -> Iterator[oracledb.Cursor]:
    """A cursor on a fresh connection; the tables a test creates are dropped after it."""
    cursor = conn.cursor()
    cursor.execute("SELECT table_name FROM user_tables")
    before = {name for (name,) in cursor.fetchall()}
    yield cursor
    cursor.execute("SELECT table_name FROM user_tables")
    for (name,) in cursor.fetchall():
        if name not in before:
            cursor.execute(f'DROP TABLE "{name}" CASCADE CONSTRAINTS')
