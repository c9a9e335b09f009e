"""The catalog: defaults per mode, validation, runtime changes closing pools, dynamic sources."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import oracledb
import pytest
from django.core.exceptions import ImproperlyConfigured

from drcp_multi.signals import tenant_disabled
from drcp_multi.tenancy.catalog import (
    CallableCatalog,
    InvalidTenantName,
    StaticCatalog,
    Tenant,
    TenantCatalog,
    UnknownTenant,
    build_tenant,
    get_catalog,
    get_tenant,
)
from drcp_multi.validation import validate_cclass, validate_identifier


@pytest.fixture
def closed() -> Iterator[list[str]]:
    """Names of tenants the catalog announced gone (tenant_disabled: the registry closes their pools)."""
    calls: list[str] = []

    def receiver(sender: object, tenant: Tenant, **kwargs: Any) -> None:
        calls.append(tenant.name)

    tenant_disabled.connect(receiver)
    yield calls
    tenant_disabled.disconnect(receiver)


@pytest.mark.parametrize("bad", ["", "-x", "a b", "a'b", "a)(b", "x" * 64, "ü", None, 3, "a.b"])
def test_identifier_validation_names_the_value_and_pattern(bad: Any) -> None:
    with pytest.raises(ValueError, match="must match") as info:
        validate_identifier(bad)
    assert repr(bad) in str(info.value)


def test_cclass_validation() -> None:
    assert validate_cclass("APP.T_acme:1$x-y") == "APP.T_acme:1$x-y"
    for bad in ["", "a)(b", "a'", "x" * 129, ".a"]:
        with pytest.raises(ValueError, match="connection class"):
            validate_cclass(bad)


def test_static_catalog_defaults(tenants: None) -> None:
    acme = get_tenant("acme")
    assert acme == Tenant(name="acme", alias="default", cclass="T_acme", purity=None, max_busy=2)
    globex = get_tenant("globex")
    assert (globex.cclass, globex.purity) == ("GLOBEX_CC", int(oracledb.PURITY_NEW))
    with pytest.raises(UnknownTenant):
        get_tenant("initech")  # disabled
    with pytest.raises(UnknownTenant):
        get_tenant("nobody")
    with pytest.raises(InvalidTenantName):
        get_tenant("../etc")
    assert sorted(t.name for t in get_catalog().all()) == ["acme", "globex", "initech"]


def test_alias_mode_defaults(drcp_settings: Any) -> None:
    drcp_settings(TENANCY_MODE="alias", CCLASS_PREFIX="T_")
    own = build_tenant("acme")
    assert own.alias == "acme"  # its own alias, and the alias's class, so the pool never switches class
    assert own.cclass != "T_acme"
    shared = build_tenant("b", {"alias": "acme"})
    assert (shared.alias, shared.cclass) == ("acme", "T_b")  # tenants sharing an alias still differ


def test_tenant_alias_setting(drcp_settings: Any) -> None:
    drcp_settings(TENANT_ALIAS="tenants", TENANCY_MODE="shared_pool")
    assert build_tenant("acme").alias == "tenants"


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"cclass": "bad)(class"}, InvalidTenantName),
        ({"purity": "dirty"}, ValueError),
        ({"max_busy": 0}, ValueError),
        ({"max_busy": True}, ValueError),
        ({"colour": "red"}, ValueError),
    ],
)
def test_bad_specs_are_refused(drcp_settings: Any, spec: dict[str, Any], error: type[Exception]) -> None:
    drcp_settings()
    with pytest.raises(error):
        build_tenant("acme", spec)


def test_bad_tenants_setting_fails_on_first_use(drcp_settings: Any) -> None:
    drcp_settings(TENANTS={"bad name": {}})
    with pytest.raises(InvalidTenantName, match="bad name"):
        get_catalog()


def test_bad_mode(drcp_settings: Any) -> None:
    drcp_settings(TENANCY_MODE="schema")
    with pytest.raises(ImproperlyConfigured, match="TENANCY_MODE"):
        build_tenant("acme")


def test_runtime_add_disable_remove_close_pools(tenants: None, closed: list[str]) -> None:
    catalog = get_catalog()
    assert isinstance(catalog, StaticCatalog)
    new = catalog.add("newco", max_busy=3)
    assert get_tenant("newco") == new and new.cclass == "T_newco"
    with pytest.raises(ValueError, match="exists"):
        catalog.add("newco")
    catalog.set_enabled("newco", False)
    assert closed == ["newco"]
    with pytest.raises(UnknownTenant):
        get_tenant("newco")
    catalog.set_enabled("newco", True)
    assert get_tenant("newco").enabled
    catalog.remove("acme")
    assert closed == ["newco", "acme"]
    with pytest.raises(UnknownTenant):
        catalog.remove("acme")


def test_catalog_rebuilt_when_settings_change(drcp_settings: Any) -> None:
    drcp_settings(TENANTS={"one": {}})
    first = get_catalog()
    drcp_settings(TENANTS={"two": {}})
    assert get_catalog() is not first
    assert [t.name for t in get_catalog().all()] == ["two"]


class Source:
    """A stand-in for a tenant service or table."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.calls = 0

    def __call__(self, name: str) -> dict[str, Any] | None:
        self.calls += 1
        return self.rows.get(name)


