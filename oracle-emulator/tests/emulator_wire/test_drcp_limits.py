"""The broker's queue and the pool's timeouts (MAX_THINK_TIME, INACTIVITY_TIMEOUT) through the real driver.

Expiry is tested with small configured limits (1 s or less) and generous waits on the server's own
figures; nothing is timed.
"""

from __future__ import annotations

import threading
import time

import oracledb
import pytest

from oracle_emulator import EmulatorServer
from oracle_emulator.broker import PoolParams

from .conftest import PASSWORD, USER, wait_until
from .stub_engine import StubEngine


def pooled(srv: EmulatorServer, cclass: str) -> oracledb.Connection:
    return oracledb.connect(
        user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass=cclass, purity=oracledb.PURITY_SELF
    )


def sid_of(conn: oracledb.Connection) -> int:
    return int(conn.cursor().execute("select sid from session").fetchone()[0])


def test_oracle_defaults() -> None:
    """Without options the broker queues without limit and the pool has Oracle's defaults."""
    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine()) as srv:
        assert srv.broker.wait_timeout is None
        params = srv.broker.params
        assert (params.minsize, params.maxsize, params.inactivity_timeout, params.max_think_time) == (
            4,
            40,
            300,
            120,
        )
        assert params == PoolParams()


def test_the_broker_queues_without_a_limit_by_default() -> None:
    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine(), max_pooled_servers=1) as srv:
        holder = pooled(srv, "A")
        sid_of(holder)
        other = pooled(srv, "B")
        result: dict[str, object] = {}

        def borrow() -> None:
            try:
                result["sid"] = sid_of(other)
            except oracledb.Error as exc:  # pragma: no cover - the failure this test guards against
                result["error"] = exc

        waiter = threading.Thread(target=borrow)
        waiter.start()
        wait_until(lambda: srv.stats()["classes"].get("APP.B", {}).get("num_waits") == 1)
        assert srv.stats()["classes"]["APP.B"]["client_req_timeouts"] == 0
        holder.close()  # the queued request is served as soon as a server is free
        waiter.join(10)
        assert "error" not in result and isinstance(result["sid"], int)
        stats = srv.stats()["classes"]["APP.B"]
        assert (stats["num_requests"], stats["num_misses"], stats["client_req_timeouts"]) == (1, 1, 0)
        other.close()


def test_max_think_time_takes_the_server_back_and_ends_the_client_connection() -> None:
    with EmulatorServer(
        users={USER: PASSWORD}, engine=StubEngine(), max_pooled_servers=1, max_think_time=0.5
    ) as srv:
        idle = pooled(srv, "T")
        sid = sid_of(idle)  # holds the only pooled server, then makes no call
        wait_until(lambda: srv.broker.think_time_expired == 1)
        wait_until(
            lambda: (
                srv.stats()["pooled_servers"]
                == {"created": 1, "busy": 0, "held_since_login": 0, "free": 1, "max": 1}
            )
        )
        # Oracle: "the pooled server is freed and the client connection is terminated".
        with pytest.raises(oracledb.DatabaseError) as info:
            sid_of(idle)
        assert "DPY-4011" in str(info.value)  # the driver's "connection closed" (ORA-03113 family)
        # The freed server serves the next client of the class (a hit), its session intact.
        other = pooled(srv, "T")
        assert sid_of(other) == sid
        assert srv.stats()["classes"]["APP.T"]["num_hits"] == 1
        other.close()


def test_a_client_that_keeps_calling_is_not_cut() -> None:
    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine(), max_think_time=2) as srv:
        busy = pooled(srv, "K")
        sid = sid_of(busy)
        # Each call restarts the think time; calls for longer than it, together, do not expire it.
        started = time.monotonic()
        while time.monotonic() - started < 3:
            assert sid_of(busy) == sid
            srv.instance.sweep()
            threading.Event().wait(0.05)
        assert srv.broker.think_time_expired == 0
        busy.close()


def test_a_released_client_is_not_thinking() -> None:
    """MAX_THINK_TIME counts only while a server is held: an idle DRCP connection that released keeps
    its connection."""
    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine(), max_think_time=0.3) as srv:
        pool = oracledb.create_pool(
            user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass="R", min=1, max=1
        )
        with pool.acquire() as conn:
            sid_of(conn)
        srv.wait_idle()
        wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 1)
        threading.Event().wait(0.6)  # twice the think time, with nothing held: nothing to cut
        assert srv.broker.think_time_expired == 0
        with pool.acquire() as conn:
            assert sid_of(conn) > 0
        pool.close()


def test_inactivity_timeout_terminates_idle_free_servers_down_to_minsize() -> None:
    engine = StubEngine()
    with EmulatorServer(
        users={USER: PASSWORD}, engine=engine, inactivity_timeout=0.5, min_pooled_servers=1
    ) as srv:
        conns = [pooled(srv, f"C{i}") for i in range(3)]
        for conn in conns:
            sid_of(conn)
        for conn in conns:
            conn.close()
        wait_until(lambda: srv.broker.inactivity_terminated == 2)
        assert srv.stats()["pooled_servers"] == {
            "created": 3,
            "busy": 0,
            "held_since_login": 0,
            "free": 1,
            "max": 40,
        }
        wait_until(lambda: len(engine.closed_sessions) == 2)  # their sessions were destroyed
        threading.Event().wait(0.3)
        assert srv.stats()["pooled_servers"]["free"] == 1  # MINSIZE is kept


