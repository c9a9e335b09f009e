"""A DRCP login attaches a pooled server, as Oracle's broker does (it hands the client connection to a
pooled server, which authenticates it): the login answers that server's sid and serial, and the
driver's first call (which carries no session-get) runs on it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import oracledb
import pytest

from oracle_emulator import EmulatorServer

from .conftest import PASSWORD, USER, wait_until

SID = "SELECT SYS_CONTEXT('USERENV', 'SID') FROM dual"


@pytest.fixture
def srv() -> Iterator[EmulatorServer]:
    with EmulatorServer(users={USER: PASSWORD}, max_pooled_servers=2) as server:
        yield server


def pooled(srv: EmulatorServer, cclass: str = "L") -> oracledb.Connection:
    return oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass=cclass)


def sid_of(conn: oracledb.Connection) -> int:
    row = conn.cursor().execute(SID).fetchone()
    assert row is not None
    return int(row[0])


def requests(srv: EmulatorServer, cclass: str = "L") -> int:
    return int(srv.stats()["classes"][f"APP.{cclass}"]["num_requests"])


def test_login_answers_the_attached_servers_sid_and_the_first_call_runs_there(srv: EmulatorServer) -> None:
    a, b = pooled(srv), pooled(srv)
    try:
        assert a.session_id > 0 and b.session_id > 0
        assert (a.session_id, a.serial_num) != (b.session_id, b.serial_num)
        assert srv.stats()["pooled_servers"]["busy"] == 2  # each login holds its server
        assert srv.stats()["pooled_servers"]["held_since_login"] == 2
        assert requests(srv) == 2
        # The first call carries no session-get: no broker request, and it runs on the login's server.
        assert sid_of(a) == a.session_id
        assert sid_of(b) == b.session_id
        assert requests(srv) == 2
        serials = {(r["SID"], r["SERIAL#"]) for r in srv.broker.sessions()}
        assert {(a.session_id, a.serial_num), (b.session_id, b.serial_num)} <= serials
    finally:
        a.close()
        b.close()


def test_a_pool_connection_works_after_release_and_reacquire(srv: EmulatorServer) -> None:
    pool = oracledb.create_pool(
        user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass="L", min=1, max=1
    )
    try:
        wait_until(lambda: srv.stats()["pooled_servers"]["held_since_login"] == 1)  # min=1: logged in
        with pool.acquire() as conn:
            login_sid = conn.session_id
            assert sid_of(conn) == login_sid
        wait_until(lambda: srv.stats()["pooled_servers"]["busy"] == 0)  # the release gave it back
        assert srv.stats()["pooled_servers"]["held_since_login"] == 0
        with pool.acquire() as conn:
            # The session-get of this first call after the release attaches a server again (a hit).
            assert sid_of(conn) == login_sid == conn.session_id
            figures = srv.stats()["pooled_servers"]
            assert (figures["busy"], figures["held_since_login"]) == (1, 0)  # held by the session-get
            assert conn.cursor().execute("SELECT 1 FROM dual").fetchone() == (1,)
        classes = srv.stats()["classes"]["APP.L"]
        assert (classes["num_requests"], classes["num_hits"], classes["num_misses"]) == (2, 1, 1)
    finally:
        pool.close()


def test_login_queues_at_the_broker_while_every_pooled_server_is_held(srv: EmulatorServer) -> None:
    a, b = pooled(srv, "A"), pooled(srv, "B")
    logins: list[oracledb.Connection] = []
    waiter = threading.Thread(target=lambda: logins.append(pooled(srv, "C")))
    waiter.start()
    try:
        wait_until(lambda: srv.stats()["classes"].get("APP.C", {}).get("num_waits") == 1)
        assert not logins  # the login has no answer yet
        a.close()  # frees a server: the queued login gets it
        waiter.join(10)
        assert len(logins) == 1
        c = logins[0]
        assert sid_of(c) == c.session_id
        c.close()
    finally:
        waiter.join(10)
        b.close()


def test_a_failing_logon_trigger_fails_the_drcp_login(srv: EmulatorServer) -> None:
    with oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn) as conn:
        conn.cursor().execute(
            "CREATE TRIGGER broken AFTER LOGON ON SCHEMA BEGIN EXECUTE IMMEDIATE 'SELEC'; END;"
        )
    with pytest.raises(oracledb.DatabaseError, match="ORA-04088"):
        pooled(srv)
    srv.wait_idle()
    assert srv.stats()["pooled_servers"]["busy"] == 0
    assert srv.stats()["client_connections"]["open"] == 0
