"""The pool registry against the wire server: one pool per key shared by threads, classes, purity,
tracing attributes, eviction, close and stats, asserted from the server's side."""

from __future__ import annotations

import threading
from typing import Any

import oracledb
import pytest
from django.conf import settings
from django.test import override_settings

from drcp_multi import registry as registry_module
from drcp_multi.exceptions import PoolTimeout
from drcp_multi.limits import get_limiter
from drcp_multi.registry import PoolRegistry
from drcp_multi.routing import acquire_for
from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import TraceAttributes, tenant_context

pytestmark = pytest.mark.usefixtures("wire")


def run(conn: oracledb.Connection, sql: str = "SELECT 1 FROM DUAL") -> Any:
    with conn.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


class RoutedRegistry:
    """A registry with the backend's routing in front: ``acquire(alias, tenant)`` as the backend does."""

    def __init__(self, registry: PoolRegistry) -> None:
        self.registry = registry

    def acquire(
        self, alias: str, tenant: Tenant | None = None, settings_dict: dict[str, Any] | None = None
    ) -> oracledb.Connection:
        return acquire_for(alias, tenant, settings_dict=settings_dict, registry=self.registry)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.registry, name)


@pytest.fixture
def registry() -> Any:
    reg = PoolRegistry()
    reg.set_admission(get_limiter())
    yield RoutedRegistry(reg)
    reg.close_all()


def test_acquire_runs_under_the_alias_class_and_purity(registry: PoolRegistry, emulator: Any) -> None:
    emulator.reset_stats()
    conn = registry.acquire("default")
    assert run(conn) == (1,)
    registry.release(conn)
    (record,) = [r for r in emulator.statements() if "FROM DUAL" in r.sql]
    assert (record.username.upper(), record.cclass, str(record.purity).upper()) == ("APP", "APP_CC", "SELF")
    figures = emulator.stats()["classes"]["APP.APP_CC"]
    assert figures["num_requests"] == 1
    (row,) = registry.stats()
    assert row.alias == "default" and row.tenant is None and row.cclass == "APP_CC"
    assert (row.opened, row.busy, row.max) == (1, 0, 4)
    assert not hasattr(row, "password") and "secret" not in repr(row)


def test_many_threads_share_one_pool(registry: PoolRegistry, emulator: Any) -> None:
    emulator.reset_stats()
    errors: list[BaseException] = []
    barrier = threading.Barrier(12)

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                conn = registry.acquire("default")
                try:
                    run(conn)
                finally:
                    registry.release(conn)
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (row,) = registry.stats()
    assert row.busy == 0 and 1 <= row.opened <= 4  # POOL["max"] = 4 sessions for 12 threads
    stats = emulator.stats()
    assert stats["logins"] <= 4
    assert stats["classes"]["APP.APP_CC"]["num_requests"] == 60
    assert {r.cclass for r in emulator.statements() if "FROM DUAL" in r.sql} == {"APP_CC"}


def test_pool_per_tenant_uses_the_tenant_class(registry: PoolRegistry, emulator: Any) -> None:
    emulator.reset_stats()
    acme = Tenant("acme", "default", "T_acme")
    globex = Tenant("globex", "default", "T_globex", purity=int(oracledb.Purity.NEW))
    for tenant in (acme, globex, acme):
        conn = registry.acquire("default", tenant)
        run(conn)
        registry.release(conn)
    rows = {r.tenant: r for r in registry.stats()}
    assert set(rows) == {"acme", "globex"}
    assert (rows["globex"].cclass, rows["globex"].purity) == ("T_globex", "NEW")
    classes = emulator.stats()["classes"]
    assert classes["APP.T_acme"]["num_requests"] == 2
    assert classes["APP.T_globex"]["num_requests"] == 1
    purities = {(r.cclass, str(r.purity).upper()) for r in emulator.statements() if "FROM DUAL" in r.sql}
    assert purities == {("T_acme", "SELF"), ("T_globex", "NEW")}


def test_shared_pool_asks_for_the_class_per_checkout(registry: PoolRegistry, emulator: Any) -> None:
    emulator.reset_stats()
    with override_settings(DRCP_MULTI={"TENANCY_MODE": "shared_pool"}):
        for name in ("a1", "b2"):
            conn = registry.acquire("default", Tenant(name, "default", f"T_{name}"))
            run(conn)
            registry.release(conn)
        assert [r.tenant for r in registry.stats()] == [None]
    assert {r.cclass for r in emulator.statements() if "FROM DUAL" in r.sql} == {"T_a1", "T_b2"}


def test_tracing_attributes_are_set_and_cleared(registry: PoolRegistry, emulator: Any) -> None:
    emulator.reset_stats()
    sql = "SELECT SYS_CONTEXT('USERENV', 'CLIENT_IDENTIFIER') FROM DUAL"
    with tenant_context(None, TraceAttributes("alice", "billing", "invoice")):
        conn = registry.acquire("default")
        assert run(conn, sql) == ("alice",)
        registry.release(conn)
    conn = registry.acquire("default")  # same pooled server (purity SELF), next user has no trace
    assert run(conn, sql) in ((None,), ("",))
    registry.release(conn)
    first, second = [r for r in emulator.statements() if "CLIENT_IDENTIFIER" in r.sql]
    assert (first.client_identifier, first.module, first.action) == ("alice", "billing", "invoice")
    assert not second.client_identifier and not second.module and not second.action


