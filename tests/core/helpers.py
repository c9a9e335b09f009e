"""Helpers of the core tests: a request through Django's WSGI handler; the server's settled figures."""

from __future__ import annotations

import time
from typing import Any

from drcp_multi.testing.database_side import DrcpMonitor, short_class
from drcp_multi.testing.handlers import wsgi_get


def wsgi_request(path: str) -> tuple[int, str]:
    """One GET through Django's WSGI handler, as a WSGI server makes it (see drcp_multi.testing.handlers):
    request_started/request_finished fire, so the connection is acquired and released once."""
    from django.core.handlers.wsgi import WSGIHandler

    status, _, body = wsgi_get(WSGIHandler(), path)
    return status, body.decode()


def settle(server: Any) -> dict[str, Any]:
    """The server's figures once every release sent so far has been processed.

    A DRCP release is one-way: the client does not wait for the server, so the server may count it a
    moment later. Once no pooled server is busy, every release has arrived. (The deadline only turns a
    lost release into a failure; nothing is measured.)
    """
    deadline = time.monotonic() + 30
    while True:
        stats = server.stats()
        if stats["pooled_servers"]["busy"] == 0:
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"a pooled server is still busy: nothing released it ({stats})")
        time.sleep(0.005)


def connecting_user() -> str:
    """The user the tests connect as (APP on the wire server, DRCP_TEST_USER on a live Oracle), as Oracle
    stores an unquoted name."""
    from django.conf import settings

    return str(settings.DATABASES["default"]["USER"]).upper()


def gained(
    monitor: DrcpMonitor, before: dict[str, dict[str, int]], user: str | None = None
) -> dict[str, Any]:
    """V$CPOOL_CC_STATS: what each class of ``user`` (the test user) gained since ``before``, by the class
    as the client chose it."""
    user = user or connecting_user()
    return {
        short_class(name): figures
        for name, figures in monitor.figures_since(before).items()
        if name.rsplit(".", 1)[0].upper() == user
    }


COUNTS = ("round_trips", "one_way", "logins")


def server_mark(server: Any, settled: bool = True) -> dict[str, Any]:
    """The wire server's message counts and log length now (settled unless a checkout is still held),
    for :func:`server_since`. Unlike ``reset_stats()`` it leaves the DRCP figures the monitoring
    connection reads alone."""
    stats = settle(server) if settled else server.stats()
    return {**{key: stats[key] for key in COUNTS}, "logged": len(server.statements())}


def server_since(server: Any, mark: dict[str, Any]) -> dict[str, Any]:
    """Messages counted and statements logged since ``mark`` (once every release has arrived)."""
    stats = settle(server)
    return {
        **{key: stats[key] - mark[key] for key in COUNTS},
        "statements": server.statements()[mark["logged"] :],
    }
