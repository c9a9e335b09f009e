"""The backend through Django's WSGI handler against the wire server: one checkout per request with the
configured class and purity, one round trip of session set-up, tracing, tenant switches."""

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
from tests.core.helpers import settle

Get = Callable[[str], tuple[int, str]]
pytestmark = pytest.mark.usefixtures("wire")

SETUP_SQL = session_setup_sql(use_tz=True)


def is_setup(sql: str) -> bool:
    return sql.strip().upper().startswith("BEGIN") and "NLS_TERRITORY" in sql.upper()


def test_each_request_is_one_checkout_with_the_configured_class(emulator: Any, get: Get) -> None:
    get("/one-query/")  # warm-up: login, version check, LIKE probe
    settle(emulator)
    emulator.reset_stats()
    for _ in range(5):
        assert get("/one-query/") == (200, "1")
    stats = settle(emulator)
    figures = stats["classes"]["APP.APP_CC"]
    assert figures["num_requests"] == 5  # one DRCP checkout per request
    assert stats["one_way"] == 5  # one release per request, a message without reply
    assert stats["logins"] == 0  # the pool's session is reused
    assert stats["round_trips"] == 10  # per request: session set-up + the query
    records = emulator.statements()
    assert {(r.cclass, str(r.purity).upper()) for r in records} == {("APP_CC", "SELF")}
    assert sum(is_setup(r.sql) for r in records) == 5
    assert connection.connection is None  # released at request end
    assert get_registry().stats()[0].busy == 0


def test_first_request_of_a_new_thread_is_one_checkout(emulator: Any, get: Get) -> None:
    # Django keeps the server version per connection wrapper, i.e. per thread; a thread-per-request
    # server would pay an extra checkout for it on every request unless it is known per alias.
    get("/one-query/")  # warm-up in this thread
    settle(emulator)
    emulator.reset_stats()
    results: list[tuple[int, str]] = []
    for _ in range(3):
        worker = threading.Thread(target=lambda: results.append(get("/compiled-query/")))
        worker.start()
        worker.join()
    assert results == [(200, "1")] * 3
    stats = settle(emulator)
    assert stats["classes"]["APP.APP_CC"]["num_requests"] == 3
    assert stats["round_trips"] == 6  # per request: session set-up + the query


def test_session_set_up_runs_on_a_brand_new_pooled_server(emulator: Any, get: Get) -> None:
    emulator.reset_stats()
    new_tenant = Tenant("fresh", "default", "T_fresh")  # a class the broker has no pooled server for
    with tenant_context(new_tenant):
        status, body = get("/session-info/")
    assert status == 200
    assert json.loads(body)["date_format"] == "YYYY-MM-DD HH24:MI:SS"  # Django's, on the new server
    figures = emulator.stats()["classes"]["APP.T_fresh"]
    assert figures["num_misses"] >= 1  # the broker handed out a new pooled server
    records = [r for r in emulator.statements() if r.cclass == "T_fresh"]
    assert is_setup(records[0].sql)  # first statement on that server: the set-up block, exactly once
    assert sum(is_setup(r.sql) for r in records) == 1


def test_tracing_attributes_per_request_and_no_leak(emulator: Any, get: Get) -> None:
    with tenant_context(None, TraceAttributes("alice", "shop", "checkout")):
        first = json.loads(get("/session-info/")[1])
    second = json.loads(get("/session-info/")[1])
    assert (first["client_identifier"], first["module"], first["action"]) == ("alice", "shop", "checkout")
    assert not second["client_identifier"] and not second["module"] and not second["action"]


def test_tenant_switch_outside_atomic_reacquires(emulator: Any) -> None:
    emulator.reset_stats()
    a, b = Tenant("ta", "default", "T_ta"), Tenant("tb", "default", "T_tb")
    with tenant_context(a), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
    with tenant_context(b), connection.cursor() as cursor:
        cursor.execute("SELECT 2 FROM DUAL")
    assert connection.drcp_tenant == b
    connection.close()
    ran = [(r.cclass, r.sql) for r in emulator.statements() if not is_setup(r.sql)]
    assert ("T_ta", "SELECT 1 FROM DUAL") in ran and ("T_tb", "SELECT 2 FROM DUAL") in ran


def test_tenant_switch_inside_atomic_is_refused() -> None:
    a, b = Tenant("ta", "default", "T_ta"), Tenant("tb", "default", "T_tb")
    with tenant_context(a), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM DUAL")
        with tenant_context(b), pytest.raises(TenantSwitchInTransaction, match="inside a transaction"):
            connection.cursor()
    connection.close()


def test_alias_mode_ignores_tenants_of_other_aliases(emulator: Any) -> None:
    from django.test import override_settings

    emulator.reset_stats()
    with override_settings(DRCP_MULTI={"TENANCY_MODE": "alias"}):
        with tenant_context(Tenant("other", "tenant_other", "T_other")), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM DUAL")
        connection.close()
    assert {r.cclass for r in emulator.statements()} == {"APP_CC"}


def test_native_pool_option_is_refused_before_connecting() -> None:
    from drcp_multi.exceptions import ConfigurationError

    settings_dict = connection.settings_dict
    settings_dict["OPTIONS"]["pool"] = True
    try:
        with pytest.raises(ConfigurationError, match=r"drcp_multi\.E007"):
            connection.ensure_connection()
    finally:
        del settings_dict["OPTIONS"]["pool"]


def test_purity_constant_from_cx_oracle_era(emulator: Any) -> None:
    settings_dict = connection.settings_dict
    original = settings_dict["OPTIONS"]
    settings_dict["OPTIONS"] = {"purity": oracledb.ATTR_PURITY_NEW, "cclass": "APP_NEW"}
    emulator.reset_stats()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM DUAL")
        connection.close()
    finally:
        settings_dict["OPTIONS"] = original
    assert {(r.cclass, str(r.purity).upper()) for r in emulator.statements()} == {("APP_NEW", "NEW")}


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


def test_request_end_releases_without_a_new_checkout(emulator: Any) -> None:
    """request_finished runs after the tenant context is reset: closing must not first swap the tenant's
    connection for a tenant-less checkout."""
    from django.core.signals import request_finished

    tenant = Tenant("ta", "default", "T_ta")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
    emulator.reset_stats()  # nothing in flight: the connection is still checked out
    request_finished.send(sender=None)  # Django's close_old_connections, outside the tenant's context
    stats = settle(emulator)
    assert connection.connection is None
    assert (stats["round_trips"], stats["one_way"]) == (0, 1)  # only the release
    assert all(figures["num_requests"] == 0 for figures in stats["classes"].values())


def test_asgi_requests_are_one_checkout_each(emulator: Any) -> None:
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
        settle(emulator)
        emulator.reset_stats()
        return [await one(app) for _ in range(4)]

    assert asyncio.run(main()) == [(200, b"1")] * 4
    stats = settle(emulator)
    assert stats["classes"]["APP.APP_CC"]["num_requests"] == 4
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
