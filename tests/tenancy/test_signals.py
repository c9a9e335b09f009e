"""Lifecycle signals sent in-process: tenant_activated on context entry, and the lifecycle API's own
(tenant_created, tenant_deleted; tenant_disabled comes from the catalog) on a static catalog (no
database: migrate=False)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from drcp_multi import signals
from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import get_current_tenant, tenant_context
from drcp_multi.tenancy.lifecycle import LifecycleError, create_tenant, delete_tenant, disable_tenant

ACME = Tenant(name="acme", alias="default", cclass="T_acme")


@pytest.fixture
def received() -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    seen: list[tuple[str, str, dict[str, Any]]] = []
    receivers = {}
    for name in ("tenant_created", "tenant_disabled", "tenant_deleted", "tenant_activated"):

        def receiver(sender: Any, tenant: Tenant, _name: str = name, **kwargs: Any) -> None:
            kwargs.pop("signal")
            seen.append((_name, tenant.name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    yield seen
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def test_tenant_activated_on_each_entry_never_for_no_tenant(received: list[Any]) -> None:
    with tenant_context(ACME), tenant_context(None), tenant_context(ACME):
        pass
    assert received == [("tenant_activated", "acme", {}), ("tenant_activated", "acme", {})]


def test_a_failing_activation_receiver_leaves_no_tenant_behind() -> None:
    def refuse(sender: Any, tenant: Tenant, **kwargs: Any) -> None:
        raise PermissionError(f"{tenant.name} is suspended")

    signals.tenant_activated.connect(refuse)
    try:
        with pytest.raises(PermissionError), tenant_context(ACME):
            pytest.fail("the block must not run")
        assert get_current_tenant() is None
    finally:
        signals.tenant_activated.disconnect(refuse)


def test_create_disable_delete_send_their_signals(drcp_settings: Any, received: list[Any]) -> None:
    drcp_settings(TENANTS={"acme": {}}, CCLASS_PREFIX="T_")
    tenant, result = create_tenant("newco", migrate=False)
    assert (tenant.name, tenant.cclass, result) == ("newco", "T_newco", None)
    with pytest.raises(LifecycleError, match="already exists"):
        create_tenant("newco", migrate=False)
    with pytest.raises(LifecycleError, match="needs DRCP_MULTI\\['TENANCY_MODE'\\] = 'alias'"):
        create_tenant("other", create_schema=True)
    disable_tenant("newco")
    with pytest.raises(LifecycleError, match="has no schema of its own to drop"):
        delete_tenant("newco", drop_schema=True)
    delete_tenant("newco")
    assert received == [
        ("tenant_created", "newco", {"schema_created": False}),
        ("tenant_disabled", "newco", {}),
        ("tenant_disabled", "newco", {}),  # the catalog announces a removed tenant as gone too
        ("tenant_deleted", "newco", {"dropped_schema": False}),
    ]
