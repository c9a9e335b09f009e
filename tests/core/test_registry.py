"""The pool registry against the wire server or a live Oracle: one pool per key shared by threads, classes,
purity, tracing attributes, eviction, close and stats. DRCP is asserted from the database's side
(SYS_CONTEXT; V$CPOOL_CC_STATS, V$CPOOL_CONN_INFO and V$SESSION through the monitoring connection), the
wire server's own counts (logins) only where it runs."""

from __future__ import annotations

import gc
import threading
from typing import Any

import oracledb
import pytest
from django.conf import settings
from django.test import override_settings

from drcp_multi.exceptions import PoolTimeout
from drcp_multi.limits import get_limiter
from drcp_multi.registry import PoolRegistry
from drcp_multi.routing import acquire_for
from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import TraceAttributes, tenant_context
from drcp_multi.testing.database_side import DrcpMonitor, session_facts
from tests.core.helpers import connecting_user, gained

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


@pytest.mark.drcp
def test_acquire_runs_under_the_alias_class_and_purity(registry: PoolRegistry, monitor: DrcpMonitor) -> None:
    before = monitor.class_figures()
    conn = registry.acquire("default")
    with conn.cursor() as cursor:
        assert session_facts(cursor).user == connecting_user()
    registry.release(conn)
    assert monitor.connected(connecting_user()) == [("APP_CC", "SELF")]  # V$CPOOL_CONN_INFO: class and purity
    # V$CPOOL_CC_STATS: one request for the checkout (and at most one more if the login attached one).
    assert gained(monitor, before)["APP_CC"]["num_requests"] in (1, 2)
    (row,) = registry.stats()
    assert row.alias == "default" and row.tenant is None and row.cclass == "APP_CC"
    assert (row.opened, row.busy, row.max) == (1, 0, 4)
    assert not hasattr(row, "password") and "secret" not in repr(row)


@pytest.mark.drcp
def test_many_threads_share_one_pool(
    registry: PoolRegistry, monitor: DrcpMonitor, oracle_server: Any
) -> None:
    before = monitor.class_figures()
    logins_before = oracle_server.stats()["logins"] if oracle_server else 0
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
    assert monitor.connected(connecting_user()) == [("APP_CC", "SELF")] * row.opened  # each pooled connection
    assert gained(monitor, before) == {"APP_CC": gained(monitor, before)["APP_CC"]}  # no other class
    requests = gained(monitor, before)["APP_CC"]["num_requests"]
    assert 60 <= requests <= 60 + row.opened  # one DRCP request per checkout (+ one per login at most)
    if oracle_server is not None:  # the wire server counts its logins
        assert oracle_server.stats()["logins"] - logins_before <= 4


@pytest.mark.drcp
def test_pool_per_tenant_uses_the_tenant_class(registry: PoolRegistry, monitor: DrcpMonitor) -> None:
    before = monitor.class_figures()
    acme = Tenant("acme", "default", "T_acme")
    globex = Tenant("globex", "default", "T_globex", purity=int(oracledb.Purity.NEW))
    for tenant in (acme, globex, acme):
        conn = registry.acquire("default", tenant)
        run(conn)
        registry.release(conn)
    rows = {r.tenant: r for r in registry.stats()}
    assert set(rows) == {"acme", "globex"}
    assert (rows["globex"].cclass, rows["globex"].purity) == ("T_globex", "NEW")
    classes = gained(monitor, before)
    requests = {name: figures["num_requests"] for name, figures in classes.items()}
    assert set(requests) == {"T_acme", "T_globex"}
    assert requests["T_acme"] in (2, 3) and requests["T_globex"] in (1, 2)  # checkouts (+ the login's)
    assert monitor.connected(connecting_user()) == [
        ("T_acme", "SELF"),
        ("T_globex", "NEW"),
    ]  # V$CPOOL_CONN_INFO


@pytest.mark.drcp
def test_shared_pool_asks_for_the_class_per_checkout(registry: PoolRegistry, monitor: DrcpMonitor) -> None:
    before = monitor.class_figures()
    with override_settings(DRCP_MULTI={"TENANCY_MODE": "shared_pool"}):
        for name in ("a1", "b2"):
            conn = registry.acquire("default", Tenant(name, "default", f"T_{name}"))
            run(conn)
            registry.release(conn)
        assert [r.tenant for r in registry.stats()] == [None]
    assert set(gained(monitor, before)) == {"T_a1", "T_b2"}  # V$CPOOL_CC_STATS: a request under each


