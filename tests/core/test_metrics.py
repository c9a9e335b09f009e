"""drcp_multi.metrics: the registry's pools as Prometheus gauges, read at scrape time."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from drcp_multi.metrics import register
from drcp_multi.registry import get_registry
from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import tenant_context

pytestmark = pytest.mark.usefixtures("wire")


def samples(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_pools_are_exported_per_alias_tenant_and_class(get: Any) -> None:
    registry = CollectorRegistry()
    register(registry)
    assert samples(registry) == {("drcp_multi_pools", ()): 0.0}  # nothing before the first checkout
    assert get("/one-query/") == (200, "1")
    with tenant_context(Tenant("acme", "default", "T_acme")):
        assert get("/one-query/") == (200, "1")
    pools = get_registry().stats()
    assert {(p.tenant, p.cclass) for p in pools} == {(None, "APP_CC"), ("acme", "T_acme")}
    got = samples(registry)
    assert got[("drcp_multi_pools", ())] == 2
    for pool in pools:
        labels = (("alias", "default"), ("cclass", pool.cclass), ("tenant", pool.tenant or ""))
        assert got[("drcp_multi_pool_connections_opened", labels)] == pool.opened >= 1
        assert got[("drcp_multi_pool_connections_busy", labels)] == 0  # released at request end
        assert got[("drcp_multi_pool_connections_max", labels)] == pool.max