def test_eviction_keeps_at_most_max_live_pools(registry: PoolRegistry) -> None:
    with override_settings(DRCP_MULTI={"TENANCY_MODE": "pool_per_tenant", "MAX_LIVE_POOLS": 2}):
        for name in ("t1", "t2", "t3"):
            conn = registry.acquire("default", Tenant(name, "default", f"T_{name}"))
            run(conn)
            registry.release(conn)
        assert sorted(r.tenant for r in registry.stats()) == ["t2", "t3"]  # t1: least recently used
        held = registry.acquire("default", Tenant("t2", "default", "T_t2"))
        conn = registry.acquire("default", Tenant("t4", "default", "T_t4"))  # evicts idle t3, not busy t2
        assert sorted(r.tenant for r in registry.stats()) == ["t2", "t4"]
        registry.release(conn)
        registry.release(held)


def test_idle_tenant_pools_are_closed(registry: PoolRegistry) -> None:
    conn = registry.acquire("default", Tenant("idle", "default", "T_idle"))
    registry.release(conn)
    busy = registry.acquire("default", Tenant("busy", "default", "T_busy"))
    assert registry.evict_idle(idle_for=0) == 1
    assert [r.tenant for r in registry.stats()] == ["busy"]
    registry.release(busy)


def test_close_drains_busy_pools(registry: PoolRegistry) -> None:
    acme = Tenant("acme", "default", "T_acme")
    conn = registry.acquire("default", acme)
    assert registry.close(tenant=acme.name) == 1
    assert registry.stats() == []  # gone from the registry at once: the next acquire builds a new pool
    assert run(conn) == (1,)  # the checked-out connection still works until it is given back
    registry.release(conn)
    fresh = registry.acquire("default", acme)
    assert run(fresh) == (1,)
    registry.release(fresh)


@pytest.mark.emulator_only
def test_exhausted_pool_raises_pool_timeout(registry: PoolRegistry) -> None:
    tight = {**settings.DATABASES["default"], "POOL": {"min": 0, "max": 1, "getmode": "nowait"}}
    held = registry.acquire("default", settings_dict=tight)
    with pytest.raises(PoolTimeout) as info:
        registry.acquire("default", settings_dict=tight)
    assert isinstance(info.value, oracledb.DatabaseError)
    assert "POOL['max']=1" in str(info.value) and "nowait" in str(info.value)
    registry.release(held)


def test_invalid_tenant_class_never_reaches_the_driver(registry: PoolRegistry) -> None:
    from drcp_multi.exceptions import InvalidIdentifier

    with pytest.raises(InvalidIdentifier):
        registry.acquire("default", Tenant("evil", "default", "x)(SERVER=DEDICATED"))
    assert registry.stats() == []


def test_a_pool_retired_during_a_failed_checkout_is_closed(
    registry: PoolRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tenant's pool is closed (or its settings change) while a checkout from it is under way, and that
    checkout then fails: the pool, out of the registry, must still be closed, not left with its thread."""
    acme = Tenant("acme", "default", "T_acme")
    seen: list[Any] = []

    def close_meanwhile_then_fail(pool: Any, route: Any) -> oracledb.Connection:
        seen.append(pool)
        assert registry.close(tenant=acme.name) == 1  # drained: a checkout is under way
        raise oracledb.OperationalError("DPY-6005: cannot connect to database (simulated)")

    monkeypatch.setattr(registry_module, "_acquire_from", close_meanwhile_then_fail)
    with pytest.raises(oracledb.OperationalError, match="simulated"):
        registry.acquire("default", acme)
    monkeypatch.undo()
    (pool,) = seen
    assert registry.stats() == []  # out of the registry
    with pytest.raises(oracledb.InterfaceError, match="DPY-1002"):
        pool.opened  # noqa: B018  closed, like a drained pool whose last connection came back


def test_a_checkout_failing_after_the_driver_acquired_gives_everything_back(registry: PoolRegistry) -> None:
    """The trace attributes are stamped after the driver handed the connection out: if that fails (here a
    module that is not a string), the connection, the pool's busy count and the tenant's slot go back."""
    from drcp_multi.limits import get_limiter

    capped = Tenant("capped", "default", "T_capped", max_busy=1)
    with override_settings(DRCP_MULTI={"TENANT_WAIT_TIMEOUT": 0}):
        with tenant_context(None, TraceAttributes("alice", 123, "x")), pytest.raises(TypeError):  # type: ignore[arg-type]
            registry.acquire("default", capped)
        assert get_limiter().busy(capped) == 0
        assert [(r.tenant, r.busy) for r in registry.stats()] == [("capped", 0)]
        conn = registry.acquire("default", capped)  # not TenantBusy
        assert run(conn) == (1,)
        registry.release(conn)
    assert get_limiter().busy(capped) == 0
