"""Fixtures of the core tests: requests through Django's WSGI handler, clean pools around each test."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections

from drcp_multi.registry import get_registry


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


def wsgi_request(path: str, **environ: Any) -> tuple[str, str]:
    """One request through Django's WSGI handler, as a WSGI server would make it (not django.test.Client,
    which keeps the connection open across requests): request_started/request_finished fire, so
    the connection is acquired and released once per request."""
    from django.core.handlers.wsgi import WSGIHandler

    status: list[str] = []
    env = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        **environ,
    }
    response = WSGIHandler()(env, lambda s, headers, exc_info=None: status.append(s))
    try:
        body = b"".join(response).decode()
    finally:
        response.close()  # what a WSGI server does: fires request_finished, which releases the connection
    return status[0], body


@pytest.fixture
def get() -> Callable[[str], tuple[str, str]]:
    return wsgi_request
