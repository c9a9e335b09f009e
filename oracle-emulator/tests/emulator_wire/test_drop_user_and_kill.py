"""DROP USER while the user is connected (ORA-01940), DRCP-cached sessions included, and ALTER SYSTEM KILL
SESSION to clear them, through the real driver and the real SQL engine."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import oracledb
import pytest

from oracle_emulator import EmulatorServer

from .conftest import wait_until

pytest.importorskip("oracle_emulator.sql")

SESSIONS = "SELECT SID, SERIAL#, STATUS, SERVER FROM V$SESSION WHERE USERNAME = 'T1' ORDER BY SID"


@pytest.fixture
def srv() -> Iterator[EmulatorServer]:
    with EmulatorServer(users={"sys": "syspw"}) as server:
        yield server


@pytest.fixture
def admin(srv: EmulatorServer) -> Iterator[oracledb.Connection]:
    conn = oracledb.connect(user="sys", password="syspw", dsn=srv.dsn)
    conn.cursor().execute("CREATE USER t1 IDENTIFIED BY pw1")
    yield conn
    conn.close()


def tenant(srv: EmulatorServer, pooled: bool = True) -> oracledb.Connection:
    if pooled:
        return oracledb.connect(
            user="t1", password="pw1", dsn=srv.dsn + ":pooled", cclass="T1", purity=oracledb.PURITY_SELF
        )
    return oracledb.connect(user="t1", password="pw1", dsn=srv.dsn)


def one(conn: oracledb.Connection) -> object:
    row = conn.cursor().execute("SELECT 1 FROM DUAL").fetchone()
    return None if row is None else row[0]


def test_a_session_cached_in_the_pool_blocks_drop_user_until_killed(
    srv: EmulatorServer, admin: oracledb.Connection
) -> None:
    conn = tenant(srv)
    conn.cursor().execute("CREATE TABLE notes (id NUMBER)")
    conn.close()  # released: the pooled server keeps the session of T1, cached for the class
    wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 1)
    # Only the admin is connected: the server notices the client's closed socket on its own thread.
    wait_until(lambda: srv.stats()["client_connections"]["open"] == 1)
    cur = admin.cursor()
    with pytest.raises(oracledb.DatabaseError) as failure:
        cur.execute("DROP USER t1 CASCADE")
    assert failure.value.args[0].code == 1940
    assert "cannot drop a user that is currently connected" in str(failure.value)
    rows = cur.execute(SESSIONS).fetchall()
    assert [(status, server) for _, _, status, server in rows] == [("INACTIVE", "POOLED")]
    sid, serial = rows[0][:2]
    cur.execute(f"ALTER SYSTEM KILL SESSION '{sid},{serial}' IMMEDIATE")
    assert cur.execute(SESSIONS).fetchall() == []
    assert srv.stats()["pooled_servers"]["free"] == 0  # the pool shrank
    cur.execute("DROP USER t1 CASCADE")
    with pytest.raises(oracledb.DatabaseError, match="ORA-01017"):
        tenant(srv)


def test_kill_session_ends_a_dedicated_session_at_its_next_call(
    srv: EmulatorServer, admin: oracledb.Connection
) -> None:
    conn = tenant(srv, pooled=False)
    assert one(conn) == 1
    cur = admin.cursor()
    with pytest.raises(oracledb.DatabaseError, match="ORA-01940"):
        cur.execute("DROP USER t1")
    ((sid, serial, status, server),) = cur.execute(SESSIONS).fetchall()
    assert (sid, status, server) == (conn.session_id, "ACTIVE", "DEDICATED")
    cur.execute(f"ALTER SYSTEM KILL SESSION '{sid},{serial}'")
    with pytest.raises(oracledb.DatabaseError) as failure:
        one(conn)
    assert failure.value.args[0].code == 28  # "your session has been killed"
    cur.execute("DROP USER t1")


def test_kill_session_immediate_closes_a_busy_pooled_client(
    srv: EmulatorServer, admin: oracledb.Connection
) -> None:
    conn = tenant(srv)
    assert one(conn) == 1  # holds its pooled server (no release yet)
    cur = admin.cursor()
    ((sid, serial, status, _),) = cur.execute(SESSIONS).fetchall()
    assert status == "ACTIVE"
    cur.execute(f"ALTER SYSTEM KILL SESSION '{sid},{serial}' IMMEDIATE")
    with pytest.raises(oracledb.DatabaseError, match="DPY-4011"):
        one(conn)
    wait_until(lambda: srv.stats()["client_connections"]["open"] == 1)
    assert srv.stats()["pooled_servers"]["busy"] == 0 and srv.stats()["pooled_servers"]["free"] == 0
    cur.execute("DROP USER t1")


def test_kill_session_errors(srv: EmulatorServer, admin: oracledb.Connection) -> None:
    cur = admin.cursor()
    with pytest.raises(oracledb.DatabaseError) as failure:
        cur.execute("ALTER SYSTEM KILL SESSION '99999,1'")
    assert failure.value.args[0].code == 30
    with pytest.raises(oracledb.DatabaseError) as failure:
        cur.execute("ALTER SYSTEM KILL SESSION '1; DROP USER t1'")
    assert failure.value.args[0].code == 26
    cur.execute("DROP USER t1")  # nothing connected: fine


def test_a_session_killed_during_a_call_ends_when_the_call_returns(
    srv: EmulatorServer, admin: oracledb.Connection
) -> None:
    conn = tenant(srv, pooled=False)
    sid = conn.session_id
    sleeper = threading.Thread(target=lambda: conn.cursor().execute("BEGIN DBMS_SESSION.SLEEP(0.5); END;"))
    sleeper.start()
    wait_until(lambda: any(s.in_call for s in srv.broker.sessions_of("T1")))
    cur = admin.cursor()
    (serial,) = cur.execute("SELECT SERIAL# FROM V$SESSION WHERE SID = :1", [sid]).fetchone()
    cur.execute(f"ALTER SYSTEM KILL SESSION '{sid},{serial}'")
    assert cur.execute(SESSIONS).fetchall() == [(sid, serial, "KILLED", "DEDICATED")]
    sleeper.join(10)  # the call in progress finishes
    assert cur.execute(SESSIONS).fetchall() == []  # then the session is gone
    with pytest.raises(oracledb.DatabaseError) as failure:
        one(conn)
    assert failure.value.args[0].code == 28
    cur.execute("DROP USER t1")
