"""An alias cap of 4 over 8 tenant pools, through Django's WSGI handler from 16 threads: the wire server
never has more than 4 pooled servers busy, and every tenant is served."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.test import override_settings

from drcp_multi.limits import get_alias_cap
from drcp_multi.registry import get_registry
from drcp_multi.testing.handlers import wsgi_get
from drcp_multi.testing.pytest_plugin import start_emulator

pytestmark = [pytest.mark.emulator_only, pytest.mark.usefixtures("wire")]

TENANTS = [f"t{i}" for i in range(8)]
CAP = 4
THREADS = 16
PER_THREAD = 12


@pytest.fixture
def small_broker() -> Iterator[Any]:
    """A wire server of its own with 4 pooled servers, the default alias pointed at it meanwhile."""
    server = start_emulator(service="FREEPDB1", users={"app": "secret"}, max_pooled_servers=CAP)
    settings_dict = connections["default"].settings_dict
    saved = settings_dict["NAME"], dict(settings_dict["POOL"])
    settings_dict["NAME"] = server.dsn
    settings_dict["POOL"] = {"min": 0, "max": 4, "increment": 1, "wait_timeout": 30}
    try:
        yield server
    finally:
        connections.close_all()
        get_registry().close_all()
        settings_dict["NAME"], settings_dict["POOL"] = saved
        server.stop()


def test_eight_tenant_pools_never_exceed_the_alias_cap_and_all_are_served(small_broker: Any) -> None:
    handler = WSGIHandler()
    busy_seen: list[int] = []
    done = threading.Event()

    def watch() -> None:  # the server's own count of busy pooled servers, read as fast as it goes
        while not done.is_set():
            busy_seen.append(small_broker.broker.pool_figures()["busy"])

    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def client(index: int) -> None:
        for n in range(PER_THREAD):
            tenant = TENANTS[(index + n) % len(TENANTS)]
            status = wsgi_get(handler, "/brief-hold/", {"X-Tenant": tenant})[0]
            with lock:
                statuses[status] += 1

    with override_settings(
        MIDDLEWARE=["drcp_multi.middleware.TenantMiddleware"],
        DRCP_MULTI={
            "TENANCY_MODE": "pool_per_tenant",
            "CCLASS_PREFIX": "T_",
            "TENANTS": {name: {} for name in TENANTS},
            "RESOLVERS": ["header"],
            "ALIAS_LIMITS": {"default": {"max_busy": CAP, "wait_timeout": 30}},
        },
    ):
        watcher = threading.Thread(target=watch)
        watcher.start()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        done.set()
        watcher.join()
        cap = next(c for c in get_alias_cap().stats() if c.alias == "default")

    assert statuses == {200: THREADS * PER_THREAD}
    assert max(busy_seen) <= CAP and len(busy_seen) > 100
    classes = small_broker.stats()["classes"]
    assert classes and all(
        figures["num_waits"] == 0 for figures in classes.values()
    )  # the broker never queued
    served = {name.rsplit(".", 1)[-1]: figures["num_requests"] for name, figures in classes.items()}
    assert {f"T_{t}" for t in TENANTS} <= served.keys()  # every tenant got its pooled servers
    assert cap.queued > 0 and cap.rejected == 0  # the cap did hold checkouts back, and refused none
