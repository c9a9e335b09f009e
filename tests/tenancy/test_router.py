"""TenantRouter: tenant models follow the current tenant; shared apps stay on the shared alias."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import models

from drcp_multi.routers import NoTenant, TenantRouter
from drcp_multi.tenancy.catalog import Tenant, get_tenant
from drcp_multi.tenancy.context import tenant_context


class Invoice(models.Model):
    class Meta:
        app_label = "billing"


router = TenantRouter()


def test_tenant_models_follow_the_current_tenant(drcp_settings: Any) -> None:
    drcp_settings(TENANCY_MODE="alias", TENANTS={"acme": {}, "globex": {"alias": "db2"}}, SHARED_ALIAS="main")
    with tenant_context("acme"):
        assert router.db_for_read(Invoice) == "acme"
        assert router.db_for_write(Invoice) == "acme"
        with tenant_context("globex"):
            assert router.db_for_write(Invoice) == "db2"
        assert router.db_for_read(User) == "main"
        assert router.db_for_write(ContentType) == "main"


def test_no_tenant_is_an_error_or_the_shared_alias_never_another_tenant(drcp_settings: Any) -> None:
    drcp_settings(TENANTS={"acme": {"alias": "tenants"}})
    with pytest.raises(NoTenant, match=r"billing\.Invoice.*tenant_context"):
        router.db_for_read(Invoice)
    assert router.db_for_read(User) == "default"  # shared apps need no tenant
    drcp_settings(TENANTS={"acme": {"alias": "tenants"}}, NO_TENANT="shared", SHARED_ALIAS="main")
    assert router.db_for_write(Invoice) == "main"


def test_shared_apps_setting(drcp_settings: Any) -> None:
    drcp_settings(SHARED_APPS=["billing"], SHARED_ALIAS="main")
    assert router.db_for_read(Invoice) == "main"
    with tenant_context(Tenant(name="x", alias="x", cclass="X")):
        assert router.db_for_read(Invoice) == "main"
        assert router.db_for_read(User) == "x"  # auth no longer listed


def test_allow_migrate_alias_mode(drcp_settings: Any) -> None:
    drcp_settings(TENANCY_MODE="alias", TENANTS={"acme": {}, "globex": {}}, SHARED_ALIAS="main")
    assert router.allow_migrate("main", "auth")
    assert not router.allow_migrate("acme", "auth")
    assert router.allow_migrate("acme", "billing")
    assert router.allow_migrate("globex", "billing")
    assert not router.allow_migrate("main", "billing")
    with tenant_context(get_tenant("acme")):
        assert router.allow_migrate("acme", "billing")
        assert not router.allow_migrate("globex", "billing")


def test_allow_migrate_shared_alias_modes(drcp_settings: Any) -> None:
    drcp_settings(TENANCY_MODE="pool_per_tenant", TENANTS={"acme": {}})
    # One alias for everybody: shared and tenant apps both migrate there, once.
    assert router.allow_migrate("default", "auth")
    assert router.allow_migrate("default", "billing")
    assert not router.allow_migrate("other", "billing")
    drcp_settings(TENANCY_MODE="shared_pool", TENANT_ALIAS="tenants", SHARED_ALIAS="main")
    assert router.allow_migrate("tenants", "billing")
    assert not router.allow_migrate("main", "billing")
    assert router.allow_migrate("main", "auth")


def test_allow_migrate_never_queries_a_dynamic_catalog(
    drcp_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drcp_multi.tenancy.catalog import CallableCatalog

    def no_listing() -> list[Tenant]:
        raise AssertionError("allow_migrate listed a catalog that may live in a table not migrated yet")

    drcp_settings(TENANCY_MODE="alias", SHARED_ALIAS="default")
    monkeypatch.setattr(
        "drcp_multi.tenancy.catalog._catalog", CallableCatalog(lambda name: None, list_func=no_listing)
    )
    for alias in ("acme", "globex"):  # only named, never connected
        monkeypatch.setitem(settings.DATABASES, alias, {})
    assert router.allow_migrate("acme", "billing")
    assert router.allow_migrate("globex", "billing")
    assert not router.allow_migrate("default", "billing")
    assert router.allow_migrate("default", "auth")
