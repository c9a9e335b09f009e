"""Metrics of drcp_multi's pools and of the DRCP broker, as typed figures and as Prometheus.

Typed: :func:`collect` returns :class:`OpsStats` (the registry's ``PoolStats`` per live pool, the broker's
figures from :mod:`drcp_multi.monitor` with the reason when missing, the alias caps, the capacity advice).

Prometheus (optional: ``pip install "drcp_multi[prometheus]"``): :func:`register` (or
``DRCP_MULTI['METRICS'] = True``, done in the app's ``ready()``) subscribes to the registry's checkout
events and exports, labelled by ``alias``, ``tenant`` ("" for an alias's own pool) and ``cclass``:

===============================================  =========  ============================================
name                                             type       what
===============================================  =========  ============================================
drcp_multi_pool_checkouts_total                  counter    checkouts that got a connection
drcp_multi_pool_checkout_timeouts_total          counter    no connection in POOL['wait_timeout']
drcp_multi_pool_checkout_rejections_total        counter    refused by a limit (tenant max_busy, alias cap)
drcp_multi_pool_checkout_errors_total            counter    any other failed checkout
drcp_multi_pool_checkout_wait_seconds            histogram  time from asking to getting (or giving up)
drcp_multi_pool_releases_total                   counter    connections given back
drcp_multi_pool_logins_total                     counter    client connections the pool logged in
drcp_multi_pool_connections_opened|busy|min|max  gauge      the pool's sizes now
drcp_multi_pools                                 gauge      live pools (each runs a thread)
drcp_multi_alias_busy|waiting                    gauge      per alias cap (label ``alias``)
drcp_multi_broker_*                              see below  the broker, label ``cclass`` = USER.CCLASS
===============================================  =========  ============================================

Broker (read by the scraping process, at most once per ``MONITOR_INTERVAL``): counters
``drcp_multi_broker_requests_total``, ``_hits_total``, ``_misses_total``, ``_waits_total``,
``_wait_seconds_total``, ``_client_req_timeouts_total``, ``_authentications_total`` per class, and for the
whole broker ``drcp_multi_broker_reclaims_total`` (``NUM_PURGED``), gauges ``drcp_multi_broker_servers_open``,
``_busy``, ``_max``, ``drcp_multi_broker_client_connections``, ``drcp_multi_broker_servers_advised`` (only
while the broker reclaims often: the MAXSIZE that would stop it) and ``drcp_multi_broker_up`` (1, or 0 with
a ``drcp_multi_broker_problem{code, reason}`` sample saying why the figures are missing).

**Multiprocess (gunicorn, uvicorn --workers).** Set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory
before the server starts (prometheus_client's multiprocess mode): every worker then writes its counters,
histograms and gauges to files there (a thread per worker refreshes the gauges each
``METRICS_SYNC_INTERVAL`` second, default 1), and :func:`metrics_view` (or :func:`scrape`) served by any
worker returns the sum over all live workers, plus the broker's figures read once. Gauges are summed over
live processes (``livesum``); call :func:`mark_process_dead` for a worker that exited (gunicorn:
``drcp_multi.lifecycle.gunicorn_child_exit``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, is_dataclass
from typing import TYPE_CHECKING, Any, Literal

from drcp_multi.conf import drcp_setting
from drcp_multi.limits import AliasCapStats, get_alias_cap
from drcp_multi.monitor import BrokerFigures, capacity_advice, capacity_figures, get_monitor
from drcp_multi.registry import CheckoutEvent, get_registry

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse
    from prometheus_client.registry import CollectorRegistry

LABELS = ("alias", "tenant", "cclass")
WAIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
DEFAULT_SYNC_INTERVAL = 1.0
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# (PoolStats field, metric name, help) for the sizes of each pool.
POOL_GAUGES = (
    ("opened", "drcp_multi_pool_connections_opened", "Connections the pool holds open (busy or idle)."),
    ("busy", "drcp_multi_pool_connections_busy", "Connections checked out of the pool."),
    ("min", "drcp_multi_pool_connections_min", "The pool's POOL['min']."),
    ("max", "drcp_multi_pool_connections_max", "The pool's POOL['max']."),
)
# PoolStats counters exported by difference between two readings (the events do not carry them).
POOL_COUNTERS = (
    ("releases", "drcp_multi_pool_releases", "Connections given back to the pool."),
    ("logins", "drcp_multi_pool_logins", "Client connections the pool logged in to the database."),
)
OUTCOMES = {
    "ok": ("drcp_multi_pool_checkouts", "Checkouts that got a connection."),
    "timeout": (
        "drcp_multi_pool_checkout_timeouts",
        "Checkouts that got no connection within POOL['wait_timeout'] (or the driver's call_timeout).",
    ),
    "rejected": (
        "drcp_multi_pool_checkout_rejections",
        "Checkouts refused by a limit: a tenant's max_busy or an alias cap (HTTP 503).",
    ),
    "error": ("drcp_multi_pool_checkout_errors", "Checkouts that failed otherwise (the database refused)."),
}


def _ensure_prometheus() -> None:
    try:
        import prometheus_client  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            'drcp_multi.metrics needs prometheus_client: pip install "drcp_multi[prometheus]"'
        ) from exc


def multiprocess_dir() -> str | None:
    """prometheus_client's multiprocess directory when set (the mode is then on in every process)."""
    return os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()) or None


