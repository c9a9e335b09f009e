"""The three tenancy modes under the same load, for 10 / 100 / 1,000 tenants, counted by the wire server.

For each mode and tenant count, ``--requests`` requests (tenants drawn at random, same seed everywhere)
go through Django's WSGI handler with ``TenantMiddleware`` (header resolver) from ``--threads`` threads;
the view runs one tagged ``SELECT`` on the alias ``TenantRouter`` picks. The wire server runs a latency
model (``--login-ms``, ``--new-session-ms``) so that logins and new pooled servers cost what makes pooling
matter. Figures are the server's: client connections opened, logins, pooled servers created, DRCP hits and
misses, round trips; plus requests/s, the live client pools and the peak thread count of this process.
The wire server runs in a child process, so its threads and sockets are not counted as the client's and
it does not compete with the client for the GIL.

    python bench/tenancy_modes.py [--requests 1000] [--tenants 10,100,1000] [--threads 4]

Prints one JSON document, then a short table. Bounded: about a minute on two cores with the defaults.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
from django.conf import settings
from django.urls import path
from side_by_side import tenant_model
from wire_server import ServerProcess

MODES = ("pool_per_tenant", "shared_pool", "alias")
USER, PASSWORD = "app", "secret"
POOL = {"min": 0, "max": 4, "increment": 1, "wait_timeout": 60}
MAX_LIVE_POOLS = 64  # pool_per_tenant: the registry keeps at most this many tenant pools (threads)


def one_query(request: Any) -> Any:
    from django.db import connections, router
    from django.http import HttpResponse

    from drcp_multi.tenancy.context import get_current_tenant

    tenant = get_current_tenant()
    assert tenant is not None
    with connections[router.db_for_read(tenant_model())].cursor() as cursor:
        cursor.execute(f"SELECT '{tenant.name}' FROM DUAL")  # a validated tenant name
        (value,) = cursor.fetchone()
    return HttpResponse(value)


urlpatterns = [path("q/", one_query)]


def configure(dsn: str) -> None:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "drcp_multi"],
        DATABASES={"default": entry(dsn, USER, "APP_CC")},
        DATABASE_ROUTERS=["drcp_multi.routers.TenantRouter"],
        MIDDLEWARE=["drcp_multi.middleware.TenantMiddleware"],
        ROOT_URLCONF=sys.modules[__name__],
        DRCP_MULTI={},
    )
    django.setup()


def entry(dsn: str, user: str, cclass: str) -> dict[str, Any]:
    return {
        "ENGINE": "drcp_multi.backends.oracle",
        "NAME": dsn,
        "USER": user,
        "PASSWORD": PASSWORD,
        "HOST": "",
        "PORT": "",
        "OPTIONS": {"purity": "self", "cclass": cclass},
        "POOL": POOL,
    }


def tenant_get(handler: Any, tenant: str) -> int:
    from drcp_multi.testing.handlers import wsgi_get

    return wsgi_get(handler, "/q/", {"X-Tenant": tenant})[0]  # closing it releases the connection


def run(srv: Any, mode: str, n_tenants: int, n_requests: int, n_threads: int) -> dict[str, Any]:
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections
    from django.test import override_settings

    from drcp_multi.registry import get_registry

    tenants = [f"t{i:04d}" for i in range(n_tenants)]
    # Users and classes of their own per run, so no run finds pooled servers another run left free.
    run_id = f"{mode[0]}{n_tenants}"
    added = []
    if mode == "alias":  # an alias (own user, own class) per tenant
        for t in tenants:
            settings.DATABASES[t] = entry(srv.dsn, f"u{run_id}_{t}", f"CC_{t.upper()}")
            srv.add_user(f"u{run_id}_{t}", PASSWORD)
            added.append(t)
        connections.configure_settings(settings.DATABASES)
    drcp = {
        "TENANCY_MODE": mode,
        "TENANTS": {t: {} for t in tenants},
        "CCLASS_PREFIX": f"{run_id}_",
        "RESOLVERS": ["header"],
        "MAX_LIVE_POOLS": MAX_LIVE_POOLS,
    }
    rng = random.Random(1128)
    plan = [rng.choice(tenants) for _ in range(n_requests)]
    errors: list[str] = []
    peak_threads = threading.active_count()
    with override_settings(DRCP_MULTI=drcp):
        handler = WSGIHandler()
        srv.reset_stats()
        lock = threading.Lock()
        cursor = iter(plan)

        def worker() -> None:
            nonlocal peak_threads
            while True:
                with lock:
                    tenant = next(cursor, None)
                if tenant is None:
                    break
                try:
                    status = tenant_get(handler, tenant)
                except Exception as exc:  # reported in the results: a mode may hit a process limit
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                if status != 200:
                    errors.append(f"{tenant}: HTTP {status}")
                with lock:
                    peak_threads = max(peak_threads, threading.active_count())
            for conn in connections.all(initialized_only=True):
                try:
                    conn.close()
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=worker) for _ in range(n_threads)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        live_pools = len(get_registry().stats())
        get_registry().close_all()
    stats = srv.stats()
    classes = stats["classes"].values()
    for alias in added:
        del settings.DATABASES[alias]
    return {
        "mode": mode,
        "tenants": n_tenants,
        "requests": n_requests,
        "errors": len(errors),
        "first_error": errors[0][:200] if errors else None,
        "seconds": round(elapsed, 3),
        "requests_per_s": round(n_requests / elapsed, 1),
        "client_connections_opened": stats["client_connections"]["opened"],
        "logins": stats["logins"],
        "pooled_servers_created": stats["pooled_servers"]["created"],
        "drcp_hits": sum(c["num_hits"] for c in classes),
        "drcp_misses": sum(c["num_misses"] for c in classes),
        "round_trips": stats["round_trips"],
        "round_trips_per_request": round(stats["round_trips"] / n_requests, 2),
        "live_client_pools_at_end": live_pools,
        "peak_client_threads": peak_threads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--tenants", default="10,100,1000", help="comma-separated tenant counts")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--login-ms", type=float, default=3.0)
    parser.add_argument("--new-session-ms", type=float, default=1.0)
    parser.add_argument("--max-pooled-servers", type=int, default=40)
    args = parser.parse_args()

    srv = ServerProcess(
        port=0,
        service="FREEPDB1",
        users={USER: PASSWORD},
        max_pooled_servers=args.max_pooled_servers,
        latency={"login_ms": args.login_ms, "new_session_ms": args.new_session_ms},
        statement_log_size=100,
    )
    try:
        configure(srv.dsn)
        results = [
            run(srv, mode, int(n), args.requests, args.threads)
            for n in args.tenants.split(",")
            for mode in args.modes.split(",")
        ]
    finally:
        srv.stop()
    document = {
        "bench": "tenancy_modes",
        "load": {
            "requests": args.requests,
            "threads": args.threads,
            "pool_max": POOL["max"],
            "max_live_pools": MAX_LIVE_POOLS,
            "max_pooled_servers": args.max_pooled_servers,
            "latency_ms": {"login": args.login_ms, "new_session": args.new_session_ms},
        },
        "results": results,
    }
    print(json.dumps(document, indent=2))
    columns = [
        ("mode", 16),
        ("tenants", 8),
        ("requests_per_s", 15),
        ("client_connections_opened", 26),
        ("logins", 7),
        ("pooled_servers_created", 23),
        ("drcp_hits", 10),
        ("drcp_misses", 12),
        ("peak_client_threads", 20),
        ("errors", 7),
    ]
    print()
    print(" ".join(f"{name:>{width}}" for name, width in columns))
    for row in results:
        print(" ".join(f"{row[name]!s:>{width}}" for name, width in columns))


if __name__ == "__main__":
    main()
