"""TenantMiddleware through Django's real WSGI and ASGI handlers (no database needed)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.test import override_settings

from drcp_multi.middleware import TenantMiddleware
from drcp_multi.tenancy.catalog import Tenant, UnknownTenant
from drcp_multi.tenancy.context import get_current_tenant, get_trace_attributes
from drcp_multi.testing.handlers import asgi_get, wsgi_get
from tests.tenancy.conftest import TENANTS

MIDDLEWARE = ["drcp_multi.middleware.TenantMiddleware"]


@pytest.fixture
def with_middleware() -> Iterator[None]:
    with override_settings(MIDDLEWARE=MIDDLEWARE, DEBUG_PROPAGATE_EXCEPTIONS=False):
        yield


@pytest.fixture
def wsgi(tenants: None, with_middleware: None) -> Callable[..., tuple[int, dict[str, str], Any]]:
    handler = WSGIHandler()

    def get(path: str, **headers: str) -> tuple[int, dict[str, str], Any]:
        status, response_headers, body = wsgi_get(
            handler, path, {k.replace("_", "-"): v for k, v in headers.items()}
        )
        # Django's handler runs the middleware in this thread: a tenant left set would show here.
        assert get_current_tenant() is None and get_trace_attributes() is None
        is_json = response_headers.get("Content-Type") == "application/json"
        return status, response_headers, json.loads(body) if is_json else body

    return get


def test_request_runs_under_the_tenant_with_trace_attributes(wsgi: Any) -> None:
    status, _, seen = wsgi("/whoami/", X_Tenant="acme")
    assert status == 200
    assert seen == {
        "tenant": "acme",
        "client_identifier": "acme",
        "module": "tests",  # the view's top-level package
        "action": "whoami",  # the URL name
        "path_info": "/whoami/",
    }


def test_trace_module_setting(drcp_settings: Any, with_middleware: None) -> None:
    drcp_settings(TENANTS=TENANTS, RESOLVERS=["header"], TRACE_MODULE="billing-app")
    _, _, body = wsgi_get(WSGIHandler(), "/whoami/", {"X-Tenant": "globex"})
    assert json.loads(body)["module"] == "billing-app"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X_Tenant": "nobody"}, 404),
        ({"X_Tenant": "initech"}, 404),  # disabled
        ({}, 404),  # no tenant named: never a default one
        ({"X_Tenant": "bad name"}, 400),
        ({"X_Tenant": "x" * 80}, 400),
    ],
)
def test_unknown_404_malformed_400(wsgi: Any, headers: dict[str, str], status: int) -> None:
    assert wsgi("/whoami/", **headers)[0] == status


def not_found(request: HttpRequest, exc: UnknownTenant) -> HttpResponse:
    return HttpResponseRedirect(f"https://example.com/signup?tenant={exc.name}")


def test_tenant_not_found_handler(drcp_settings: Any, with_middleware: None) -> None:
    drcp_settings(
        TENANTS=TENANTS, RESOLVERS=["header"], TENANT_NOT_FOUND="tests.tenancy.test_middleware.not_found"
    )
    status, headers, _ = wsgi_get(WSGIHandler(), "/whoami/", {"X-Tenant": "nobody"})
    assert status == 302 and headers["Location"].endswith("tenant=nobody")


def test_tenant_optional(drcp_settings: Any, with_middleware: None) -> None:
    drcp_settings(TENANTS=TENANTS, RESOLVERS=["header"], TENANT_REQUIRED=False)
    status, _, body = wsgi_get(WSGIHandler(), "/whoami/")
    assert status == 200 and json.loads(body)["tenant"] is None
    assert wsgi_get(WSGIHandler(), "/whoami/", {"X-Tenant": "nobody"})[0] == 404  # named but unknown


def tenant_object_resolver(request: HttpRequest) -> Tenant | None:
    name = request.headers.get("X-Tenant")
    return None if name is None else Tenant(name, "default", f"T_{name}", enabled=name != "gone")


def test_disabled_tenant_object_from_a_resolver_is_404(drcp_settings: Any, with_middleware: None) -> None:
    # A resolver may hand back a Tenant instead of a name; a disabled one is refused like the catalog's.
    drcp_settings(TENANTS=TENANTS, RESOLVERS=["tests.tenancy.test_middleware.tenant_object_resolver"])
    status, _, body = wsgi_get(WSGIHandler(), "/whoami/", {"X-Tenant": "live"})
    assert status == 200 and json.loads(body)["tenant"] == "live"
    assert wsgi_get(WSGIHandler(), "/whoami/", {"X-Tenant": "gone"})[0] == 404


def test_reset_after_the_view_raises(wsgi: Any) -> None:
    assert wsgi("/boom/", X_Tenant="acme")[0] == 500  # wsgi() also asserts the context was reset


def test_tenant_busy_is_503_and_other_tenants_are_served(wsgi: Any) -> None:
    status, headers, body = wsgi("/busy/", X_Tenant="acme")
    assert status == 503 and headers["Retry-After"] == "1" and b"acme" in body
    assert wsgi("/whoami/", X_Tenant="globex")[0] == 200


def test_streaming_content_is_made_under_the_tenant(wsgi: Any, tenants: None, with_middleware: None) -> None:
    assert wsgi("/stream/", X_Tenant="acme")[2] == b"acme,stream;" * 3
    assert asgi_json(ASGIHandler(), "/astream/", X_Tenant="globex") == (200, b"globex;" * 3)


def test_switch_inside_a_view(wsgi: Any) -> None:
    _, _, seen = wsgi("/switch/", X_Tenant="acme")
    assert seen["inner"]["tenant"] == seen["inner"]["client_identifier"] == "globex"
    assert seen["inner"]["action"] == "switch"  # kept from the request
    assert seen["after"]["tenant"] == "acme"


def test_path_prefix_resolver_keeps_routing(drcp_settings: Any, with_middleware: None) -> None:
    drcp_settings(TENANTS=TENANTS, RESOLVERS=["path"])
    status, _, body = wsgi_get(WSGIHandler(), "/t/globex/whoami/")
    assert status == 200
    assert json.loads(body) | {"module": None} == {
        "tenant": "globex",
        "client_identifier": "globex",
        "module": None,
        "action": "whoami",
        "path_info": "/whoami/",
    }
    assert wsgi_get(WSGIHandler(), "/t/nobody/whoami/")[0] == 404


def test_host_resolver(drcp_settings: Any, with_middleware: None) -> None:
    drcp_settings(TENANTS=TENANTS, RESOLVERS=[("host", {"domain": "example.com"})])
    handler = WSGIHandler()
    assert json.loads(wsgi_get(handler, "/whoami/", host="acme.example.com")[2])["tenant"] == "acme"
    assert wsgi_get(handler, "/whoami/", host="a.b.example.com")[0] == 400
    assert wsgi_get(handler, "/whoami/", host="evil.org")[0] == 400  # refused by ALLOWED_HOSTS
    assert wsgi_get(handler, "/whoami/", host="nobody.example.com")[0] == 404


def test_sync_and_async_capable() -> None:
    assert TenantMiddleware.sync_capable and TenantMiddleware.async_capable

    async def get_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    with override_settings(DRCP_MULTI={"RESOLVERS": ["header"]}):
        assert iscoroutinefunction(TenantMiddleware(get_response))
        assert not iscoroutinefunction(TenantMiddleware(lambda request: HttpResponse()))


def asgi_json(app: ASGIHandler, path: str, **headers: str) -> tuple[int, Any]:
    status, response_headers, body = asyncio.run(
        asgi_get(app, path, {k.replace("_", "-"): v for k, v in headers.items()})
    )
    return status, json.loads(body) if response_headers.get("Content-Type") == "application/json" else body


def test_asgi_async_and_sync_views_keep_the_tenant(tenants: None, with_middleware: None) -> None:
    app = ASGIHandler()
    status, seen = asgi_json(app, "/awhoami/", X_Tenant="acme")
    assert status == 200
    expected = {"tenant": "acme", "client_identifier": "acme", "module": "tests", "action": "awhoami"}
    assert seen == expected | {"in_thread": expected}  # sync_to_async inside the view keeps it too
    status, seen = asgi_json(app, "/whoami/", X_Tenant="globex")  # a sync view, run in a thread
    assert (status, seen["tenant"], seen["action"]) == (200, "globex", "whoami")
    assert asgi_json(app, "/switch/", X_Tenant="acme")[1]["inner"]["tenant"] == "globex"
    assert asgi_json(app, "/whoami/", X_Tenant="nobody")[0] == 404
    assert asgi_json(app, "/whoami/", X_Tenant="a b")[0] == 400
    assert asgi_json(app, "/busy/", X_Tenant="acme")[0] == 503
    assert asgi_json(app, "/boom/", X_Tenant="acme")[0] == 500


def test_asgi_concurrent_requests_see_their_own_tenant(tenants: None, with_middleware: None) -> None:
    app = ASGIHandler()
    names = ["acme", "globex"] * 25

    async def main() -> list[Any]:
        return await asyncio.gather(*(asgi_get(app, "/awhoami/", {"X-Tenant": n}) for n in names))

    seen = [json.loads(body) for _, _, body in asyncio.run(main())]
    assert [s["tenant"] for s in seen] == names
    assert [s["in_thread"]["tenant"] for s in seen] == names


def in_thread_resolver(request: HttpRequest) -> str | None:
    # Not async-safe (it might query the user table): the middleware must call it off the event loop.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        request.resolved_in = threading.current_thread().name  # type: ignore[attr-defined]
        return request.headers.get("X-Tenant")
    raise AssertionError("a blocking resolver ran on the event loop")


def test_asgi_blocking_resolvers_run_off_the_loop(drcp_settings: Any, with_middleware: None) -> None:
    drcp_settings(TENANTS=TENANTS, RESOLVERS=["tests.tenancy.test_middleware.in_thread_resolver"])
    assert asgi_json(ASGIHandler(), "/awhoami/", X_Tenant="acme")[1]["tenant"] == "acme"


def test_module_is_the_views_app_label() -> None:
    from drcp_multi.middleware import _app_of

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    view.__module__ = "django.contrib.auth.views"
    assert _app_of(view) == "auth"  # the installed app, not the "django" package
    view.__module__ = "tests.tenancy.urls"
    assert _app_of(view) == "tests"  # not in an installed app: the top-level package