logger = logging.getLogger("drcp_multi.metrics")


def _sync_interval() -> float:
    value = drcp_setting("METRICS_SYNC_INTERVAL")
    return DEFAULT_SYNC_INTERVAL if value is None else float(value)


class PoolMetrics:
    """The Prometheus side: counters and the wait histogram updated per checkout event, gauges and the
    release/login counters refreshed from ``PoolRegistry.stats()`` at scrape time (and every
    ``METRICS_SYNC_INTERVAL`` seconds by a thread in multiprocess mode)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        _ensure_prometheus()
        from prometheus_client import REGISTRY, Counter, Gauge, Histogram

        target = registry if registry is not None else REGISTRY
        self.multiprocess = multiprocess_dir() is not None
        self._lock = threading.Lock()
        if not self.multiprocess:
            # Registered first, so each scrape refreshes the gauges before they are read.
            target.register(_RefreshCollector(self.sync))
        self.outcomes = {
            outcome: Counter(name, doc, LABELS, registry=target) for outcome, (name, doc) in OUTCOMES.items()
        }
        self.wait = Histogram(
            "drcp_multi_pool_checkout_wait_seconds",
            "Seconds from asking the pool for a connection to getting one (or giving up).",
            LABELS,
            buckets=WAIT_BUCKETS,
            registry=target,
        )
        self.counters = {key: Counter(name, doc, LABELS, registry=target) for key, name, doc in POOL_COUNTERS}
        live: Literal["livesum"] = "livesum"  # multiprocess: summed over the live workers
        self.gauges = {
            key: Gauge(name, doc, LABELS, registry=target, multiprocess_mode=live)
            for key, name, doc in POOL_GAUGES
        }
        self.pools = Gauge(
            "drcp_multi_pools", "Live pools (each runs a thread).", registry=target, multiprocess_mode=live
        )
        self.alias_busy = Gauge(
            "drcp_multi_alias_busy",
            "Connections held under an alias cap.",
            ["alias"],
            registry=target,
            multiprocess_mode=live,
        )
        self.alias_waiting = Gauge(
            "drcp_multi_alias_waiting",
            "Checkouts queued at an alias cap.",
            ["alias"],
            registry=target,
            multiprocess_mode=live,
        )
        self._children: dict[tuple[str, str, str, str], Any] = {}
        self._seen_counts: dict[tuple[str, str, str, str], int] = {}
        self._gauge_labels: set[tuple[str, str, str]] = set()
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- per event ------------------------------------------------------------------------------------

    def on_checkout(self, event: CheckoutEvent) -> None:
        """The registry listener: one counter and one histogram observation (children cached per label
        set, so an event costs two increments)."""
        labels = (event.alias, event.tenant or "", event.cclass)
        outcome = event.outcome if event.outcome in self.outcomes else "error"
        key = (*labels, outcome)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.outcomes[outcome].labels(*labels),
                self.wait.labels(*labels),
            )
        children[0].inc()
        children[1].observe(event.wait_seconds)
        if self.multiprocess and (self._thread is None or self._pid != os.getpid()):
            self.start_sync_thread()

    # -- from the registry's figures ------------------------------------------------------------------

    def sync(self) -> None:
        """Set the gauges from the registry's figures now, and add what the release/login counters grew
        by since the last sync (``PoolRegistry.counters()`` never goes down, even when a pool is retired)."""
        registry = get_registry()
        rows = registry.stats()
        counters = registry.counters()
        with self._lock:
            labels_now: set[tuple[str, str, str]] = set()
            totals: dict[tuple[str, str, str], dict[str, float]] = {}
            for row in rows:
                labels = (row.alias, row.tenant or "", row.cclass)
                labels_now.add(labels)
                sums = totals.setdefault(labels, dict.fromkeys((k for k, _, _ in POOL_GAUGES), 0.0))
                for key, _, _ in POOL_GAUGES:
                    sums[key] += float(getattr(row, key) or 0)
            for (alias, tenant, cclass), figures in counters.items():
                labels = (alias, tenant or "", cclass)
                for key, _, _ in POOL_COUNTERS:
                    count = int(getattr(figures, key))
                    seen_key = (*labels, key)
                    before = self._seen_counts.get(seen_key, 0)
                    delta = count - before if count >= before else count  # smaller: a forked child
                    if delta:
                        self.counters[key].labels(*labels).inc(delta)
                    self._seen_counts[seen_key] = count
            for labels, sums in totals.items():
                for key, value in sums.items():
                    self.gauges[key].labels(*labels).set(value)
            for gone in self._gauge_labels - labels_now:  # closed pools read 0 (multiprocess keeps series)
                for key, _, _ in POOL_GAUGES:
                    self.gauges[key].labels(*gone).set(0)
            self._gauge_labels = labels_now | self._gauge_labels
            self.pools.set(len(rows))
            for cap in get_alias_cap().stats():
                self.alias_busy.labels(cap.alias).set(cap.busy)
                self.alias_waiting.labels(cap.alias).set(cap.waiting)

    def start_sync_thread(self) -> None:
        """Multiprocess mode: refresh this process's gauges every ``METRICS_SYNC_INTERVAL`` s, so the
        sum another worker serves is current even for an idle worker."""
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._sync_loop, name="drcp_multi-metrics", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop listening to the registry and refreshing (tests register several in turn)."""
        get_registry().remove_listener(self.on_checkout)
        self._stop.set()

    def _sync_loop(self) -> None:
        interval = _sync_interval()
        while not self._stop.wait(interval):
            try:
                self.sync()
            except Exception:  # never let the metrics thread die over one bad reading
                logger.exception("metrics refresh failed")


