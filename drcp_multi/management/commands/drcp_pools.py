"""``manage.py drcp_pools stats|resize|rotate|close``: see, resize and rotate the DRCP pools.

* ``stats``: this process's pools (sizes and named counters), every worker's sums when Prometheus
  multiprocess mode is on (``PROMETHEUS_MULTIPROC_DIR``: the files the workers write), the broker's own
  figures (``V$CPOOL_STATS``/``V$CPOOL_CC_STATS`` through ``DRCP_MULTI['MONITOR_ALIAS']``, or why they are
  missing) and capacity advice when the broker reclaims servers across classes often. ``--connect``
  first borrows one connection per DRCP alias (proves settings, network and credentials).
* ``resize ALIAS [--tenant T] [--min N] [--max N] [--increment N]`` and ``rotate [ALIAS] [--tenant T]``:
  written to the control trigger (:mod:`drcp_multi.control`, ``DRCP_MULTI['CONTROL_DIR']``) that every
  worker applies within ``CONTROL_POLL_INTERVAL`` of its next request; ``--here`` applies them in this
  process only (a shell, a script that owns its pools).
* ``close``: close this process's pools of an alias/tenant.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import oracledb
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from drcp_multi import control
from drcp_multi.conf import drcp_aliases
from drcp_multi.metrics import OpsStats, collect, multiprocess_dir
from drcp_multi.monitor import get_monitor
from drcp_multi.registry import get_registry

_COLUMNS = (
    "alias",
    "tenant",
    "cclass",
    "opened",
    "busy",
    "min",
    "max",
    "checkouts",
    "releases",
    "timeouts",
    "rejections",
    "logins",
    "pid",
)
_BROKER_COLUMNS = ("cclass", "requests", "hits", "misses", "waits", "client_req_timeouts", "authentications")


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def all_workers() -> dict[tuple[str, str, str], dict[str, float]] | None:
    """Sums over every live worker from the Prometheus multiprocess files, or None without that mode."""
    if multiprocess_dir() is None:
        return None
    from prometheus_client import CollectorRegistry  # the metrics extra: only in multiprocess mode
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    sums: dict[tuple[str, str, str], dict[str, float]] = defaultdict(dict)
    for family in registry.collect():
        if not family.name.startswith("drcp_multi_pool_"):
            continue
        short = family.name.removeprefix("drcp_multi_pool_")
        for sample in family.samples:
            if sample.name.endswith(("_created", "_bucket")):
                continue
            labels = sample.labels
            if "alias" not in labels:
                continue
            key = (labels["alias"], labels.get("tenant", ""), labels.get("cclass", ""))
            name = sample.name.removeprefix("drcp_multi_pool_") if sample.name != family.name else short
            sums[key][name] = sums[key].get(name, 0.0) + sample.value
    return dict(sums)


class Command(BaseCommand):
    help = "Show (stats), resize, rotate or close the DRCP pools."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        stats = sub.add_parser("stats", help="Pools, counters, the broker's figures and capacity advice.")
        stats.add_argument(
            "--connect", action="store_true", help="Borrow one connection per DRCP alias first."
        )
        stats.add_argument("--json", action="store_true", help="Print one JSON document.")
        resize = sub.add_parser("resize", help="Change POOL min/max/increment of live pools, every worker.")
        resize.add_argument("alias")
        resize.add_argument("--tenant")
        resize.add_argument("--min", type=int)
        resize.add_argument("--max", type=int)
        resize.add_argument("--increment", type=int)
        resize.add_argument("--here", action="store_true", help="Only in this process.")
        rotate = sub.add_parser(
            "rotate", help="Rebuild pools (new credentials), draining the old ones, every worker."
        )
        rotate.add_argument("alias", nargs="?")
        rotate.add_argument("--tenant")
        rotate.add_argument("--here", action="store_true", help="Only in this process.")
        close = sub.add_parser("close", help="Close the pools of an alias/tenant (all by default).")
        close.add_argument("--alias")
        close.add_argument("--tenant")
        close.add_argument("--force", action="store_true", help="Also close connections still checked out.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "close":
            count = get_registry().close(options["alias"], options["tenant"], force=options["force"])
            self.stdout.write(f"closed {count} pool(s)")
        elif action in ("resize", "rotate"):
            self._command(action, options)
        else:
            self._stats(options)

    def _command(self, action: str, options: dict[str, Any]) -> None:
        sizes = {k: options.get(k) for k in ("min", "max", "increment")} if action == "resize" else {}
        try:
            control.validate(
                action, min=sizes.get("min"), max=sizes.get("max"), increment=sizes.get("increment")
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["here"]:
            command = control.Command(
                0,
                action,
                options["alias"],
                options["tenant"],
                sizes.get("min"),
                sizes.get("max"),
                sizes.get("increment"),
            )
            control.apply(command)
            self.stdout.write(f"applied in this process: {control.describe(command)}")
            return
        try:
            command = control.issue(action, options["alias"], options["tenant"], **sizes)
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"issued {control.describe(command)}: every worker applies it within "
            "DRCP_MULTI['CONTROL_POLL_INTERVAL'] of its next request"
        )

    def _stats(self, options: dict[str, Any]) -> None:
        server_rows: dict[str, str] = {}
        if options["connect"]:
            for alias in drcp_aliases():
                try:
                    self._borrow(alias)
                except oracledb.Error as exc:
                    raise CommandError(f"DATABASES[{alias!r}]: {exc}") from exc
                server_rows[alias] = "ok"
        get_monitor().clear()  # an operator asking wants figures of now
        stats = collect()
        workers = all_workers()
        if options["json"]:
            doc = stats.as_dict()
            doc["connect"] = server_rows
            doc["all_workers"] = (
                None
                if workers is None
                else [{"alias": a, "tenant": t, "cclass": c, **v} for (a, t, c), v in sorted(workers.items())]
            )
            self.stdout.write(json.dumps(doc, indent=2, default=str))
            return
        self._print(stats, workers)

    def _print(self, stats: OpsStats, workers: dict[tuple[str, str, str], dict[str, float]] | None) -> None:
        write = self.stdout.write
        write(f"pools of this process (pid {stats.pid}):")
        write("  ".join(f"{c:>10}" for c in _COLUMNS))
        for row in stats.pools:
            write("  ".join(f"{_get(row, c)!s:>10}" for c in _COLUMNS))
        if workers is not None:
            write("")
            write("all workers (Prometheus multiprocess files):")
            cols = ("connections_opened", "connections_busy", "checkouts_total", "releases_total")
            write("  ".join(f"{c:>20}" for c in ("alias/tenant/cclass", *cols)))
            for (alias, tenant, cclass), values in sorted(workers.items()):
                name = f"{alias}/{tenant or '-'}/{cclass}"
                write("  ".join([f"{name:>20}", *(f"{values.get(c, 0):>20g}" for c in cols)]))
        for cap in stats.alias_caps:
            write(
                f"alias cap {cap.alias}: {cap.busy}/{cap.max_busy} busy, {cap.waiting} waiting, "
                f"{cap.granted} granted, {cap.rejected} rejected"
            )
        broker = stats.broker
        write("")
        if broker is None:
            return
        if broker.problem:
            write(f"broker ({broker.alias}): figures missing: {broker.problem}")
        else:
            pool = broker.pool
            if pool is not None:
                write(
                    f"broker ({broker.alias}): {pool.busy_servers}/{pool.open_servers} pooled servers "
                    f"busy/open of MAXSIZE {pool.max_servers}; {pool.requests} requests, {pool.hits} hits, "
                    f"{pool.misses} misses, {pool.waits} waits, {pool.reclaims} reclaims"
                )
            write("  ".join(f"{c:>14}" for c in _BROKER_COLUMNS))
            for cls in broker.classes:
                write("  ".join(f"{getattr(cls, c)!s:>14}" for c in _BROKER_COLUMNS))
        if stats.advice:
            write("")
            write(f"advice: {stats.advice}")

    @staticmethod
    def _borrow(alias: str) -> None:
        connection = connections[alias]
        try:
            connection.ensure_connection()
        finally:
            connection.close()
