"""Refused tenants get a page with the reason that the project can replace; the test handlers pass paths
as real servers do (no database needed)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.test import override_settings

from drcp_multi.testing.handlers import asgi_get, wsgi_get

TENANTS = {"acme": {}, "initech": {"enabled": False}}


@pytest.fixture
def site() -> Iterator[None]:
    with override_settings(
        MIDDLEWARE=["drcp_multi.middleware.TenantMiddleware"],
        ROOT_URLCONF="tests.ops.urls",
        ALLOWED_HOSTS=["*"],
        DRCP_MULTI={"TENANTS": TENANTS, "RESOLVERS": ["header"]},
        DEBUG_PROPAGATE_EXCEPTIONS=False,
    ):
        yield


@pytest.mark.parametrize(
    ("header", "status", "reason"),
    [
        ("nobody", 404, b"There is no active tenant &#x27;nobody&#x27; here."),
        ("initech", 404, b"There is no active tenant &#x27;initech&#x27; here."),
        (None, 404, b"names no tenant"),
        ("bad name", 400, b"Bad tenant"),
    ],
)
def test_refused_tenants_get_a_page_with_the_reason(
    site: None, header: str | None, status: int, reason: bytes
) -> None:
    got_status, headers, body = wsgi_get(WSGIHandler(), "/path/x", {"X-Tenant": header} if header else {})
    assert got_status == status
    assert reason in body and headers["Content-Type"].startswith("text/html")


def my_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return HttpResponse(f"sign up as {getattr(exc, 'name', '')}", status=404)


def my_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    return HttpResponse("our own 400", status=400)


def test_the_project_replaces_both_pages(site: None) -> None:
    with override_settings(
        DRCP_MULTI={
            "TENANTS": TENANTS,
            "RESOLVERS": ["header"],
            "TENANT_NOT_FOUND": "tests.ops.test_pages_and_handlers.my_not_found",
            "TENANT_BAD_REQUEST": my_bad_request,
        }
    ):
        assert wsgi_get(WSGIHandler(), "/path/x", {"X-Tenant": "nobody"})[2] == b"sign up as nobody"
        assert wsgi_get(WSGIHandler(), "/path/x", {"X-Tenant": "a b"})[2] == b"our own 400"


def test_the_asgi_handler_answers_the_same_pages(site: None) -> None:
    status, _, body = asyncio.run(asgi_get(ASGIHandler(), "/path/x", {"X-Tenant": "nobody"}))
    assert status == 404 and b"nobody" in body


@pytest.mark.parametrize("path", ["/path/caf\u00e9/\u65e5\u672c", "/path/caf%C3%A9/%E6%97%A5%E6%9C%AC"])
def test_handlers_pass_non_latin1_paths_as_real_servers(site: None, path: str) -> None:
    headers = {"X-Tenant": "acme"}
    wsgi: Any = wsgi_get(WSGIHandler(), path, headers)
    asgi: Any = asyncio.run(asgi_get(ASGIHandler(), path, headers))
    expected = "/path/caf\u00e9/\u65e5\u672c".encode()
    assert (wsgi[0], wsgi[2]) == (200, expected)
    assert (asgi[0], asgi[2]) == (200, expected)