class _RefreshCollector:
    """Yields nothing; runs a refresh when the registry is scraped (registered before the metrics)."""

    def __init__(self, refresh: Callable[[], None]) -> None:
        self.refresh = refresh

    def collect(self) -> Iterator[Any]:
        self.refresh()
        return iter(())

    def describe(self) -> list[Any]:
        return []  # no names: never clashes, never collected at registration


class BrokerCollector:
    """The broker's figures (``V$CPOOL_STATS``/``V$CPOOL_CC_STATS``) through :mod:`drcp_multi.monitor`'s
    cached reading; one reading per ``MONITOR_INTERVAL`` however often it is scraped."""

    def __init__(self, figures: Callable[[], BrokerFigures] | None = None) -> None:
        self.figures = figures or (lambda: get_monitor().figures())

    def describe(self) -> list[Any]:
        return []  # collecting means a database round trip: not at registration

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        figures = self.figures()
        up = GaugeMetricFamily(
            "drcp_multi_broker_up", "1 when the broker's figures could be read.", labels=["alias"]
        )
        up.add_metric([figures.alias], 1 if figures.available else 0)
        yield up
        if figures.problem:
            problem = GaugeMetricFamily(
                "drcp_multi_broker_problem",
                "Why the broker's figures are missing (reason says what to do).",
                labels=["alias", "code", "reason"],
            )
            problem.add_metric([figures.alias, figures.error_code or "", figures.problem], 1)
            yield problem
        if figures.classes:
            per_class: dict[str, Any] = {}
            for attr, name, doc in (
                ("requests", "drcp_multi_broker_requests", "Requests for a pooled server (NUM_REQUESTS)."),
                ("hits", "drcp_multi_broker_hits", "Requests served by a session of the class (NUM_HITS)."),
                ("misses", "drcp_multi_broker_misses", "Requests that needed a new session (NUM_MISSES)."),
                ("waits", "drcp_multi_broker_waits", "Requests that waited for a free server (NUM_WAITS)."),
                ("wait_seconds", "drcp_multi_broker_wait_seconds", "Time requests waited (WAIT_TIME)."),
                (
                    "client_req_timeouts",
                    "drcp_multi_broker_client_req_timeouts",
                    "Requests the client gave up waiting (CLIENT_REQ_TIMEOUTS).",
                ),
                (
                    "authentications",
                    "drcp_multi_broker_authentications",
                    "Client logins through the broker (NUM_AUTHENTICATIONS).",
                ),
            ):
                per_class[attr] = CounterMetricFamily(name, doc, labels=["cclass"])
            for cls in figures.classes:
                for attr, family in per_class.items():
                    family.add_metric([cls.cclass], getattr(cls, attr))
            yield from per_class.values()
        pool = figures.pool
        if pool is not None:
            reclaims = CounterMetricFamily(
                "drcp_multi_broker_reclaims",
                "Sessions the broker destroyed to give their pooled server to another class or to purity "
                "NEW (NUM_PURGED).",
            )
            reclaims.add_metric([], pool.reclaims)
            yield reclaims
            for value, name, doc in (
                (pool.open_servers, "drcp_multi_broker_servers_open", "Pooled servers open."),
                (pool.busy_servers, "drcp_multi_broker_servers_busy", "Pooled servers busy."),
                (pool.max_servers, "drcp_multi_broker_servers_max", "The broker's MAXSIZE."),
            ):
                gauge = GaugeMetricFamily(name, doc)
                gauge.add_metric([], value)
                yield gauge
        if figures.client_connections is not None:
            clients = GaugeMetricFamily(
                "drcp_multi_broker_client_connections",
                "Pooled client connections the broker knows (V$CPOOL_CONN_INFO, every process).",
            )
            clients.add_metric([], figures.client_connections)
            yield clients
        advice = capacity_figures(figures)
        if advice is not None:
            advised = GaugeMetricFamily(
                "drcp_multi_broker_servers_advised",
                "The broker reclaims servers across classes often: the MAXSIZE that would stop it.",
            )
            advised.add_metric([], advice.servers_needed)
            yield advised


