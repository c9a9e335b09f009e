"""Tenancy system checks: each bad setting is reported with its id, and good settings report nothing."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import oracledb
import pytest
from django.test import override_settings

from drcp_multi.tenancy.checks import check_tenancy, check_thin_mode_capacity, shared_pool_supported

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
        assert ids(RESOLVERS="header") == ["drcp_multi.E119"]  # said once, not also as E101
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    with override_settings(MIDDLEWARE=[auth, *MW], DATABASE_ROUTERS=ROUTERS):
        assert ids(RESOLVERS=["user"]) == []
    with override_settings(MIDDLEWARE=MW, DATABASE_ROUTERS=[]):
        assert ids(RESOLVERS=["header"]) == ["drcp_multi.W101"]
    with override_settings(MIDDLEWARE=[]):
        assert ids(RESOLVERS=[]) == []  # resolvers only matter with the middleware


def test_tenancy_checks_run_with_manage_py_check() -> None:
    # In a fresh process (this module imports the checks itself): drcp_multi's AppConfig registers them,
    # so a project's `manage.py check` reports tenancy mistakes.
    script = (
        "import django; from django.conf import settings; "
        "settings.configure(INSTALLED_APPS=['drcp_multi'], DRCP_MULTI={'NO_TENANT': 'default_tenant'}); "
        "django.setup(); from django.core.checks import run_checks; "
        "print(' '.join(str(m.id) for m in run_checks()))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "drcp_multi.E105" in out.stdout.split()


@pytest.mark.parametrize(
    ("version", "supported"),
    [("2.5.1", False), ("4.0.1", False), ("4.0.2", True), ("4.1.0b1", True), ("26.1.0", True)],
)
def test_shared_pool_needs_python_oracledb_4_0_2(version: str, supported: bool) -> None:
    assert shared_pool_supported(version) is supported


def test_shared_pool_mode_is_checked_against_the_installed_driver() -> None:
    refused = not shared_pool_supported(oracledb.__version__)
    assert ("drcp_multi.E108" in ids(TENANCY_MODE="shared_pool")) is refused
    assert "drcp_multi.E108" not in ids(TENANCY_MODE="pool_per_tenant")


def capacity_ids(**drcp: Any) -> list[str]:
    with override_settings(DRCP_MULTI=drcp):
        return [str(m.id) for m in check_thin_mode_capacity()]


def test_shared_pool_with_more_classes_than_the_pool_is_refused() -> None:
    # tests.settings: POOL["max"] = 4 on the tenant alias.
    assert capacity_ids(TENANCY_MODE="shared_pool", TENANTS={f"t{i}": {} for i in range(4)}) == []
    assert capacity_ids(TENANCY_MODE="shared_pool", TENANTS={f"t{i}": {} for i in range(5)}) == [
        "drcp_multi.E120"
    ]
    catalog = "drcp_multi.tenancy.catalog.StaticCatalog"  # any TENANT_CATALOG: the tenants are unbounded
    dynamic = capacity_ids(TENANCY_MODE="shared_pool", TENANT_CATALOG=catalog)
    assert dynamic == ["drcp_multi.E120"]
    # The same tenants in the recommended mode: nothing to say.
    assert capacity_ids(TENANCY_MODE="shared_class", TENANTS={f"t{i}": {} for i in range(50)}) == []


def test_pool_per_tenant_cap_below_the_tenants_is_a_warning_with_the_figure() -> None:
    with override_settings(DRCP_MULTI={"MAX_LIVE_POOLS": 64, "TENANTS": {f"t{i}": {} for i in range(100)}}):
        (message,) = check_thin_mode_capacity()
    assert message.id == "drcp_multi.W121" and "about 36% of checkouts" in message.msg
    assert capacity_ids(MAX_LIVE_POOLS=100, TENANTS={f"t{i}": {} for i in range(100)}) == []
