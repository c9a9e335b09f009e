"""Health probes (view and command), drcp_pools' figures and capacity advice, and the operations checks,
against the wire server."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connections
from django.test import override_settings

from drcp_multi.lifecycle import get_request_gate
from drcp_multi.registry import get_registry
from drcp_multi.tenancy.context import tenant_context
from drcp_multi.tenant import Tenant
from drcp_multi.testing.handlers import wsgi_get
from drcp_multi.testing.pytest_plugin import grant_monitoring_alias, start_emulator

SECRET = "secret"  # tests/settings.py's password: never in a probe's answer


@pytest.fixture
def site(wire: Any) -> Iterator[WSGIHandler]:
    with override_settings(MIDDLEWARE=[]):
        yield WSGIHandler()


def test_ready_pings_every_alias_and_says_so_in_json(site: WSGIHandler) -> None:
    status, headers, body = wsgi_get(site, "/ops/health/ready")
    assert status == 200 and headers["Content-Type"] == "application/json"
    report = json.loads(body)
    assert report["status"] == "ok" and report["aliases"] == {"default": {"ok": True, "error": None}}
    assert report["broker"] == {"figures": True, "problem": None}
    assert SECRET.encode() not in body
    assert wsgi_get(site, "/ops/health/live")[:1] == (200,)


def test_ready_fails_with_the_reason_when_an_alias_is_down(site: WSGIHandler) -> None:
    settings_dict = connections["default"].settings_dict
    saved = settings_dict["NAME"]
    settings_dict["NAME"] = "127.0.0.1:9/FREEPDB1"  # nothing listens there
    try:
        status, _, body = wsgi_get(site, "/ops/health/ready")
    finally:
        settings_dict["NAME"] = saved
        get_registry().close_all()
    report = json.loads(body)
    assert status == 503 and report["ok"] is False
    assert "DPY-" in report["aliases"]["default"]["error"]
    assert SECRET.encode() not in body


def test_draining_process_is_not_live(site: WSGIHandler) -> None:
    get_request_gate().begin_drain()
    try:
        assert wsgi_get(site, "/ops/health/live")[0] == 503
        assert json.loads(wsgi_get(site, "/ops/health/ready")[2])["status"] == "draining"
    finally:
        get_request_gate().reset()


def test_health_command_exit_status(wire: Any) -> None:
    out = io.StringIO()
    call_command("drcp_health", "--json", stdout=out)
    assert json.loads(out.getvalue())["ok"] is True
    settings_dict = connections["default"].settings_dict
    saved = settings_dict["NAME"]
    settings_dict["NAME"] = "127.0.0.1:9/FREEPDB1"
    try:
        with pytest.raises(SystemExit) as exited:
            call_command("drcp_health", stdout=io.StringIO())
        assert exited.value.code == 1
    finally:
        settings_dict["NAME"] = saved
        get_registry().close_all()


@pytest.fixture
def two_servers(wire: Any) -> Iterator[Any]:
    """The default alias on a wire server of its own with 2 pooled servers (tenants outnumber them)."""
    server = start_emulator(service="FREEPDB1", users={"app": "secret"}, max_pooled_servers=2)
    grant_monitoring_alias(server)  # the broker's figures are read as app, which a DBA granted the views
    settings_dict = connections["default"].settings_dict
    saved = settings_dict["NAME"]
    settings_dict["NAME"] = server.dsn
    try:
        yield server
    finally:
        connections.close_all()
        get_registry().close_all()
        settings_dict["NAME"] = saved
        server.stop()


@pytest.mark.emulator_only
def test_stats_show_the_broker_and_advise_a_size_when_it_reclaims(two_servers: Any, get: Any) -> None:
    for _ in range(5):  # 6 classes over 2 pooled servers: nearly every request destroys a session
        for name in ("a", "b", "c", "d", "e", "f"):
            with tenant_context(Tenant(name, "default", f"T_{name}")):
                assert get("/one-query/") == (200, "1")
    out = io.StringIO()
    call_command("drcp_pools", "stats", stdout=out)
    text = out.getvalue()
    figures = two_servers.broker.cpool_stats()[0]
    assert figures["NUM_PURGED"] > 0
    assert f"{figures['NUM_PURGED']} reclaims" in text  # the broker's own count, read through SQL
    clients = len(two_servers.broker.cpool_conn_info())  # one per pooled client connection
    assert "advice: The DRCP broker reclaimed" in text
    assert f"About {clients} pooled servers" in text and "MAXSIZE=2" in text
    doc = io.StringIO()
    call_command("drcp_pools", "stats", "--json", stdout=doc)
    parsed = json.loads(doc.getvalue())
    assert parsed["broker"]["available"] is True and parsed["advice"].startswith("The DRCP broker")
    assert {p["tenant"] for p in parsed["pools"]} >= {"a", "f"}


def test_resize_here_changes_the_live_pool(wire: Any, get: Any) -> None:
    # A tenant of its own: the registry keeps a resize for the pools it makes later (other tests' too).
    with tenant_context(Tenant("resized", "default", "T_resized")):
        assert get("/one-query/") == (200, "1")
    call_command(
        "drcp_pools", "resize", "default", "--tenant", "resized", "--max", "7", "--here", stdout=io.StringIO()
    )
    with tenant_context(
        Tenant("resized", "default", "T_resized")
    ):  # reconfigured, or rebuilt at the new size
        assert get("/one-query/") == (200, "1")
    (pool,) = [p for p in get_registry().stats() if p.tenant == "resized"]
    assert pool.max == 7


def test_resize_without_a_control_dir_says_what_to_set(wire: Any) -> None:
    with override_settings(DRCP_MULTI={}), pytest.raises(Exception, match="CONTROL_DIR"):
        call_command("drcp_pools", "resize", "default", "--max", "5", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("keys", "check_id"),
    [
        ({"DRAIN_TIMEOUT": float("nan")}, "drcp_multi.E302"),
        ({"HEALTH_TIMEOUT": float("inf")}, "drcp_multi.E302"),
        ({"MONITOR_INTERVAL": -1}, "drcp_multi.E302"),
        ({"RETRY_AFTER": 1.5}, "drcp_multi.E302"),
        ({"ALIAS_LIMITS": {"default": {"max_busy": 2, "wait_timeout": float("nan")}}}, "drcp_multi.E301"),
        ({"ALIAS_LIMITS": {"nowhere": 2}}, "drcp_multi.E301"),
        ({"MONITOR_ALIAS": "nowhere"}, "drcp_multi.E303"),
    ],
)
def test_operations_settings_are_checked(keys: dict[str, Any], check_id: str) -> None:
    with (
        override_settings(DRCP_MULTI={"TENANCY_MODE": "pool_per_tenant", **keys}),
        pytest.raises(SystemCheckError, match=check_id),
    ):
        call_command("check")


def test_nan_pool_wait_timeout_is_refused_by_a_check() -> None:
    settings_dict = connections["default"].settings_dict
    saved = dict(settings_dict["POOL"])
    settings_dict["POOL"] = {**saved, "wait_timeout": float("nan")}
    try:
        with pytest.raises(SystemCheckError, match="wait_timeout"):
            call_command("check")
    finally:
        settings_dict["POOL"] = saved
