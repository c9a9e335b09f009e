"""Overload answered like a well-run service, through Django's real WSGI handler: every "no connection in
time" is a 503 with Retry-After and a log line naming the limit and the setting; no password in any error
page (DEBUG or not) or log line."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connections
from django.test import override_settings

from drcp_multi.registry import get_registry
from drcp_multi.testing.handlers import wsgi_get
from drcp_multi.testing.pytest_plugin import start_emulator
from tests.ops import urls

PASSWORD = "Unique-Pa55word-4-grep"


@pytest.fixture
def site(wire: Any) -> Iterator[WSGIHandler]:
    with override_settings(
        MIDDLEWARE=["drcp_multi.middleware.TenantMiddleware"],
        DRCP_MULTI={"TENANTS": {"acme": {"max_busy": 1}}, "RESOLVERS": ["header"], "TENANT_REQUIRED": False},
        DEBUG_PROPAGATE_EXCEPTIONS=False,
    ):
        yield WSGIHandler()


@pytest.fixture
def pool_settings() -> Iterator[dict[str, Any]]:
    """The default alias's settings dict, changed in place for the test and restored after."""
    settings_dict = connections["default"].settings_dict
    saved = {k: (dict(v) if isinstance(v, dict) else v) for k, v in settings_dict.items()}
    yield settings_dict
    connections["default"].close()
    settings_dict.clear()
    settings_dict.update(saved)


def hold_in_thread(handler: WSGIHandler, key: str, headers: dict[str, str] | None = None) -> Any:
    """Start /hold/key/ in a thread and return once it holds its connection; join() after opening."""
    urls.GATES[key] = threading.Event()
    urls.STARTED[key] = threading.Event()
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(wsgi_get(handler, f"/hold/{key}/", headers)))
    thread.start()
    assert urls.STARTED[key].wait(30)

    def finish() -> tuple[int, dict[str, str], bytes]:
        urls.GATES[key].set()
        thread.join(30)
        return result[0]  # type: ignore[no-any-return]

    return finish