def test_callable_catalog_sees_new_tenants_at_once_and_caches_known_ones(
    drcp_settings: Any, closed: list[str]
) -> None:
    drcp_settings(CCLASS_PREFIX="D_")
    source = Source()
    catalog = CallableCatalog(source, ttl=3600)
    with pytest.raises(UnknownTenant):
        catalog.get("late")
    source.rows["late"] = {"max_busy": 1}  # added elsewhere, no restart, no settings change
    assert catalog.get("late").cclass == "D_late"
    calls = source.calls
    catalog.get("late")
    assert source.calls == calls  # cached
    source.rows["late"]["enabled"] = False
    catalog.invalidate("late")
    with pytest.raises(UnknownTenant):
        catalog.get("late")
    assert closed == []  # invalidate() forgot the cached entry first, so nothing to compare with


def test_callable_catalog_closes_pools_when_a_refresh_finds_the_tenant_gone(
    drcp_settings: Any, closed: list[str]
) -> None:
    drcp_settings()
    source = Source()
    source.rows["gone"] = {}
    catalog = CallableCatalog(source, ttl=0)  # every lookup refreshes
    catalog.get("gone")
    del source.rows["gone"]
    with pytest.raises(UnknownTenant):
        catalog.get("gone")
    assert closed == ["gone"]


def lookup_tenant(name: str) -> Tenant | None:
    return Tenant(name=name, alias="default", cclass=f"FN_{name}") if name.startswith("ok") else None


class OneTenantCatalog(TenantCatalog):
    async_safe = True

    def __init__(self, name: str = "solo") -> None:
        self.name = name

    def lookup(self, name: str) -> Tenant | None:
        return Tenant(name=name, alias="default", cclass="SOLO") if name == self.name else None

    def all(self) -> list[Tenant]:
        return [Tenant(name=self.name, alias="default", cclass="SOLO")]


@pytest.mark.parametrize(
    ("spec", "expected_type", "name"),
    [
        ("tests.tenancy.test_catalog.lookup_tenant", CallableCatalog, "ok1"),
        (("tests.tenancy.test_catalog.lookup_tenant", {"ttl": 5}), CallableCatalog, "ok2"),
        ("tests.tenancy.test_catalog.OneTenantCatalog", OneTenantCatalog, "solo"),
        (("tests.tenancy.test_catalog.OneTenantCatalog", {"name": "uno"}), OneTenantCatalog, "uno"),
    ],
)
def test_tenant_catalog_setting_forms(drcp_settings: Any, spec: Any, expected_type: type, name: str) -> None:
    drcp_settings(TENANT_CATALOG=spec)
    assert isinstance(get_catalog(), expected_type)
    assert get_tenant(name).name == name


def test_tenant_catalog_setting_refuses_other_things(drcp_settings: Any) -> None:
    drcp_settings(TENANT_CATALOG="drcp_multi.conf.TENANCY_MODES")
    with pytest.raises(ImproperlyConfigured, match="TENANT_CATALOG"):
        get_catalog()