@pytest.mark.drcp
def test_tracing_attributes_are_set_and_cleared(registry: PoolRegistry, monitor: DrcpMonitor) -> None:
    with tenant_context(None, TraceAttributes("alice", "billing", "invoice")):
        conn = registry.acquire("default")
        with conn.cursor() as cursor:
            first = session_facts(cursor)
        # V$SESSION, as the database shows the session to others: pooled, with the trace attributes.
        seen = monitor.session(first.sid or 0)
        registry.release(conn)
    assert (first.client_identifier, first.module, first.action) == ("alice", "billing", "invoice")
    assert seen == {
        "server": "POOLED",
        "username": connecting_user(),
        "client_identifier": "alice",
        "module": "billing",
        "action": "invoice",
    }
    conn = registry.acquire("default")  # the same session (purity SELF), the next user has no trace
    with conn.cursor() as cursor:
        second = session_facts(cursor)
    registry.release(conn)
    assert second.identity == first.identity
    assert not second.traced


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
    registry: RoutedRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tenant's pool is closed (or its settings change) while a checkout from it is under way, and that
    checkout then fails: the pool, out of the registry, must still be closed, not left with its thread."""
    acme = Tenant("acme", "default", "T_acme")
    tight = {**settings.DATABASES["default"], "POOL": {"min": 0, "max": 1, "getmode": "nowait"}}
    seen: list[Any] = []
    reserve = registry.registry._reserve

    def reserve_then_close_meanwhile(*args: Any) -> Any:
        entry, counters = reserve(*args)
        assert registry.close(tenant=acme.name) == 1  # drained: a checkout is under way
        seen.append((entry.pool, entry.pool.acquire()))  # its only connection: the checkout then fails
        return entry, counters

    monkeypatch.setattr(registry.registry, "_reserve", reserve_then_close_meanwhile)
    with pytest.raises(PoolTimeout):
        registry.acquire("default", acme, settings_dict=tight)
    monkeypatch.undo()
    ((pool, _held),) = seen
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


@pytest.mark.parametrize("mode", ["shared_class", "shared_pool", "alias"])
def test_tenants_of_a_shared_pool_never_rebuild_it(registry: Any, emulator: Any, mode: str) -> None:
    """Tenants sharing the alias's pool (same key, class asked per acquire or none) reuse that one pool:
    no retirement, no login per change of tenant, counters kept per tenant."""
    with override_settings(DRCP_MULTI={"TENANCY_MODE": mode}):
        cclass = "APP_CC"  # the alias's own class: no per-acquire class even in shared_pool
        tenants = [Tenant(name, "default", cclass) for name in ("a", "b")]
        conn = registry.acquire("default", tenants[0])  # the pool's first connection: one login
        registry.release(conn)
        emulator.reset_stats()
        for tenant in tenants * 3:
            conn = registry.acquire("default", tenant)
            assert run(conn) == (1,)
            registry.release(conn)
        stats = emulator.stats()
        assert stats["logins"] == 0
        (pool,) = registry.stats()
        assert (pool.tenant, pool.checkouts, pool.logins) == (None, 7, 1)
        per_tenant = {label[1]: c.checkouts for label, c in registry.counters().items() if c.checkouts}
        assert per_tenant == {"a": 4, "b": 3}


def test_a_connection_collected_without_release_gives_everything_back(registry: Any) -> None:
    """A connection dropped without release() (a thread ended with its Django connection open): the next
    checkout finds it collected and gives back its pool's busy slot, its tenant's slot and its release."""
    capped = Tenant("leaky", "default", "T_leaky", max_busy=1)
    with override_settings(DRCP_MULTI={"TENANT_WAIT_TIMEOUT": 0}):
        conn = registry.acquire("default", capped)
        assert get_limiter().busy(capped) == 1
        del conn
        gc.collect()
        conn = registry.acquire("default", capped)  # not TenantBusy: the lost one was reaped first
        assert [(r.tenant, r.busy, r.checkouts, r.releases) for r in registry.stats()] == [("leaky", 1, 2, 1)]
        registry.release(conn)
        assert get_limiter().busy(capped) == 0
        assert [(r.busy, r.releases) for r in registry.stats()] == [(0, 2)]


@pytest.mark.emulator_only
@pytest.mark.parametrize("mode", ["pool_per_tenant", "shared_pool"])
def test_an_idle_connection_whose_socket_died_is_replaced_at_checkout(
    registry: RoutedRegistry, emulator: Any, mode: str
) -> None:
    """The network cut an idle pooled connection: the next checkout gets a live one of the tenant's class
    (python-oracledb 26 notices before handing it out; 2.x reports the dead socket and the registry asks
    again), for a route with the pool's class ("pool_per_tenant") and one asking per checkout
    ("shared_pool"); the pool's busy count comes back to 0."""
    from tests.core.tcp_proxy import TcpProxy

    proxy = TcpProxy(("127.0.0.1", emulator.port))
    routed = {**settings.DATABASES["default"], "NAME": f"127.0.0.1:{proxy.port}/FREEPDB1"}
    tenant = Tenant("cut", "default", "T_cut")
    try:
        with override_settings(DRCP_MULTI={"TENANCY_MODE": mode}):
            registry.release(registry.acquire("default", tenant, settings_dict=routed))
            logins = emulator.stats()["logins"]
            proxy.cut()  # the pooled connection's socket dies while it sits idle in the pool
            conn = registry.acquire("default", tenant, settings_dict=routed)
            marker = f"after the cut, {mode}"
            assert run(conn, f"SELECT '{marker}' FROM DUAL") == (marker,)
            registry.release(conn)
            assert emulator.stats()["logins"] == logins + 1
            (ran,) = [s for s in emulator.statements() if marker in s.sql]
            assert ran.cclass == "T_cut"
            assert [r.busy for r in registry.stats()] == [0]
    finally:
        registry.close_all()
        proxy.close()
