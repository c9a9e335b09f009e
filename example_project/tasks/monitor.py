"""Dashboard figures: client pools (drcp_multi's registry) and the broker (V$CPOOL_CC_STATS, through SQL).

Samples are kept in memory for the chart. ``python -m example_project`` runs a :class:`Sampler` thread so
the chart has history when the page opens; without it (another WSGI server) the JSON endpoint samples on
demand, at most once a second however many dashboards poll.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections import deque
from typing import Any

from django.db import DatabaseError, connections

from drcp_multi.monitor import problem_for_error
from drcp_multi.registry import get_registry
from example_project import tenant_store
from example_project.tasks.probe import current_alias

log = logging.getLogger(__name__)

# Oracle shows the class as USER.CCLASS. Selecting by name keeps this valid on a real Oracle too, where
# the view has more columns (and needs SELECT_CATALOG_ROLE or a grant on V_$CPOOL_CC_STATS).
BROKER_SQL = "SELECT cclass_name, num_requests, num_hits, num_misses, num_waits FROM v$cpool_cc_stats"
# The whole pool: how many pooled servers all those classes share.
POOL_SQL = "SELECT num_open_servers, num_busy_servers, maxsize FROM v$cpool_stats"
#: Why both views are empty (the pool row exists wherever DRCP runs, from the first request on).
NO_ROWS = (
    "V$CPOOL_STATS and V$CPOOL_CC_STATS returned no rows through DATABASES[{alias!r}]: connected to a PDB "
    "without per-PDB DRCP (ENABLE_PER_PDB_DRCP = FALSE, Oracle's default) the broker's figures are kept in "
    "CDB$ROOT only, or DRCP is not started (DBMS_CONNECTION_POOL.START_POOL())."
)
HISTORY_SECONDS = 300
MIN_INTERVAL = 1.0

_lock = threading.Lock()
_history: deque[dict[str, Any]] = deque()
_last: dict[str, Any] | None = None


def _query(cursor: Any, sql: str) -> list[dict[str, Any]]:
    cursor.execute(sql)
    names = [d[0].lower() for d in cursor.description]
    return [
        {k: int(v) if k != "cclass_name" and v is not None else v for k, v in zip(names, r, strict=True)}
        for r in cursor.fetchall()
    ]


def broker_rows() -> tuple[list[dict[str, Any]], dict[str, Any] | None, str | None]:
    """Rows of V$CPOOL_CC_STATS, the V$CPOOL_STATS row, or ([], None, why they are missing).

    They run on the current connection: the shared alias's class on the bare site and in the sampler,
    the tenant's class when a tenant opens the dashboard (the footer says which). The site's user needs
    SELECT_CATALOG_ROLE (or SELECT on the two V_$ views); without it, or in a PDB whose views are empty,
    the reason is returned (the dashboard shows it), never an empty table.
    """
    alias = current_alias()
    try:
        with connections[alias].cursor() as cursor:
            classes = _query(cursor, BROKER_SQL)
    except DatabaseError as exc:
        user = connections[alias].settings_dict.get("USER")
        reason, _ = problem_for_error(exc, alias, user if isinstance(user, str) else "the site's user")
        return [], None, reason
    classes.sort(key=lambda r: str(r["cclass_name"]))
    try:  # a user may be granted one view and not the other: the class figures stand on their own
        with connections[current_alias()].cursor() as cursor:
            pools = _query(cursor, POOL_SQL)
    except DatabaseError:
        pools = []
    if not classes and not pools:
        return [], None, NO_ROWS.format(alias=alias)
    return classes, (pools[0] if pools else None), None


def pool_rows() -> list[dict[str, Any]]:
    """The registry's client-side figures, one dict per live pool, JSON-safe."""
    rows = []
    for stats in get_registry().stats():
        rows.append(
            {
                k: v if isinstance(v, (int, float, str, bool, type(None))) else str(v)
                for k, v in dataclasses.asdict(stats).items()
            }
        )
    rows.sort(key=lambda r: (str(r.get("tenant") or ""), str(r.get("alias") or "")))
    return rows


