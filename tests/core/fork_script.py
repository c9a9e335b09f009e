"""A forked child that exits normally (run by test_processes.py in its own interpreter).

The parent holds one connection checked out and one idle in its pool, then forks. The child builds its own
pool, runs a query and leaves through a normal interpreter exit (finalizers and exit handlers run). The
parent then uses both of its connections. Prints JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django
from django.conf import settings


def main(dsn: str) -> dict[str, Any]:
    settings.configure(
        USE_TZ=True,
        DATABASES={
            "default": {
                "ENGINE": "drcp_multi.backends.oracle",
                "NAME": dsn,
                "USER": "app",
                "PASSWORD": "secret",
                "OPTIONS": {"cclass": "FORK"},
            }
        },
    )
    django.setup()
    from drcp_multi.registry import get_registry
    from drcp_multi.routing import route_for

    registry = get_registry()
    route = route_for("default", None)
    idle = registry.acquire(route)
    idle.cursor().execute("SELECT 1 FROM DUAL")
    held = registry.acquire(route)
    held.cursor().execute("SELECT 1 FROM DUAL")
    registry.release(idle)
    pid = os.fork()
    if pid == 0:
        conn = registry.acquire(route)
        conn.cursor().execute("SELECT 2 FROM DUAL")
        registry.release(conn)
        sys.exit(0)  # a normal exit: the child's own pool must not keep it waiting
    _, status = os.waitpid(pid, 0)
    report: dict[str, Any] = {"child_exit": os.waitstatus_to_exitcode(status)}
    with held.cursor() as cursor:
        cursor.execute("SELECT 3 FROM DUAL")
        report["held"] = cursor.fetchone()[0]
    registry.release(held)
    conn = registry.acquire(route)
    with conn.cursor() as cursor:
        cursor.execute("SELECT 4 FROM DUAL")
        report["pooled"] = cursor.fetchone()[0]
    registry.release(conn)
    return report


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
