"""``manage.py drcp_pools stats|close``: the pools of the DRCP aliases, seen from one process.

Pools live in the process that made them, so this command reports (or closes) the pools of its own
process; ``stats --connect`` first borrows and returns one connection per DRCP alias, which proves the
settings, the network path and the credentials, and shows the database's own per-class figures
(``V$CPOOL_CC_STATS``) when the user may read them.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import oracledb
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from drcp_multi.conf import drcp_aliases
from drcp_multi.registry import get_registry

_COLUMNS = ("alias", "tenant", "cclass", "purity", "opened", "busy", "min", "max", "increment", "pid")


class Command(BaseCommand):
    help = "Show the DRCP pools of this process (stats) or close them (close)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        stats = sub.add_parser("stats", help="Per pool: alias, tenant, cclass, purity, opened, busy, sizes.")
        stats.add_argument(
            "--connect", action="store_true", help="Borrow one connection per DRCP alias first."
        )
        stats.add_argument("--json", action="store_true", help="Print one JSON document.")
        close = sub.add_parser("close", help="Close the pools of an alias/tenant (all by default).")
        close.add_argument("--alias")
        close.add_argument("--tenant")
        close.add_argument("--force", action="store_true", help="Also close connections still checked out.")

    def handle(self, *args: Any, **options: Any) -> None:
        registry = get_registry()
        if options["action"] == "close":
            count = registry.close(options["alias"], options["tenant"], force=options["force"])
            self.stdout.write(f"closed {count} pool(s)")
            return
        server: dict[str, list[dict[str, Any]]] = {}
        if options["connect"]:
            for alias in drcp_aliases():
                try:
                    server[alias] = self._borrow(alias)
                except oracledb.Error as exc:
                    raise CommandError(f"DATABASES[{alias!r}]: {exc}") from exc
        rows = [dataclasses.asdict(stats) for stats in registry.stats()]
        if options["json"]:
            self.stdout.write(json.dumps({"pools": rows, "server": server}, indent=2, default=str))
            return
        self.stdout.write("  ".join(f"{c:>10}" for c in _COLUMNS))
        for row in rows:
            self.stdout.write("  ".join(f"{row[c]!s:>10}" for c in _COLUMNS))
        for alias, classes in server.items():
            for cls in classes:
                self.stdout.write(f"{alias}: V$CPOOL_CC_STATS {cls}")

    @staticmethod
    def _borrow(alias: str) -> list[dict[str, Any]]:
        connection = connections[alias]
        try:
            with connection.cursor() as cursor:
                try:
                    cursor.execute(
                        "SELECT CCLASS_NAME, NUM_REQUESTS, NUM_HITS, NUM_MISSES, NUM_WAITS "
                        "FROM V$CPOOL_CC_STATS"
                    )
                except DatabaseError:  # not granted SELECT on the view: the pool figures are enough
                    return []
                names = [d[0].lower() for d in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            connection.close()