def test_busy_servers_are_not_terminated_for_inactivity() -> None:
    with EmulatorServer(
        users={USER: PASSWORD}, engine=StubEngine(), inactivity_timeout=0.2, min_pooled_servers=0
    ) as srv:
        holder = pooled(srv, "H")
        sid = sid_of(holder)
        threading.Event().wait(0.5)
        srv.instance.sweep()
        assert srv.broker.inactivity_terminated == 0
        assert sid_of(holder) == sid
        holder.close()
        wait_until(lambda: srv.broker.inactivity_terminated == 1)
        assert srv.stats()["pooled_servers"]["free"] == 0


def test_a_session_changed_at_re_attach_makes_the_driver_parse_again() -> None:
    """Cursors live in the server session. When a re-attach gives the client another session, the
    session-return piggyback carries the session-changed flag and the thin driver drops its cached
    cursors, so the statement is parsed again instead of re-executed by a cursor id of the old session.

    The driver parses the first statement after every re-attach anyway (a copy, while it does not know
    yet whether the session changed); what the flag decides is the second one."""
    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine(), max_pooled_servers=1) as srv:
        pool = oracledb.create_pool(
            user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass="P", min=1, max=1
        )
        sql = "select sid from session"

        def request() -> tuple[int, int]:
            """Run the statement twice in one acquire: (its session, parses the server saw)."""
            before = srv.stats()["parses"]
            with pool.acquire() as conn:
                for _ in range(2):
                    with conn.cursor() as cur:
                        sid = int(cur.execute(sql).fetchone()[0])
            srv.wait_idle()
            return sid, srv.stats()["parses"] - before

        first, _ = request()
        # The same session at re-attach: the cached cursor is still valid (only the forced copy parses).
        assert request() == (first, 1)
        # Another class takes the only server (its session is replaced); ours then gets the server back
        # with yet another session: changed, so the cached cursor is parsed again too.
        other = pooled(srv, "Q")
        assert sid_of(other) != first
        other.close()
        srv.wait_idle()
        second, parses = request()
        assert second != first and parses == 2
        assert [r for r in srv.statements() if r.error_code is not None] == []  # no ORA-01001
        pool.close()


def drcp_pool(srv: EmulatorServer, cclass: str) -> oracledb.ConnectionPool:
    return oracledb.create_pool(
        user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass=cclass, min=1, max=1
    )


def request_sid(pool: oracledb.ConnectionPool, srv: EmulatorServer) -> int:
    with pool.acquire() as conn:
        sid = sid_of(conn)
    srv.wait_idle()  # the one-way release is processed
    return sid


def test_drcp_dedicated_opt_is_off_by_default_as_in_23ai() -> None:
    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine()) as srv:
        assert srv.broker.dedicated_opt is False
        pool = drcp_pool(srv, "D")
        request_sid(pool, srv)
        assert srv.stats()["pooled_servers"]["free"] == 1  # released to the pool
        pool.close()


def test_drcp_dedicated_opt_keeps_the_server_attached_while_connections_are_fewer_than_maxsize() -> None:
    with EmulatorServer(
        users={USER: PASSWORD}, engine=StubEngine(), max_pooled_servers=3, drcp_dedicated_opt=True
    ) as srv:
        x, y = drcp_pool(srv, "X"), drcp_pool(srv, "Y")
        sid_x = request_sid(x, srv)
        sid_y = request_sid(y, srv)
        # Released, but each server stays with its client as if dedicated: none is free.
        assert srv.stats()["pooled_servers"] == {
            "created": 2,
            "busy": 2,
            "held_since_login": 0,
            "free": 0,
            "max": 3,
        }
        assert request_sid(x, srv) == sid_x and request_sid(y, srv) == sid_y
        cx = srv.stats()["classes"]["APP.X"]
        assert (cx["num_requests"], cx["num_hits"], cx["num_misses"]) == (2, 1, 1)
        # A third connection makes them as many as MAXSIZE: the optimization stops and the kept servers
        # go back to the pool; the newcomer gets a new server, X finds its own free one again.
        z = pooled(srv, "Z")
        assert sid_of(z) not in (sid_x, sid_y)
        assert srv.stats()["pooled_servers"] == {
            "created": 3,
            "busy": 1,
            "held_since_login": 1,
            "free": 2,
            "max": 3,
        }
        assert request_sid(x, srv) == sid_x
        assert srv.stats()["pooled_servers"]["free"] == 2  # released to the pool now
        z.close()
        x.close()
        y.close()
        # Client connections gone: nothing is kept for them.
        wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 3)


def test_max_use_session_retires_a_server_at_its_release() -> None:
    engine = StubEngine()
    with EmulatorServer(users={USER: PASSWORD}, engine=engine) as srv:
        srv.broker.configure(srv.broker.params.with_values(max_use_session=2))
        pool = drcp_pool(srv, "U")
        first = request_sid(pool, srv)
        assert request_sid(pool, srv) == first  # second use: then retired
        assert engine.closed_sessions == [first]
        assert request_sid(pool, srv) != first
        pool.close()
