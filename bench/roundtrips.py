"""Server round trips per request: drcp_multi vs Django's native pool vs no pool, counted by the wire server.

Each configuration serves the same view (one ``SELECT`` through the ORM's connection) through Django's WSGI
handler, with ``CONN_MAX_AGE = 0`` so every request is one checkout (or one login without a pool). After a
warm-up, the wire server's counters are reset and ``--requests`` requests are served; the figures are the
server's own: round trips (request → response), one-way messages (the DRCP release) and logins.

    python bench/roundtrips.py [--requests 50]

Then, with more tenants (``--tenants``) than ``POOL["max"]`` served round robin, the tenancy modes
"pool_per_tenant" and "shared_pool" (DESIGN.md §2: a thin pool fixes the class per physical connection).

Prints one JSON document, then a short table. Target for drcp_multi: <= 2 round trips per request.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
from django.conf import settings
from django.urls import path

USER, PASSWORD = "bench", "bench"
CONFIGS = {
    "drcp_multi": {
        "ENGINE": "drcp_multi.backends.oracle",
        "OPTIONS": {"cclass": "BENCH", "purity": "self"},
        "POOL": {"min": 1, "max": 4, "increment": 1},
    },
    "native_pool": {
        # Django 5.2's own pool, on DRCP too so only the backend differs.
        "ENGINE": "django.db.backends.oracle",
        "OPTIONS": {
            "pool": {"min": 1, "max": 4, "increment": 1, "cclass": "NATIVE", "server_type": "pooled"}
        },
    },
    "no_pool": {"ENGINE": "django.db.backends.oracle", "OPTIONS": {}},
}


def one_query(request: Any, alias: str) -> Any:
    from django.db import connections
    from django.http import HttpResponse

    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
        (value,) = cursor.fetchone()
    return HttpResponse(str(value))


def configure(dsn: str) -> None:
    databases = {
        alias: {"NAME": dsn, "USER": USER, "PASSWORD": PASSWORD, "HOST": "", "PORT": "", **conf}
        for alias, conf in CONFIGS.items()
    }
    databases["default"] = databases["drcp_multi"]
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["drcp_multi"],
        MIDDLEWARE=[],
        DATABASES=databases,
        DRCP_MULTI={"TENANCY_MODE": "pool_per_tenant"},
    )
    django.setup()


def request(handler: Any, path: str) -> str:
    from drcp_multi.testing.handlers import wsgi_get

    status, _, body = wsgi_get(handler, path)  # closes the response: request_finished releases
    if status != 200:
        raise RuntimeError(f"{path}: {status} {body[:200]!r}")
    return body.decode()


def settled(server: Any) -> dict[str, Any]:
    """The figures once every one-way release sent so far has arrived (no pooled server busy)."""
    deadline = time.monotonic() + 30
    while (stats := server.stats())["pooled_servers"]["busy"] and time.monotonic() < deadline:
        time.sleep(0.005)
    return stats


def measure(
    server: Any, handler: Any, alias: str, requests: int, tenants: list[Any] | None = None
) -> dict[str, Any]:
    """Figures per request; with ``tenants``, request i runs as tenant i modulo their number."""
    from drcp_multi.tenancy.context import tenant_context

    def run(i: int) -> None:
        with tenant_context(tenants[i % len(tenants)] if tenants else None):
            request(handler, f"/{alias}/")

    for i in range(max(3, len(tenants or ()))):  # warm-up: logins, version check, first pooled servers
        run(i)
    settled(server)
    server.reset_stats()
    for i in range(requests):
        run(i)
    stats = settled(server)
    return {
        "requests": requests,
        "round_trips_per_request": stats["round_trips"] / requests,
        "one_way_per_request": stats["one_way"] / requests,
        "logins_per_request": stats["logins"] / requests,
    }


def measure_tenancy(server: Any, handler: Any, requests: int, tenants: int) -> dict[str, Any]:
    """More tenants than POOL["max"], round robin: a pool per tenant vs one pool asked for the tenant's
    class per checkout (thin mode fixes the class per physical connection, so the shared pool re-logs-in)."""
    from drcp_multi.tenancy.catalog import Tenant

    people = [Tenant(f"t{i}", "drcp_multi", f"T_{i}") for i in range(tenants)]
    results = {}
    for mode in ("pool_per_tenant", "shared_pool"):
        settings.DRCP_MULTI["TENANCY_MODE"] = mode
        results[mode] = measure(server, handler, "drcp_multi", requests, people)
        results[mode]["tenants"] = tenants
    return results


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--tenants", type=int, default=8, help="tenants for the tenancy comparison")
    args = parser.parse_args(argv)

    from oracle_emulator import EmulatorServer

    server = EmulatorServer(host="127.0.0.1", port=0, service="FREEPDB1", users={USER: PASSWORD})
    server.start()
    try:
        configure(server.dsn)
        from django.core.handlers.wsgi import WSGIHandler

        handler = WSGIHandler()
        results = {alias: measure(server, handler, alias, args.requests) for alias in CONFIGS}
        tenancy = measure_tenancy(server, handler, args.requests, args.tenants)
    finally:
        from django.db import connections

        from drcp_multi.registry import get_registry

        for conn in connections.all():
            conn.close()
            if conn.settings_dict["ENGINE"] == "django.db.backends.oracle" and getattr(
                conn, "is_pool", False
            ):
                conn.close_pool()  # type: ignore[attr-defined]  # Django Oracle backend
        get_registry().close_all()
        server.stop()
    report = {**results, "tenancy": tenancy}
    print(json.dumps(report, indent=2))
    rows = [*results.items(), *((f"{mode} ({r['tenants']} tenants)", r) for mode, r in tenancy.items())]
    print(f"\n{'configuration':<30} {'round trips':>12} {'one-way':>8} {'logins':>7}  (per request)")
    for name, r in rows:
        print(
            f"{name:<30} {r['round_trips_per_request']:>12.2f} {r['one_way_per_request']:>8.2f}"
            f" {r['logins_per_request']:>7.2f}"
        )
    return report


urlpatterns = [path(f"{alias}/", one_query, {"alias": alias}) for alias in CONFIGS]

if __name__ == "__main__":
    main()
