"""The DRCP broker's own figures (``V$CPOOL_STATS``, ``V$CPOOL_CC_STATS``, ``V$CPOOL_CONN_INFO``), read
through a monitoring connection, cached, and with the reason when they cannot be had.

The client side (``PoolRegistry.stats()``) sees one process; the broker sees every process and machine:
hits, misses (a request no pooled server with a session of its class could serve), waits, and reclaims
(``NUM_PURGED``: sessions the broker destroyed to give their server to another class or to purity NEW).
Figures are read at most once per ``DRCP_MULTI['MONITOR_INTERVAL']`` seconds (default 15, a usual scrape
interval) however many scrapes or dashboards ask, in a thread of its own (no tenant context, so the
monitoring alias's own class) and within ``MONITOR_TIMEOUT`` seconds.

When figures are missing, :attr:`BrokerFigures.problem` says why and what to do, never an empty table:

* ORA-00942 / ORA-01031: the user may not read the views: grant ``SELECT_CATALOG_ROLE`` or ``SELECT`` on
  ``V_$CPOOL_STATS``, ``V_$CPOOL_CC_STATS`` and ``V_$CPOOL_CONN_INFO`` (Oracle Database Reference: these are
  views on ``V_$`` objects owned by SYS);
* no rows while connected to a PDB (``SYS_CONTEXT('USERENV', 'CON_NAME')`` is not ``CDB$ROOT``): without
  per-PDB DRCP (``ENABLE_PER_PDB_DRCP = FALSE``, Oracle's default) the broker's figures are kept in
  ``CDB$ROOT`` only and both views are empty in a PDB (Database Reference, V$CPOOL_STATS): set
  ``DRCP_MULTI['MONITOR_ALIAS']`` to an alias connected to the root (it need not be a DRCP alias);
* no ``V$CPOOL_STATS`` row: DRCP is not started (``DBMS_CONNECTION_POOL.START_POOL()``);
* anything else: the broker is unreachable, with the driver's error code and message.

:func:`capacity_advice` turns the figures into one sentence when the broker reclaims servers across
classes often, with the number of pooled servers that would stop it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connections

from drcp_multi.conf import drcp_setting

logger = logging.getLogger("drcp_multi.monitor")

DEFAULT_INTERVAL = 15.0
DEFAULT_TIMEOUT = 5.0
# Reclaims per broker request above which the advice speaks up (1 in 20 requests pays a new session).
RECLAIM_ADVICE_RATIO = 0.05

CLASS_SQL = (
    "SELECT cclass_name, num_requests, num_hits, num_misses, num_waits, wait_time, client_req_timeouts, "
    "num_authentications FROM v$cpool_cc_stats"
)
POOL_SQL = (
    "SELECT num_open_servers, num_busy_servers, maxsize, num_requests, num_hits, num_misses, num_waits, "
    "num_purged, historic_max FROM v$cpool_stats"
)
CONN_SQL = "SELECT cclass_name, COUNT(*) FROM v$cpool_conn_info GROUP BY cclass_name"
CONTAINER_SQL = "SELECT SYS_CONTEXT('USERENV', 'CON_NAME') FROM dual"

NO_PRIVILEGE_CODES = frozenset({942, 1031})
ROOT_CONTAINER = "CDB$ROOT"


@dataclass(frozen=True)
class BrokerClass:
    """One row of ``V$CPOOL_CC_STATS``: ``cclass`` is Oracle's ``USER.CCLASS`` name."""

    cclass: str
    requests: int
    hits: int
    misses: int
    waits: int
    wait_seconds: float
    client_req_timeouts: int
    authentications: int
    client_connections: int | None = None  # from V$CPOOL_CONN_INFO, when readable

    @property
    def class_key(self) -> str:
        """The class without its ``USER.`` prefix, upper case: what the client's pools call it."""
        return self.cclass.rsplit(".", 1)[-1].upper()


@dataclass(frozen=True)
class BrokerPool:
    """The ``V$CPOOL_STATS`` row: the pooled servers all classes share."""

    open_servers: int
    busy_servers: int
    max_servers: int
    requests: int
    hits: int
    misses: int
    waits: int
    reclaims: int  # NUM_PURGED
    historic_max: int


