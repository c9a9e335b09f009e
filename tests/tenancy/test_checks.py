"""Tenancy system checks: each bad setting is reported with its id, and good settings report nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from drcp_multi.tenancy.checks import check_tenancy

MW = ["drcp_multi.middleware.TenantMiddleware"]
ROUTERS = ["drcp_multi.routers.TenantRouter"]


def ids(**drcp: Any) -> list[str]:
    with override_settings(DRCP_MULTI=drcp):
        return [str(m.id) for m in check_tenancy()]


def test_good_settings_are_quiet() -> None:
    with override_settings(MIDDLEWARE=MW, DATABASE_ROUTERS=ROUTERS):
        assert ids(TENANTS={"acme": {"max_busy": 2}}, RESOLVERS=["header"]) == []


@pytest.mark.parametrize(
    ("drcp", "expected"),
    [
        ({"TENANTS": {"bad name": {}}}, "drcp_multi.E102"),
        ({"TENANTS": {"acme": {"cclass": "x')"}}}, "drcp_multi.E102"),
        ({"TENANTS": {"acme": {"max_busy": 0}}}, "drcp_multi.E102"),
        ({"TENANTS": {"acme": {"colour": "red"}}}, "drcp_multi.E102"),
        ({"TENANTS": ["acme"]}, "drcp_multi.E102"),
        ({"TENANTS": {"acme": {"alias": "nowhere"}}}, "drcp_multi.E104"),
        ({"TENANCY_MODE": "alias", "TENANTS": {"acme": {}}}, "drcp_multi.E104"),
        ({"TENANT_CATALOG": "no.such.module.lookup"}, "drcp_multi.E103"),
        ({"NO_TENANT": "default_tenant"}, "drcp_multi.E105"),
    ],
)
def test_bad_catalog_settings(drcp: dict[str, Any], expected: str) -> None:
    assert expected in ids(**drcp)


def test_middleware_settings() -> None:
    with override_settings(MIDDLEWARE=MW, DATABASE_ROUTERS=ROUTERS):
        assert ids(RESOLVERS=[]) == ["drcp_multi.E101"]
        assert ids(RESOLVERS=["no.such.resolver"]) == ["drcp_multi.E101"]
        assert ids(RESOLVERS=["user"]) == ["drcp_multi.E106"]  # no AuthenticationMiddleware before it
        assert ids(RESOLVERS=["header"], TENANT_NOT_FOUND="no.such.handler") == ["drcp_multi.E107"]
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    with override_settings(MIDDLEWARE=[auth, *MW], DATABASE_ROUTERS=ROUTERS):
        assert ids(RESOLVERS=["user"]) == []
    with override_settings(MIDDLEWARE=MW, DATABASE_ROUTERS=[]):
        assert ids(RESOLVERS=["header"]) == ["drcp_multi.W101"]
    with override_settings(MIDDLEWARE=[]):
        assert ids(RESOLVERS=[]) == []  # resolvers only matter with the middleware
