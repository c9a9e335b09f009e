"""The backend through Django's WSGI handler against the wire server or a live Oracle: one checkout per
request with the configured class and purity, one round trip of session set-up, tracing, tenant switches.

Classes, purity and misses are read from DRCP's views through the monitoring connection, so those tests
run on a live Oracle too; round trips, one-way messages and logins are the wire server's own counts
(``emulator`` fixture)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import oracledb
import pytest
from django.db import connection, transaction

from drcp_multi.backends.oracle.base import session_setup_sql
from drcp_multi.exceptions import TenantSwitchInTransaction
from drcp_multi.registry import get_registry
from drcp_multi.routing import acquire_for
from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import TraceAttributes, tenant_context
from drcp_multi.testing.database_side import DrcpMonitor, session_facts
from tests.core.helpers import connecting_user, gained, server_mark, server_since

Get = Callable[[str], tuple[int, str]]
pytestmark = pytest.mark.usefixtures("wire")

SETUP_SQL = session_setup_sql(use_tz=True)


def is_setup(sql: str) -> bool:
    return sql.strip().upper().startswith("BEGIN") and "NLS_TERRITORY" in sql.upper()


@pytest.mark.drcp
def test_each_request_is_one_checkout_with_the_configured_class(
    monitor: DrcpMonitor, oracle_server: Any, get: Get
) -> None:
    get("/one-query/")  # warm-up: login, version check, LIKE probe
    before = monitor.class_figures()
    mark = server_mark(oracle_server) if oracle_server is not None else {}
    for _ in range(5):
        assert get("/one-query/") == (200, "1")
    stats = server_since(oracle_server, mark) if oracle_server is not None else {}
    # V$CPOOL_CC_STATS: one DRCP checkout per request, each a hit (the pool's session is reused).
    assert gained(monitor, before) == {"APP_CC": {"num_requests": 5, "num_hits": 5, "num_misses": 0}}
    assert monitor.connected(connecting_user()) == [("APP_CC", "SELF")]  # V$CPOOL_CONN_INFO: one client, SELF
    assert connection.connection is None  # released at request end
    assert get_registry().stats()[0].busy == 0
    if oracle_server is not None:  # the wire server's own counts of the messages
        assert stats["one_way"] == 5  # one release per request, a message without reply
        assert stats["logins"] == 0
        assert stats["round_trips"] == 10  # per request: session set-up + the query
        records = stats["statements"]
        assert {(r.cclass, str(r.purity).upper()) for r in records} == {("APP_CC", "SELF")}
        assert sum(is_setup(r.sql) for r in records) == 5


@pytest.mark.drcp
def test_first_request_of_a_new_thread_is_one_checkout(
    monitor: DrcpMonitor, oracle_server: Any, get: Get
) -> None:
    # Django keeps the server version per connection wrapper, i.e. per thread; a thread-per-request
    # server would pay an extra checkout for it on every request unless it is known per alias.
    get("/one-query/")  # warm-up in this thread
    before = monitor.class_figures()
    mark = server_mark(oracle_server) if oracle_server is not None else {}
    results: list[tuple[int, str]] = []
    for _ in range(3):
        worker = threading.Thread(target=lambda: results.append(get("/compiled-query/")))
        worker.start()
        worker.join()
    assert results == [(200, "1")] * 3
    stats = server_since(oracle_server, mark) if oracle_server is not None else {}
    assert gained(monitor, before)["APP_CC"]["num_requests"] == 3  # V$CPOOL_CC_STATS: one per request
    if oracle_server is not None:
        assert stats["round_trips"] == 6  # per request: session set-up + the query


@pytest.mark.drcp
def test_session_set_up_runs_on_a_brand_new_pooled_server(
    monitor: DrcpMonitor, oracle_server: Any, get: Get
) -> None:
    before = monitor.class_figures()
    first_logged = len(oracle_server.statements()) if oracle_server else 0
    new_tenant = Tenant("fresh", "default", "T_fresh")  # a class the broker has no pooled server for
    with tenant_context(new_tenant):
        status, body = get("/session-info/")
    assert status == 200
    assert json.loads(body)["date_format"] == "YYYY-MM-DD HH24:MI:SS"  # Django's, on the new session
    figures = gained(monitor, before)["T_fresh"]
    assert figures["num_misses"] >= 1  # V$CPOOL_CC_STATS: the broker made a new session for the class
    if oracle_server is not None:  # the statement log: the set-up block ran first, exactly once
        records = [r for r in oracle_server.statements()[first_logged:] if r.cclass == "T_fresh"]
        assert is_setup(records[0].sql)
        assert sum(is_setup(r.sql) for r in records) == 1


@pytest.mark.drcp
def test_tracing_attributes_per_request_and_no_leak(get: Get) -> None:
    with tenant_context(None, TraceAttributes("alice", "shop", "checkout")):
        first = json.loads(get("/session-info/")[1])
    second = json.loads(get("/session-info/")[1])
    assert (first["client_identifier"], first["module"], first["action"]) == ("alice", "shop", "checkout")
    assert not second["client_identifier"] and not second["module"] and not second["action"]


@pytest.mark.drcp
def test_tenant_switch_outside_atomic_reacquires(monitor: DrcpMonitor) -> None:
    before = monitor.class_figures()
    a, b = Tenant("ta", "default", "T_ta"), Tenant("tb", "default", "T_tb")
    with tenant_context(a), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
    with tenant_context(b), connection.cursor() as cursor:
        cursor.execute("SELECT 2 FROM DUAL")
    assert connection.drcp_tenant == b
    connection.close()
    classes = gained(monitor, before)
    assert set(classes) == {"T_ta", "T_tb"}  # V$CPOOL_CC_STATS: a request under each tenant's class
    assert all(figures["num_requests"] in (1, 2) for figures in classes.values())  # (+ the login's)


def test_tenant_switch_inside_atomic_is_refused() -> None:
    a, b = Tenant("ta", "default", "T_ta"), Tenant("tb", "default", "T_tb")
    with tenant_context(a), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM DUAL")
        with tenant_context(b), pytest.raises(TenantSwitchInTransaction, match="inside a transaction"):
            connection.cursor()
    connection.close()


@pytest.mark.drcp
def test_alias_mode_ignores_tenants_of_other_aliases(monitor: DrcpMonitor) -> None:
    from django.test import override_settings

    before = monitor.class_figures()
    with override_settings(DRCP_MULTI={"TENANCY_MODE": "alias"}):
        with tenant_context(Tenant("other", "tenant_other", "T_other")), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM DUAL")
        connection.close()
    assert set(gained(monitor, before)) == {"APP_CC"}  # the alias's class, not the other alias's tenant


def test_native_pool_option_is_refused_before_connecting() -> None:
    from drcp_multi.exceptions import ConfigurationError

    settings_dict = connection.settings_dict
    settings_dict["OPTIONS"]["pool"] = True
    try:
        with pytest.raises(ConfigurationError, match=r"drcp_multi\.E007"):
            connection.ensure_connection()
    finally:
        del settings_dict["OPTIONS"]["pool"]


@pytest.mark.drcp
def test_purity_constant_from_cx_oracle_era(monitor: DrcpMonitor) -> None:
    settings_dict = connection.settings_dict
    original = settings_dict["OPTIONS"]
    settings_dict["OPTIONS"] = {"purity": oracledb.ATTR_PURITY_NEW, "cclass": "APP_NEW"}
    before = monitor.class_figures()
    sessions = []
    try:
        for _ in range(2):
            with connection.cursor() as cursor:
                sessions.append(session_facts(cursor).identity)
            connection.close()
        assert monitor.connected(connecting_user()) == [
            ("APP_NEW", "NEW")
        ]  # V$CPOOL_CONN_INFO: class and purity
    finally:
        settings_dict["OPTIONS"] = original
    assert set(gained(monitor, before)) == {"APP_NEW"}
    assert sessions[0] != sessions[1]  # purity NEW: a new session for each checkout, never a reused one


@pytest.mark.emulator_only
def test_dead_pooled_connection_is_not_handed_to_django(emulator: Any, get: Get) -> None:
    from tests.core.tcp_proxy import TcpProxy

    proxy = TcpProxy(("127.0.0.1", emulator.port))
    settings_dict = connection.settings_dict
    original = settings_dict["NAME"]
    settings_dict["NAME"] = f"127.0.0.1:{proxy.port}/FREEPDB1"
    try:
        assert get("/one-query/") == (200, "1")
        logins = emulator.stats()["logins"]
        proxy.cut()  # the pooled connection's socket dies while it sits idle in the pool
        assert get("/one-query/") == (200, "1")  # the pool noticed and connected afresh
        assert emulator.stats()["logins"] == logins + 1
        (row,) = [r for r in get_registry().stats() if r.alias == "default"]
        assert row.busy == 0  # (oracledb 2.x keeps counting the dead one in "opened" until it purges it)
    finally:
        get_registry().close_all()
        settings_dict["NAME"] = original
        proxy.close()


@pytest.mark.drcp
def test_request_end_releases_without_a_new_checkout(monitor: DrcpMonitor, oracle_server: Any) -> None:
    """request_finished runs after the tenant context is reset: closing must not first swap the tenant's
    connection for a tenant-less checkout."""
    from django.core.signals import request_finished

    tenant = Tenant("ta", "default", "T_ta")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
    before = monitor.class_figures()
    # Nothing in flight, but the connection is still checked out: no settling.
    mark = server_mark(oracle_server, settled=False) if oracle_server is not None else {}
    request_finished.send(sender=None)  # Django's close_old_connections, outside the tenant's context
    stats = server_since(oracle_server, mark) if oracle_server is not None else {}
    assert connection.connection is None
    assert gained(monitor, before) == {}  # V$CPOOL_CC_STATS: no DRCP request under any class
    if oracle_server is not None:
        assert (stats["round_trips"], stats["one_way"]) == (0, 1)  # only the release


@pytest.mark.drcp
def test_asgi_requests_are_one_checkout_each(monitor: DrcpMonitor, oracle_server: Any) -> None:
    import asyncio

    from django.core.handlers.asgi import ASGIHandler

    async def one(app: ASGIHandler) -> tuple[int, bytes]:
        scope = {"type": "http", "method": "GET", "path": "/one-query/", "query_string": b"", "headers": []}
        incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await incoming.put({"type": "http.request", "body": b"", "more_body": False})
        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, incoming.get, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    async def main() -> list[tuple[int, bytes]]:
        app = ASGIHandler()
        await one(app)  # warm-up in this event loop's worker thread
        before.update(monitor.class_figures())
        if oracle_server is not None:
            mark.update(server_mark(oracle_server))
        return [await one(app) for _ in range(4)]

    before: dict[str, dict[str, int]] = {}
    mark: dict[str, Any] = {}
    assert asyncio.run(main()) == [(200, b"1")] * 4
    stats = server_since(oracle_server, mark) if oracle_server is not None else {}
    assert gained(monitor, before)["APP_CC"]["num_requests"] == 4  # V$CPOOL_CC_STATS: one per request
    if oracle_server is not None:
        assert (stats["round_trips"], stats["one_way"]) == (8, 4)


def test_exhausted_pool_reaches_django_as_operational_error() -> None:
    from django.db import OperationalError

    from drcp_multi.exceptions import PoolTimeout

    settings_dict = connection.settings_dict
    original = settings_dict["POOL"]
    settings_dict["POOL"] = {"min": 0, "max": 1, "getmode": "nowait"}
    registry = get_registry()
    held = acquire_for("default", settings_dict=settings_dict)
    try:
        with pytest.raises(OperationalError) as info:
            connection.ensure_connection()
        assert isinstance(info.value.__cause__, PoolTimeout)
        assert "POOL['max']=1" in str(info.value)
    finally:
        registry.release(held)
        settings_dict["POOL"] = original
