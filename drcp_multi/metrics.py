"""Prometheus metrics of drcp_multi's pools (optional: ``pip install "drcp_multi[prometheus]"``).

Call :func:`register` once (e.g. in an AppConfig's ``ready()``) and expose ``prometheus_client``'s
registry as usual (``make_wsgi_app()``, ``django-prometheus``'s view, …). The collector reads
``PoolRegistry.stats()`` when scraped, so requests pay nothing. These are the client's figures; DRCP's
hits, misses and waits live in the database (``V$CPOOL_CC_STATS``): scrape them with a database exporter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from drcp_multi.registry import get_registry

if TYPE_CHECKING:
    from prometheus_client.registry import CollectorRegistry

LABELS = ("alias", "tenant", "cclass")
GAUGES = (
    ("opened", "drcp_multi_pool_connections_opened", "Connections the pool holds open (busy or idle)."),
    ("busy", "drcp_multi_pool_connections_busy", "Connections checked out of the pool."),
    ("max", "drcp_multi_pool_connections_max", "The pool's POOL['max']."),
)


class PoolCollector:
    """One sample per live pool and figure, labelled by alias, tenant ("" for an alias's own pool) and
    DRCP connection class."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        families = {key: GaugeMetricFamily(name, doc, labels=LABELS) for key, name, doc in GAUGES}
        pools = get_registry().stats()
        for pool in pools:
            labels = [pool.alias, pool.tenant or "", pool.cclass]
            for key, family in families.items():
                family.add_metric(labels, getattr(pool, key))
        yield from families.values()
        live = GaugeMetricFamily("drcp_multi_pools", "Live pools in this process (each runs a thread).")
        live.add_metric([], len(pools))
        yield live


def register(registry: CollectorRegistry | None = None) -> PoolCollector:
    """Register a :class:`PoolCollector` with ``registry`` (default: prometheus_client's global one).

    Raises ImportError naming the extra when prometheus_client is not installed.
    """
    try:
        from prometheus_client import REGISTRY
    except ImportError as exc:
        raise ImportError(
            'drcp_multi.metrics needs prometheus_client: pip install "drcp_multi[prometheus]"'
        ) from exc
    collector = PoolCollector()
    (registry or REGISTRY).register(collector)  # type: ignore[arg-type]
    return collector
