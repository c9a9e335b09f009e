"""Fixtures of the core tests: requests through Django's WSGI handler, clean pools around each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections

from drcp_multi.registry import get_registry
from drcp_multi.testing.database_side import DrcpMonitor
from tests.core.helpers import wsgi_request


def _close_everything() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()
    get_registry().close_all()


@pytest.fixture
def wire(oracle_server: Any, django_db_blocker: Any) -> Iterator[Any]:
    """Database access through the backend, against the wire server (or DRCP_TEST_DSN); pools are closed
    before and after the test so each starts from nothing."""
    with django_db_blocker.unblock():
        _close_everything()
        try:
            yield oracle_server
        finally:
            _close_everything()


@pytest.fixture
def get() -> Callable[[str], tuple[int, str]]:
    return wsgi_request


@pytest.fixture
def monitor(drcp_monitor: DrcpMonitor | None) -> DrcpMonitor:
    """The monitoring connection; skips on a live Oracle without DRCP_TEST_MONITOR_DSN."""
    if drcp_monitor is None:
        pytest.skip(
            "reads V$CPOOL_CC_STATS / V$CPOOL_CONN_INFO: set DRCP_TEST_MONITOR_DSN (docs/live-oracle.md)"
        )
    return drcp_monitor