_installed: PoolMetrics | None = None
_install_lock = threading.Lock()


def register(registry: CollectorRegistry | None = None, *, broker: bool = True) -> PoolMetrics:
    """Export the pools (and, with ``broker``, the DRCP broker) to ``registry`` (default:
    prometheus_client's global one) and subscribe to the registry's checkout events.

    Raises ImportError naming the extra when prometheus_client is not installed.
    """
    global _installed
    _ensure_prometheus()
    from prometheus_client import REGISTRY

    metrics = PoolMetrics(registry)
    if broker and not metrics.multiprocess:
        (registry or REGISTRY).register(BrokerCollector())
    get_registry().add_listener(metrics.on_checkout)
    with _install_lock:
        if registry is None or _installed is None:
            _installed = metrics
    return metrics


def installed() -> PoolMetrics | None:
    return _installed


def scrape() -> tuple[bytes, str]:
    """The exposition text and its content type: every worker's figures in multiprocess mode (plus the
    broker's, read once), else the global registry's."""
    _ensure_prometheus()
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    if multiprocess_dir() is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    if _installed is not None:
        _installed.sync()  # this worker's own files current before reading everybody's
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(BrokerCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def metrics_view(request: HttpRequest) -> HttpResponse:
    """A Django view serving :func:`scrape` (``path("metrics", drcp_multi.metrics.metrics_view)``).
    Runs no tenant query: put it where no tenant is required, or behind your own access control."""
    from django.http import HttpResponse

    body, content_type = scrape()
    return HttpResponse(body, content_type=content_type)


def mark_process_dead(pid: int) -> None:
    """Forget a dead worker's live gauges (multiprocess mode; gunicorn's ``child_exit`` hook)."""
    if multiprocess_dir() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


# -- typed figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpsStats:
    """Everything an operator looks at, typed: this process's pools, the broker, the alias caps."""

    pid: int
    read_at: float
    pools: tuple[Any, ...]  # drcp_multi.registry.PoolStats
    broker: BrokerFigures | None
    alias_caps: tuple[AliasCapStats, ...]
    advice: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "read_at": self.read_at,
            "pools": [_as_dict(p) for p in self.pools],
            "broker": None if self.broker is None else self.broker.as_dict(),
            "alias_caps": [dict(c.__dict__) for c in self.alias_caps],
            "advice": self.advice,
        }


def _as_dict(row: Any) -> dict[str, Any]:
    return asdict(row) if is_dataclass(row) and not isinstance(row, type) else dict(vars(row))


def collect(*, broker: bool = True) -> OpsStats:
    """The typed figures now (the broker's from the monitor's cache)."""
    pools = tuple(get_registry().stats())
    figures = get_monitor().figures() if broker else None
    opened = sum(p.opened for p in pools)
    classes: Iterable[str] = {p.cclass for p in pools}
    advice = capacity_advice(figures, opened, sorted(classes)) if figures is not None else None
    return OpsStats(os.getpid(), time.time(), pools, figures, tuple(get_alias_cap().stats()), advice)