@dataclass(frozen=True)
class BrokerFigures:
    """What the monitoring connection read, or why nothing: ``problem`` is None exactly when the figures
    are there."""

    alias: str
    read_at: float  # time.time()
    classes: tuple[BrokerClass, ...] = ()
    pool: BrokerPool | None = None
    problem: str | None = None
    error_code: str | None = None
    container: str | None = None
    client_connections: int | None = None  # rows of V$CPOOL_CONN_INFO (every process, every machine)
    previous: BrokerFigures | None = field(default=None, repr=False, compare=False)

    @property
    def available(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "alias": self.alias,
            "read_at": self.read_at,
            "available": self.available,
            "problem": self.problem,
            "error_code": self.error_code,
            "container": self.container,
            "client_connections": self.client_connections,
            "pool": None if self.pool is None else dict(self.pool.__dict__),
            "classes": [dict(c.__dict__) for c in self.classes],
            "advice": capacity_advice(self),
        }


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


def _code(exc: BaseException) -> tuple[int | None, str | None]:
    """The ORA number and full code (ORA-00942, DPY-6005…) of a driver error wrapped by Django or not."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            break
        arg = seen.args[0] if seen.args else None
        full = getattr(arg, "full_code", None)
        if full:
            return getattr(arg, "code", None), str(full)
        seen = seen.__cause__
    return None, None


def monitor_alias() -> str:
    return str(drcp_setting("MONITOR_ALIAS") or drcp_setting("SHARED_ALIAS") or "default")


def _setting_seconds(name: str, default: float) -> float:
    value = drcp_setting(name)
    if value is None:
        return default
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"DRCP_MULTI[{name!r}] must be a finite number of seconds >= 0, not {value!r}")
    return float(value)


def read_broker(alias: str, timeout: float = DEFAULT_TIMEOUT) -> BrokerFigures:
    """Read the broker's figures now through ``alias`` (no cache), in a fresh thread so the read runs
    without the caller's tenant and on a connection of its own, given back at once."""
    result: list[BrokerFigures] = []

    def work() -> None:
        try:
            result.append(_read(alias, timeout))
        except Exception as exc:  # settings refused before any connection (ConfigurationError…)
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            result.append(
                BrokerFigures(
                    alias,
                    time.time(),
                    problem=f"cannot read the broker through DATABASES[{alias!r}]: {type(exc).__name__}: "
                    f"{message}",
                    error_code=type(exc).__name__,
                )
            )
        finally:
            with contextlib.suppress(Exception):
                connections[alias].close()

    # A new, empty context: no tenant, no trace attributes of the request that asked.
    thread = threading.Thread(
        target=contextvars.Context().run, args=(work,), name="drcp_multi-monitor", daemon=True
    )
    thread.start()
    thread.join(timeout + 1.0)
    if result:
        return result[0]
    return BrokerFigures(
        alias,
        time.time(),
        problem=(
            f"the broker's figures did not come back within {timeout:g} s "
            f"(DRCP_MULTI['MONITOR_TIMEOUT']) through DATABASES[{alias!r}]: every pooled server may be "
            "busy (the broker queues) or the database unreachable."
        ),
        error_code="timeout",
    )