def test_pool_exhausted_is_503_naming_the_pool_limit(
    site: WSGIHandler, pool_settings: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # Long enough for the holder to log in (the driver counts that time too), short for the test.
    pool_settings["POOL"] = {"min": 0, "max": 1, "increment": 1, "wait_timeout": 2}
    finish = hold_in_thread(site, "pool")
    with caplog.at_level(logging.WARNING, logger="drcp_multi.overload"):
        status, headers, body = wsgi_get(site, "/one-query/")
    assert status == 503 and headers["Retry-After"] == "1"
    assert b"No database connection was free in time" in body
    (record,) = [r for r in caplog.records if r.name == "drcp_multi.overload"]
    line = record.getMessage()
    assert "503 for GET /one-query/" in line and "POOL['max'] within POOL['wait_timeout']" in line
    assert "DATABASES[alias]['POOL']['max'] / ['wait_timeout']" in line
    assert finish()[0] == 200  # the holder was never disturbed


def test_tenant_cap_is_503_naming_max_busy(site: WSGIHandler, caplog: pytest.LogCaptureFixture) -> None:
    finish = hold_in_thread(site, "tenant", {"X-Tenant": "acme"})
    with (
        caplog.at_level(logging.WARNING, logger="drcp_multi.overload"),
        override_settings(
            DRCP_MULTI={
                "TENANTS": {"acme": {"max_busy": 1}},
                "RESOLVERS": ["header"],
                "TENANT_WAIT_TIMEOUT": 0,
                "RETRY_AFTER": 3,
            }
        ),
    ):
        status, headers, body = wsgi_get(site, "/one-query/", {"X-Tenant": "acme"})
    assert b"Tenant 'acme' is at its limit of connections" in body
    assert status == 503 and headers["Retry-After"] == "3"
    line = next(r.getMessage() for r in caplog.records if r.name == "drcp_multi.overload")
    assert "(tenant acme)" in line and "max_busy=1 of tenant 'acme'" in line
    assert "DRCP_MULTI['TENANT_WAIT_TIMEOUT']" in line
    assert finish()[0] == 200


def test_draining_refuses_new_requests_with_connection_close(site: WSGIHandler) -> None:
    from drcp_multi.lifecycle import get_request_gate

    gate = get_request_gate()
    finish = hold_in_thread(site, "drain")
    gate.begin_drain()
    status, headers, _ = wsgi_get(site, "/one-query/")
    assert status == 503 and headers["Connection"] == "close" and headers["Retry-After"] == "1"
    assert gate.in_flight == 1  # the request in flight goes on, and may still check out
    assert finish()[0] == 200
    assert gate.wait_idle(0) and gate.refused == 1


@pytest.mark.parametrize("debug", [True, False])
def test_no_password_in_the_500_page_or_the_log(
    site: WSGIHandler,
    pool_settings: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    debug: bool,
) -> None:
    # A dead listener: the checkout fails inside the registry and the driver, whose frames hold the
    # settings (and the driver's keyword arguments) with the password.
    pool_settings.update(NAME="127.0.0.1:9/FREEPDB1", PASSWORD=PASSWORD)
    with override_settings(DEBUG=debug), caplog.at_level(logging.INFO):
        status, _, body = wsgi_get(site, "/one-query/", {"Accept": "text/html"})
    assert status == 500
    if debug:  # the technical page, with every frame's variables
        assert b"Local vars" in body and b"settings_dict" in body and b"DPY-" in body
    assert body.count(PASSWORD.encode()) == 0
    assert sum(PASSWORD in (r.getMessage() + str(r.exc_text or "")) for r in caplog.records) == 0


@pytest.fixture
def one_server(wire: Any, pool_settings: dict[str, Any]) -> Iterator[Any]:
    """The default alias on a wire server with a single pooled server, POOL['call_timeout'] set."""
    server = start_emulator(service="FREEPDB1", users={"app": "secret"}, max_pooled_servers=1)
    pool_settings["NAME"] = server.dsn
    pool_settings["POOL"] = {"min": 0, "max": 2, "increment": 1, "wait_timeout": 10, "call_timeout": 0.5}
    try:
        yield server
    finally:
        connections.close_all()
        get_registry().close_all()
        server.stop()


@pytest.mark.emulator_only
def test_every_pooled_server_busy_at_the_broker_is_503_after_call_timeout(
    one_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with override_settings(
        MIDDLEWARE=["drcp_multi.middleware.TenantMiddleware"],
        DRCP_MULTI={"TENANTS": {"a": {}, "b": {}}, "RESOLVERS": ["header"], "CCLASS_PREFIX": "T_"},
        DEBUG_PROPAGATE_EXCEPTIONS=False,
    ):
        handler = WSGIHandler()
        assert wsgi_get(handler, "/one-query/", {"X-Tenant": "b"})[0] == 200  # b's pool has a connection
        finish = hold_in_thread(handler, "broker", {"X-Tenant": "a"})  # a holds the only pooled server
        with caplog.at_level(logging.WARNING, logger="drcp_multi.overload"):
            status, headers, body = wsgi_get(handler, "/one-query/", {"X-Tenant": "b"})
        assert status == 503 and headers["Retry-After"] == "1"
        assert b"The database did not answer in time" in body
        line = next(r.getMessage() for r in caplog.records if r.name == "drcp_multi.overload")
        assert "DPY-4024" in line and "DATABASES[alias]['POOL']['call_timeout']" in line
        assert finish()[0] == 200
    # From the server's side: b's request gave up waiting at the broker, counted as Oracle counts it.
    # (Django's is_usable() ping after the error waits a second call_timeout: every wait ended so.)
    b = one_server.stats()["classes"]["APP.T_b"]
    assert b["client_req_timeouts"] == b["num_waits"] >= 1
