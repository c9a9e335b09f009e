"""Connecting with the real thin driver: auth, refusal, descriptors, dedicated sessions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import oracledb
import pytest

from oracle_emulator import EmulatorServer

from .conftest import PASSWORD, USER, wait_until


def test_connect_and_select(server: EmulatorServer) -> None:
    with oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn) as conn:
        assert conn.version.startswith("19.")
        assert conn.session_id > 0
        with conn.cursor() as cur:
            cur.execute("select 1 from dual")
            assert cur.fetchall() == [(1,)]
        conn.ping()
        conn.commit()
        conn.rollback()
    wait_until(lambda: server.stats()["client_connections"]["open"] == 0)
    stats = server.stats()
    assert stats["logins"] == 1
    # execute, ping, commit, rollback, logoff
    assert stats["round_trips"] == 5
    assert stats["pooled_servers"]["created"] == 0
    record = server.statements()[-1]
    assert (record.sql, record.username, record.session_kind, record.cclass) == (
        "select 1 from dual",
        "APP",
        "dedicated",
        None,
    )


def test_dsn_and_address(server: EmulatorServer) -> None:
    assert server.dsn == f"127.0.0.1:{server.port}/FREEPDB1"
    assert server.port > 0


def test_wrong_password_is_ora_01017(server: EmulatorServer) -> None:
    with pytest.raises(oracledb.DatabaseError) as info:
        oracledb.connect(user=USER, password="wrong", dsn=server.dsn)
    assert info.value.args[0].code == 1017


def test_unknown_user_is_ora_01017(server: EmulatorServer) -> None:
    with pytest.raises(oracledb.DatabaseError) as info:
        oracledb.connect(user="nobody", password=PASSWORD, dsn=server.dsn)
    assert info.value.args[0].code == 1017


def test_unknown_service_is_refused(server: EmulatorServer) -> None:
    with pytest.raises(oracledb.DatabaseError) as info:
        oracledb.connect(user=USER, password=PASSWORD, dsn=f"127.0.0.1:{server.port}/NOPE")
    assert "DPY-6001" in str(info.value) or "12514" in str(info.value)


def test_add_user_at_runtime(server: EmulatorServer) -> None:
    server.add_user("tenant_b", "pw")
    with oracledb.connect(user="tenant_b", password="pw", dsn=server.dsn) as conn:
        assert conn.cursor().execute("select 1 from dual").fetchall() == [(1,)]


def test_long_connect_descriptor(server: EmulatorServer) -> None:
    # Descriptors over 230 bytes travel in a DATA packet after the CONNECT packet.
    program = "p" * 300
    dsn = (
        f"(DESCRIPTION=(ADDRESS=(PROTOCOL=tcp)(HOST=127.0.0.1)(PORT={server.port}))"
        f"(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)(SERVER=pooled)))"
    )
    params = oracledb.ConnectParams(program=program, cclass="LONG", sdu=65535)
    with oracledb.connect(user=USER, password=PASSWORD, dsn=dsn, params=params) as conn:
        assert conn.cursor().execute("select 1 from dual").fetchall() == [(1,)]
    assert "APP.LONG" in server.stats()["classes"]


def test_asyncio_connect(server: EmulatorServer) -> None:
    async def main() -> list[tuple[int]]:
        async with oracledb.connect_async(user=USER, password=PASSWORD, dsn=server.dsn) as conn:
            with conn.cursor() as cur:
                await cur.execute("select n from rows250")
                return await cur.fetchall()

    rows = asyncio.run(main())
    assert rows == [(i,) for i in range(1, 251)]


def test_context_manager_and_stop_free_sessions() -> None:
    from .stub_engine import StubEngine

    engine = StubEngine()
    srv = EmulatorServer(users={USER: PASSWORD}, engine=engine)
    with srv:
        conn = oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn)
        sid = conn.session_id
    assert sid in engine.closed_sessions


def test_latency_model_and_ipv6_listener() -> None:
    from oracle_emulator import LatencyModel

    from .stub_engine import StubEngine

    latency = LatencyModel(rtt_ms=1, login_ms=1, new_session_ms=1)
    try:
        srv = EmulatorServer(host="::1", users={USER: PASSWORD}, engine=StubEngine(), latency=latency).start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert srv.dsn.startswith("[::1]:")
        with oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass="L") as conn:
            assert conn.cursor().execute("select 1 from dual").fetchall() == [(1,)]
        assert srv.stats()["sessions_created"] == 1
    finally:
        srv.stop()


def test_each_modelled_cost_is_charged_where_oracle_pays_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Distinct powers of ten per cost, so the sum of the charges names the events (no timing)."""
    from oracle_emulator import LatencyModel, instance

    from .stub_engine import StubEngine

    charges: list[float] = []
    monkeypatch.setattr(instance, "pause", charges.append)
    latency = LatencyModel(rtt_ms=1, login_ms=10, new_session_ms=100, spawn_server_ms=1000)
    srv = EmulatorServer(users={USER: PASSWORD}, engine=StubEngine(), latency=latency, max_pooled_servers=1)
    with srv:

        def charged(action: Callable[[], object]) -> float:
            srv.wait_idle()
            charges.clear()
            action()
            srv.wait_idle()
            return sum(charges)

        dedicated = charged(lambda: oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn).close())
        assert dedicated == 1 + 10 + 1000 + 100 + 1  # accept, login, a process and its session, logoff
        pooled = srv.dsn + ":pooled"

        def drcp_login(cclass: str) -> Callable[[], oracledb.Connection]:
            return lambda: oracledb.connect(
                user=USER, password=PASSWORD, dsn=pooled, cclass=cclass, purity=oracledb.PURITY_SELF
            )

        # A DRCP login borrows its pooled server: the broker hands the connection to it at once.
        held: list[oracledb.Connection] = []
        login_a = charged(lambda: held.append(drcp_login("A")()))
        assert login_a == 1 + 10 + 1000 + 100  # accept, login, a pooled server started and its session
        assert charged(held[-1].ping) == 1  # the first call runs on the server attached at login
        held[-1].close()
        assert charged(lambda: held.append(drcp_login("A")())) == 1 + 10  # a hit: no new session
        assert charged(held[-1].ping) == 1
        held[-1].close()
        # The pool is full: A's free server is reclaimed for B, a new session in it.
        assert charged(lambda: held.append(drcp_login("B")())) == 1 + 10 + 100
        assert charged(held[-1].ping) == 1
        held[-1].close()
        login = charged(lambda: drcp_login("C")().close())
        assert login == 1 + 10 + 100  # a DRCP connect: the accept, the login, B's server reclaimed for C
        assert srv.stats()["servers_started"] == 2 and srv.stats()["sessions_created"] == 4


def test_latency_model_presets() -> None:
    from oracle_emulator import LatencyModel

    assumed = LatencyModel.assumed()
    assert assumed.spawn_server_ms > assumed.new_session_ms > assumed.rtt_ms > 0
    halved = assumed.scaled(login_ms=0.5)
    assert halved.login_ms == assumed.login_ms / 2 and halved.rtt_ms == assumed.rtt_ms
    with pytest.raises(TypeError, match="no cost"):
        assumed.scaled(think_ms=2)


def test_appcontext_given_at_connect(server: EmulatorServer) -> None:
    ctx = [("TEST", "STATE", "from-login"), ("OTHER", "K", "v")]
    with oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn, appcontext=ctx) as conn:
        assert conn.cursor().execute("select state from session").fetchone() == ("from-login",)
    dsn = server.dsn + ":pooled"
    with oracledb.connect(user=USER, password=PASSWORD, dsn=dsn, cclass="AC", appcontext=ctx) as conn:
        assert conn.cursor().execute("select state from session").fetchone() == ("from-login",)