def _read(alias: str, timeout: float) -> BrokerFigures:
    now = time.time()
    connection = connections[alias]
    user_setting = connection.settings_dict.get("USER")
    # A USER that is a callable or a file (drcp_multi.credentials) is not read just to word a message.
    user = user_setting if isinstance(user_setting, str) and user_setting else "the monitoring user"

    try:
        connection.ensure_connection()
        raw: Any = connection.connection
        if raw is not None and hasattr(raw, "call_timeout"):
            raw.call_timeout = max(1, int(timeout * 1000))
        with connection.cursor() as cursor:
            container = None
            try:
                cursor.execute(CONTAINER_SQL)
                row = cursor.fetchone()
                container = str(row[0]) if row and row[0] is not None else None
            except DatabaseError:
                pass  # informative only
            cursor.execute(CLASS_SQL)
            class_rows = cursor.fetchall()
            cursor.execute(POOL_SQL)
            pool_rows = cursor.fetchall()
            conn_counts: dict[str, int] | None
            try:
                cursor.execute(CONN_SQL)
                conn_counts = {str(r[0]).upper(): _int(r[1]) for r in cursor.fetchall()}
            except DatabaseError:
                conn_counts = None  # granted the stats views only: the advice falls back to client pools
    except DatabaseError as exc:
        reason, error_code = problem_for_error(exc, alias, user)
        return BrokerFigures(alias, now, problem=reason, error_code=error_code)
    classes = tuple(
        BrokerClass(
            cclass=str(r[0]),
            requests=_int(r[1]),
            hits=_int(r[2]),
            misses=_int(r[3]),
            waits=_int(r[4]),
            wait_seconds=_int(r[5]) / 1000.0,  # WAIT_TIME is in milliseconds
            client_req_timeouts=_int(r[6]),
            authentications=_int(r[7]),
            client_connections=None if conn_counts is None else conn_counts.get(str(r[0]).upper(), 0),
        )
        for r in sorted(class_rows, key=lambda r: str(r[0]))
    )
    pool = None
    if pool_rows:
        p = pool_rows[0]
        pool = BrokerPool(*(_int(v) for v in p))
    problem: str | None = None
    code: str | None = None
    if pool is None and not classes and container and container.upper() != ROOT_CONTAINER:
        problem = (
            f"V$CPOOL_STATS and V$CPOOL_CC_STATS returned no rows through DATABASES[{alias!r}] (the "
            f"container {container}): connected to a PDB without per-PDB DRCP (ENABLE_PER_PDB_DRCP = "
            "FALSE, Oracle's default), the broker's figures are kept in CDB$ROOT only: use a monitoring "
            "alias connected to CDB$ROOT (DRCP_MULTI['MONITOR_ALIAS'])."
        )
        code = "no-rows"
    elif pool is None:
        problem = (
            f"V$CPOOL_STATS has no row through DATABASES[{alias!r}]: DRCP is not started here "
            "(as SYS in CDB$ROOT: EXECUTE DBMS_CONNECTION_POOL.START_POOL()), or this container does not "
            "run it: set DRCP_MULTI['MONITOR_ALIAS'] to an alias connected to CDB$ROOT."
        )
        code = "no-pool"
    elif not classes:
        where = f"the container {container}" if container else "this container"
        problem = (
            f"V$CPOOL_CC_STATS returned no rows through DATABASES[{alias!r}] ({where}): connected to a PDB "
            "without per-PDB DRCP, the broker's per-class figures are kept in CDB$ROOT only: use a "
            "monitoring alias connected to CDB$ROOT (DRCP_MULTI['MONITOR_ALIAS']). (Also empty before any "
            "DRCP connection has been made.)"
        )
        code = "no-rows"
    total = None if conn_counts is None else sum(conn_counts.values())
    return BrokerFigures(alias, now, classes, pool, problem, code, container, total)


def problem_for_error(exc: BaseException, alias: str, user: str) -> tuple[str, str]:
    """(why the figures are missing, the error code) for an error reading the views."""
    number, full = _code(exc)
    if number in NO_PRIVILEGE_CODES:
        return (
            f"{full}: user {user} of DATABASES[{alias!r}] may not read the DRCP views: grant "
            "SELECT_CATALOG_ROLE or SELECT on V_$CPOOL_STATS, V_$CPOOL_CC_STATS and V_$CPOOL_CONN_INFO "
            f"to {user} (as SYS), or set DRCP_MULTI['MONITOR_ALIAS'] to an alias whose user may.",
            str(full),
        )
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (
        f"the broker is unreachable through DATABASES[{alias!r}]: {message}",
        full or type(exc).__name__,
    )


