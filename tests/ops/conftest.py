"""Fixtures of the operations tests: the wire server, clean pools and limits around each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.test import override_settings

from drcp_multi.lifecycle import get_request_gate
from drcp_multi.monitor import get_monitor
from drcp_multi.registry import get_registry
from drcp_multi.testing.handlers import wsgi_get


def close_everything() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()
    get_registry().close_all()
    get_monitor().clear()
    get_request_gate().reset()


@pytest.fixture
def wire(oracle_server: Any, django_db_blocker: Any) -> Iterator[Any]:
    """The wire server (or DRCP_TEST_DSN) with pools closed before and after the test."""
    with django_db_blocker.unblock(), override_settings(ROOT_URLCONF="tests.ops.urls"):
        close_everything()
        try:
            yield oracle_server
        finally:
            close_everything()


@pytest.fixture
def get() -> Any:
    """GET a path through Django's WSGI handler (no middleware, tests.ops.urls): (status, body text)."""

    def request(path: str) -> tuple[int, str]:
        with override_settings(MIDDLEWARE=[]):
            status, _, body = wsgi_get(WSGIHandler(), path)
        return status, body.decode()

    return request
