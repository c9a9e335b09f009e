"""DRCP broker behaviour through the real driver, with exact figures."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import oracledb
import pytest

from oracle_emulator import EmulatorServer

from .conftest import PASSWORD, USER, wait_until
from .stub_engine import StubEngine


def pooled(srv: EmulatorServer, cclass: str, purity: int = oracledb.PURITY_SELF) -> oracledb.Connection:
    """A standalone DRCP connection: its login borrows a pooled server, held until it closes."""
    return oracledb.connect(
        user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass=cclass, purity=purity
    )


def sid_of(conn: oracledb.Connection) -> int:
    return int(conn.cursor().execute("select sid from session").fetchone()[0])


@pytest.fixture
def small() -> Iterator[EmulatorServer]:
    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine(), max_pooled_servers=2) as srv:
        yield srv


def test_scripted_sequence_exact_figures(small: EmulatorServer) -> None:
    srv = small
    free = lambda n: lambda: srv.stats()["pooled_servers"]["free"] == n  # noqa: E731

    a = pooled(srv, "X")  # X: request 1, miss (the login borrows the server)
    assert srv.stats()["pooled_servers"]["created"] == 1
    sid_a = sid_of(a)
    assert a.session_id == sid_a  # the login answered the sid of the server it attached
    a.close()  # release
    wait_until(free(1))

    b = pooled(srv, "X")  # X: request 2, hit (same pooled server)
    assert b.session_id == sid_a
    assert sid_of(b) == sid_a

    c = pooled(srv, "Y")  # Y: request 1, miss; the pool is now at its maximum (2)
    sid_c = sid_of(c)

    # Z's login must wait at the broker: both servers are held.
    logins: dict[str, oracledb.Connection] = {}
    waiter = threading.Thread(target=lambda: logins.setdefault("d", pooled(srv, "Z")))
    waiter.start()
    wait_until(lambda: srv.stats()["classes"].get("APP.Z", {}).get("num_waits") == 1)
    assert "d" not in logins
    b.close()  # frees X's server: Z reclaims it (destroyed and re-created for Z) -> a miss
    waiter.join(10)
    d = logins["d"]
    assert d.session_id not in (sid_a, sid_c)
    assert sid_of(d) == d.session_id

    # Purity NEW never reuses a server, even one of its own class.
    c.close()
    wait_until(free(1))
    e = pooled(srv, "Y", oracledb.PURITY_NEW)
    assert sid_of(e) != sid_c

    classes = srv.stats()["classes"]
    assert classes["APP.X"] == {
        "num_requests": 2,
        "num_hits": 1,
        "num_misses": 1,
        "num_waits": 0,
        "wait_time": 0,
        "client_req_timeouts": 0,
        "num_authentications": 2,
    }
    assert (
        classes["APP.Y"]["num_requests"],
        classes["APP.Y"]["num_hits"],
        classes["APP.Y"]["num_misses"],
    ) == (
        2,
        0,
        2,
    )
    z = classes["APP.Z"]
    assert (z["num_requests"], z["num_hits"], z["num_misses"], z["num_waits"]) == (1, 0, 1, 1)
    pool = srv.stats()["pooled_servers"]
    assert pool == {"created": 4, "busy": 2, "held_since_login": 2, "free": 0, "max": 2}
    d.close()
    e.close()


def test_broker_wait_timeout_raises() -> None:
    with EmulatorServer(
        users={USER: PASSWORD}, engine=StubEngine(), max_pooled_servers=1, broker_wait_timeout=0.2
    ) as srv:
        holder = pooled(srv, "A")  # holds the only pooled server from its login on
        with pytest.raises(oracledb.DatabaseError) as info:
            pooled(srv, "B")  # the login times out at the broker
        assert "24457" in str(info.value)
        stats = srv.stats()["classes"]["APP.B"]
        assert (stats["num_requests"], stats["num_waits"], stats["client_req_timeouts"]) == (1, 1, 1)
        holder.close()
        wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 1)
        other = pooled(srv, "B")
        assert sid_of(other) == other.session_id
        other.close()


def test_state_survives_release_with_self_not_with_new(small: EmulatorServer) -> None:
    srv = small
    a = pooled(srv, "S")
    a.cursor().execute("set state :v", v="kept")
    a.close()
    wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 1)
    b = pooled(srv, "S")
    assert b.cursor().execute("select state from session").fetchone() == ("kept",)
    b.close()
    wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 1)
    n = pooled(srv, "S", oracledb.PURITY_NEW)
    assert n.cursor().execute("select state from session").fetchone() == (None,)
    n.close()
    wait_until(lambda: srv.stats()["pooled_servers"]["busy"] == 0)
    other = pooled(srv, "OTHER")
    assert other.cursor().execute("select state from session").fetchone() == (None,)
    other.close()


def test_thousand_cycles_two_classes_both_purities() -> None:
    engine = StubEngine()
    with EmulatorServer(users={USER: PASSWORD}, engine=engine, max_pooled_servers=6) as srv:
        dsn = srv.dsn + ":pooled"
        pool_self = oracledb.create_pool(
            user=USER, password=PASSWORD, dsn=dsn, cclass="SELFC", purity=oracledb.PURITY_SELF, min=1, max=1
        )
        pool_new = oracledb.create_pool(
            user=USER, password=PASSWORD, dsn=dsn, cclass="NEWC", purity=oracledb.PURITY_NEW, min=1, max=1
        )
        try:
            for i in range(500):
                with pool_self.acquire() as conn:
                    cur = conn.cursor()
                    cur.execute("select n from rows3")
                    assert cur.fetchall() == [(1,), (2,), (3,)]
                    if i == 0:
                        cur.execute("set state :v", v="self")
                    else:
                        assert cur.execute("select state from session").fetchone() == ("self",)
                with pool_new.acquire() as conn:
                    cur = conn.cursor()
                    assert cur.execute("select state from session").fetchone() == (None,)
                    cur.execute("set state :v", v="new")
        finally:
            pool_self.close()
            pool_new.close()
        wait_until(lambda: srv.stats()["client_connections"]["open"] == 0)
        stats = srv.stats()
        selfc, newc = stats["classes"]["APP.SELFC"], stats["classes"]["APP.NEWC"]
        assert (selfc["num_requests"], selfc["num_hits"], selfc["num_misses"]) == (500, 499, 1)
        assert (newc["num_requests"], newc["num_hits"], newc["num_misses"]) == (500, 0, 500)
        assert selfc["num_waits"] == newc["num_waits"] == 0
        assert selfc["num_authentications"] == newc["num_authentications"] == 1
        assert stats["one_way"] == 1000  # one SESSION_RELEASE per cycle
        assert stats["pooled_servers"]["created"] == 501
        # NEW replaced its class's free session each time (storage freed by the engine): the
        # pool holds one server per class and never grew.
        assert stats["pooled_servers"]["free"] == 2
        assert len(engine.closed_sessions) == 499
        assert stats["pooled_servers"]["max"] == 6


def test_two_hundred_concurrent_connections() -> None:
    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine(), max_pooled_servers=10) as srv:
        barrier = threading.Barrier(200)
        errors: list[BaseException] = []
        sids: list[int] = []
        lock = threading.Lock()

        def client(i: int) -> None:
            try:
                # All log in at once: 100 DRCP logins queue at the broker for 10 pooled servers.
                barrier.wait(60)
                conn = (
                    pooled(srv, f"C{i % 4}")
                    if i % 2
                    else oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn)
                )
                sid = sid_of(conn)
                rows = conn.cursor().execute("select n from rows20").fetchall()
                assert len(rows) == 20
                conn.close()
                with lock:
                    sids.append(sid)
            except BaseException as exc:  # pragma: no cover - reported below
                with lock:
                    errors.append(exc)
                barrier.abort()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(200)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, errors[:3]
        assert len(sids) == 200
        wait_until(lambda: srv.stats()["client_connections"]["open"] == 0)
        stats = srv.stats()
        assert stats["logins"] == 200
        assert stats["client_connections"]["opened"] == 200
        requests = sum(c["num_requests"] for c in stats["classes"].values())
        outcomes = sum(c["num_hits"] + c["num_misses"] for c in stats["classes"].values())
        assert requests == outcomes == 100
        assert stats["pooled_servers"]["created"] <= 10 + sum(
            c["num_misses"] for c in stats["classes"].values()
        )


def test_views_through_engine_context(small: EmulatorServer) -> None:
    conn = pooled(small, "VIEWS")
    rows = conn.cursor().execute("select rowstats").fetchall()
    assert rows == [("APP.VIEWS", 0)]
    cc = small.broker.cpool_conn_info()
    assert [(r["USERNAME"], r["CCLASS_NAME"], r["PURITY"], r["SERVICE"]) for r in cc] == [
        ("APP", "APP.VIEWS", "SELF", "FREEPDB1")
    ]
    sessions = small.broker.sessions()
    assert sessions[0]["SID"] == conn.session_id
    assert small.broker.cpool_stats()[0]["NUM_REQUESTS"] == 1
    conn.close()


def test_call_timeout_and_cancel_while_waiting_for_a_pooled_server() -> None:
    with EmulatorServer(
        users={USER: PASSWORD}, engine=StubEngine(), max_pooled_servers=1, broker_wait_timeout=30
    ) as srv:
        # A pool's connection gives its server back at release; its next call asks for one again.
        pool = oracledb.create_pool(
            user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass="B", min=1, max=1
        )
        with pool.acquire() as first:
            sid_of(first)
        wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 1)
        holder = pooled(srv, "A")  # takes the only pooled server (B's, reclaimed)
        other = pool.acquire()
        other.call_timeout = 300
        with pytest.raises(oracledb.DatabaseError) as info:
            sid_of(other)
        assert "DPY-4024" in str(info.value)  # call timeout: the broker wait was interrupted
        wait_until(lambda: srv.stats()["classes"]["APP.B"]["client_req_timeouts"] == 1)

        # cancel() from another thread breaks the wait as well (ORA-01013).
        other.call_timeout = 0
        wait_until(lambda: srv.stats()["classes"]["APP.B"]["num_waits"] == 1)
        canceller = threading.Timer(0.3, other.cancel)
        canceller.start()
        with pytest.raises(oracledb.DatabaseError) as info2:
            sid_of(other)
        canceller.join()
        assert info2.value.args[0].code == 1013
        holder.close()
        wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 1)
        assert sid_of(other) > 0  # still usable after both interruptions
        stats = srv.stats()["classes"]["APP.B"]
        assert (stats["num_waits"], stats["client_req_timeouts"]) == (2, 2)
        other.close()
        pool.close()


def test_wait_idle_settles_one_way_releases() -> None:
    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine()) as srv:
        pool = oracledb.create_pool(
            user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass="IDLE", min=1, max=3
        )
        for _ in range(30):
            with pool.acquire() as conn:
                sid_of(conn)
        srv.wait_idle()
        stats = srv.stats()
        assert stats["one_way"] == 30
        assert stats["pooled_servers"]["busy"] == 0
        pool.close()
        srv.wait_idle()
        assert srv.stats()["client_connections"]["open"] == 0


def test_asyncio_pools_concurrent_cycles() -> None:
    import asyncio

    with EmulatorServer(users={USER: PASSWORD}, engine=StubEngine(), max_pooled_servers=10) as srv:

        async def main() -> None:
            pools = {
                cclass: oracledb.create_pool_async(
                    user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass=cclass, min=1, max=2
                )
                for cclass in ("AX", "AY")
            }

            async def worker(pool: oracledb.AsyncConnectionPool) -> None:
                for _ in range(25):
                    async with pool.acquire() as conn:
                        with conn.cursor() as cur:
                            await cur.execute("select n from rows5")
                            assert len(await cur.fetchall()) == 5

            await asyncio.gather(*(worker(p) for p in pools.values() for _ in range(4)))
            for pool in pools.values():
                await pool.close()

        asyncio.run(main())
        srv.wait_idle()
        for name in ("APP.AX", "APP.AY"):
            c = srv.stats()["classes"][name]
            assert c["num_requests"] == c["num_hits"] + c["num_misses"] == 100
            assert c["num_misses"] <= 2  # never more servers than the class's concurrent borrowers
            assert c["num_waits"] == 0