def _class_key(cclass: str | None) -> str:
    """Oracle reports USER.CCLASS; the client knows only CCLASS. Match on the part after the dot."""
    return (cclass or "").rsplit(".", 1)[-1].upper()


def take_sample() -> dict[str, Any]:
    """Read both sides now and append to the history."""
    global _last
    # Client side first: read after the broker query, the sampler's own checkout would count as busy.
    pools = pool_rows()
    broker, broker_pool, error = broker_rows()
    now = time.time()
    sample = {
        "t": now,
        "broker": {_class_key(r["cclass_name"]): r["num_requests"] for r in broker},
        "busy": {},
    }
    for p in pools:
        key = _class_key(p.get("cclass"))
        sample["busy"][key] = sample["busy"].get(key, 0) + int(p.get("busy") or 0)
    with _lock:
        _history.append(sample)
        while _history and _history[0]["t"] < now - HISTORY_SECONDS:
            _history.popleft()
        _last = {
            "time": now,
            "broker": broker,
            "broker_pool": broker_pool,
            "broker_error": error,
            "pools": pools,
        }
    return _last


def snapshot() -> dict[str, Any]:
    """What the dashboard's JSON endpoint returns: latest figures, per-class rows and the history."""
    with _lock:
        last = _last
    if last is None or time.time() - last["time"] >= MIN_INTERVAL * (3 if _sampler_alive() else 1):
        last = take_sample()
    with _lock:
        history = list(_history)
    return {**last, "rows": merge(last["pools"], last["broker"]), "history": history}


def merge(pools: list[dict[str, Any]], broker: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per DRCP class: the tenant, its client pool figures and the broker's counters."""
    by_class: dict[str, dict[str, Any]] = {}
    for p in pools:
        key = _class_key(p.get("cclass"))
        row = by_class.setdefault(
            key,
            {
                "cclass": p.get("cclass"),
                "tenant": p.get("tenant"),
                "alias": p.get("alias"),
                "opened": 0,
                "busy": 0,
                "max": 0,
                "pools": 0,
            },
        )
        row["opened"] += int(p.get("opened") or 0)
        row["busy"] += int(p.get("busy") or 0)
        row["max"] += int(p.get("max") or 0)
        row["pools"] += 1
    for b in broker:
        key = _class_key(b["cclass_name"])
        row = by_class.setdefault(
            key,
            {
                "cclass": key,
                "tenant": _tenant_of(key),
                "alias": None,
                "opened": None,
                "busy": None,
                "max": None,
                "pools": 0,
            },
        )
        row.update(
            broker_class=b["cclass_name"],
            requests=b["num_requests"],
            hits=b["num_hits"],
            misses=b["num_misses"],
            waits=b["num_waits"],
        )
    return sorted(by_class.values(), key=lambda r: (r["tenant"] is None, str(r["tenant"]), str(r["cclass"])))


def _tenant_of(key: str) -> str | None:
    """The tenant whose class this is, for broker rows of tenants with no live pool in this process."""
    for name in tenant_store.all_tenants():
        if key.endswith("_" + name.upper()):
            return name
    return None


class Sampler(threading.Thread):
    """Samples every ``interval`` seconds so the chart has the last minutes when a dashboard opens."""

    def __init__(self, interval: float = 2.0) -> None:
        super().__init__(name="example-dashboard-sampler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        global _sampler
        _sampler = self
        while not self.stopped.wait(self.interval):
            try:
                take_sample()
            except Exception:  # keep sampling: one failed read must not end the chart
                log.exception("dashboard sample failed")
            finally:
                # Give the pooled connection back at once, as a request does at its end.
                connections.close_all()

    def stop(self) -> None:
        self.stopped.set()


_sampler: Sampler | None = None


def _sampler_alive() -> bool:
    return _sampler is not None and _sampler.is_alive()
