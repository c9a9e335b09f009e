"""drcp_multi.metrics: named counters, the wait histogram and pool gauges per alias, tenant and class, and
the broker's figures, through prometheus_client's own exposition and parser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from drcp_multi.metrics import PoolMetrics, collect, register
from drcp_multi.monitor import get_monitor
from drcp_multi.registry import get_registry
from drcp_multi.tenancy.context import tenant_context
from drcp_multi.tenant import Tenant

pytestmark = pytest.mark.usefixtures("wire")

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(registry: CollectorRegistry) -> Samples:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if not s.name.endswith("_created")
    }


@pytest.fixture
def exported() -> Iterator[tuple[CollectorRegistry, PoolMetrics]]:
    registry = CollectorRegistry()
    get_monitor().clear()
    metrics = register(registry)
    yield registry, metrics
    metrics.stop()


def test_pools_counters_and_broker_per_alias_tenant_and_class(
    get: Any, exported: tuple[CollectorRegistry, PoolMetrics]
) -> None:
    registry, _ = exported
    assert get("/one-query/") == (200, "1")
    with tenant_context(Tenant("acme", "default", "T_acme")):
        for _ in range(3):
            assert get("/one-query/") == (200, "1")
    got = samples(registry)
    pools = get_registry().stats()
    assert {(p.tenant, p.cclass) for p in pools} == {(None, "APP_CC"), ("acme", "T_acme")}
    acme = (("alias", "default"), ("cclass", "T_acme"), ("tenant", "acme"))
    assert got[("drcp_multi_pool_checkouts_total", acme)] == 3  # counted from the events after register()
    assert got[("drcp_multi_pool_checkout_wait_seconds_count", acme)] == 3
    # Read from the registry's counters, which go on across pools: at least this test's.
    assert got[("drcp_multi_pool_releases_total", acme)] >= 3
    assert got[("drcp_multi_pool_logins_total", acme)] >= 1
    assert got[("drcp_multi_pool_connections_busy", acme)] == 0  # released at request end
    assert got[("drcp_multi_pool_connections_max", acme)] == 4
    assert got[("drcp_multi_pools", ())] == 2
    # The broker's own figures, read once through the monitoring alias.
    assert got[("drcp_multi_broker_up", (("alias", "default"),))] == 1
    assert got[("drcp_multi_broker_requests_total", (("cclass", "APP.T_acme"),))] >= 3
    assert ("drcp_multi_broker_reclaims_total", ()) in got
    assert got[("drcp_multi_broker_servers_max", ())] >= 1


def test_typed_figures(get: Any) -> None:
    def figures() -> tuple[int, int, int, int]:
        (acme,) = [p for p in collect(broker=False).pools if p.tenant == "acme"]
        return acme.checkouts, acme.releases, acme.timeouts, acme.rejections

    with tenant_context(Tenant("acme", "default", "T_acme")):
        assert get("/one-query/") == (200, "1")
        before = figures()  # the counters go on across pools (and tests): compare differences
        assert get("/one-query/") == (200, "1")
    after = figures()
    assert tuple(b - a for a, b in zip(before, after, strict=True)) == (1, 1, 0, 0)
    stats = collect()
    assert stats.broker is not None and stats.broker.available
    doc = stats.as_dict()
    assert doc["pools"][0]["alias"] == "default" and "password" not in str(doc).lower()