class BrokerMonitor:
    """Cached broker figures: :meth:`figures` reads through the monitoring alias at most once per
    ``interval`` seconds; concurrent callers during a read get the previous figures."""

    def __init__(self, alias: str | None = None, interval: float | None = None) -> None:
        self._alias = alias
        self._interval = interval
        self._lock = threading.Lock()
        self._last: BrokerFigures | None = None

    @property
    def alias(self) -> str:
        return self._alias or monitor_alias()

    @property
    def interval(self) -> float:
        if self._interval is not None:
            return self._interval
        return _setting_seconds("MONITOR_INTERVAL", DEFAULT_INTERVAL)

    def figures(self, max_age: float | None = None) -> BrokerFigures:
        """Figures no older than ``max_age`` seconds (default: the interval)."""
        age = self.interval if max_age is None else max_age
        last = self._last
        if last is not None and time.time() - last.read_at < age:
            return last
        if not self._lock.acquire(blocking=last is None):
            return last  # type: ignore[return-value]  # another thread is reading; last is not None here
        try:
            last = self._last
            if last is not None and time.time() - last.read_at < age:
                return last
            fresh = read_broker(self.alias, _setting_seconds("MONITOR_TIMEOUT", DEFAULT_TIMEOUT))
            if fresh.problem:
                logger.warning("DRCP broker figures unavailable: %s", fresh.problem)
            # Keep one earlier reading so rates (reclaims per request) cover the last interval only.
            keep = last if last is not None and last.available else None
            if keep is not None:
                keep = BrokerFigures(**{**keep.__dict__, "previous": None})
            fresh = BrokerFigures(**{**fresh.__dict__, "previous": keep})
            self._last = fresh
            return fresh
        finally:
            self._lock.release()

    def clear(self) -> None:
        self._last = None


_monitor = BrokerMonitor()


def get_monitor() -> BrokerMonitor:
    """The process-wide monitor (one read per interval for the metrics, the health check and
    ``drcp_pools``)."""
    return _monitor


@dataclass(frozen=True)
class CapacityAdvice:
    """The broker reclaimed servers across classes often: how often, and the size that would stop it."""

    reclaims: int  # in the window
    requests: int  # in the window
    max_servers: int
    servers_needed: int
    classes: int
    text: str


def capacity_advice(
    figures: BrokerFigures, client_connections: int | None = None, classes_in_use: Sequence[str] = ()
) -> str | None:
    """One sentence of advice, or None when the broker does not reclaim often (or figures are missing)."""
    advice = capacity_figures(figures, client_connections, classes_in_use)
    return advice.text if advice is not None else None


def capacity_figures(
    figures: BrokerFigures, client_connections: int | None = None, classes_in_use: Sequence[str] = ()
) -> CapacityAdvice | None:
    """The numbers behind :func:`capacity_advice`.

    A miss on a full broker (open servers at MAXSIZE) is served by destroying another class's session
    (a reclaim). Reclaims stop when every pooled client connection can hold a server with its own class's
    session at once, so the servers needed are the pooled client connections open (``V$CPOOL_CONN_INFO``,
    all processes; else ``client_connections``, this process's pools), never fewer than the peak so far.
    """
    pool = figures.pool
    if pool is None or not figures.available:
        return None
    reclaims, requests = pool.reclaims, pool.requests
    if figures.previous is not None and figures.previous.pool is not None:
        reclaims -= figures.previous.pool.reclaims
        requests -= figures.previous.pool.requests
    if requests <= 0 or reclaims <= 0 or reclaims / requests < RECLAIM_ADVICE_RATIO:
        return None
    holders = figures.client_connections if figures.client_connections is not None else client_connections
    needed = max(holders or 0, pool.historic_max + 1, pool.max_servers + 1)
    n_classes = len(figures.classes) or len(classes_in_use)
    text = (
        f"The DRCP broker reclaimed {reclaims} pooled servers from other classes in {requests} requests "
        f"({100 * reclaims / requests:.0f} %): {n_classes} classes share MAXSIZE={pool.max_servers} servers. "
        f"About {needed} pooled servers (one per pooled client connection open) would stop it: as SYS, "
        f"EXECUTE DBMS_CONNECTION_POOL.ALTER_PARAM(param_name => 'MAXSIZE', param_value => '{needed}'); "
        "or let tenants that share a database user share one class (docs/tenancy.md)."
    )
    return CapacityAdvice(reclaims, requests, pool.max_servers, needed, n_classes, text)
