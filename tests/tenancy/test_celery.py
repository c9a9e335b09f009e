"""Celery support without Celery: header packing, the signal handlers and the Task class on a fake base."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from drcp_multi.tenancy.catalog import Tenant, UnknownTenant
from drcp_multi.tenancy.celery import (
    HEADER,
    get_tenant_task_class,
    on_before_task_publish,
    on_task_postrun,
    on_task_prerun,
    pack_tenant_headers,
    tenant_name_from_request,
)
from drcp_multi.tenancy.context import get_current_tenant, tenant_context

ACME = Tenant(name="acme", alias="default", cclass="T_acme")


def test_pack_and_read_headers() -> None:
    assert pack_tenant_headers({"x": 1}) == {"x": 1}  # no tenant, nothing added
    with tenant_context(ACME):
        headers = pack_tenant_headers({"x": 1})
        assert headers == {"x": 1, HEADER: "acme"}
        assert pack_tenant_headers({HEADER: "other"}) == {HEADER: "other"}  # explicit wins
    assert tenant_name_from_request(headers) == "acme"
    assert tenant_name_from_request(SimpleNamespace(drcp_tenant="acme")) == "acme"
    assert tenant_name_from_request(SimpleNamespace(headers={HEADER: "acme"})) == "acme"
    assert tenant_name_from_request(SimpleNamespace(headers=None)) is None


def test_signal_handlers_round_trip(tenants: None) -> None:
    headers: dict[str, Any] = {}
    with tenant_context("globex"):
        on_before_task_publish(headers=headers, body=(), exchange="", routing_key="")
    task = SimpleNamespace(request=SimpleNamespace(headers=headers))
    on_task_prerun("id-1", task)
    assert getattr(get_current_tenant(), "name", None) == "globex"
    on_task_postrun("id-1")
    assert get_current_tenant() is None
    on_task_postrun("never-started")  # harmless


def test_disabled_tenant_task_fails(tenants: None) -> None:
    task = SimpleNamespace(request=SimpleNamespace(headers={HEADER: "initech"}))
    with pytest.raises(UnknownTenant):
        on_task_prerun("id-2", task)
    assert get_current_tenant() is None


class FakeTask:
    """The parts of celery.Task the base class relies on."""

    def __init__(self) -> None:
        self.request = SimpleNamespace(headers=None)
        self.sent: dict[str, Any] = {}

    def apply_async(self, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        self.sent = options

    def __call__(self, *args: Any, **kwargs: Any) -> str | None:
        tenant = get_current_tenant()
        return tenant.name if tenant else None


def test_task_class(tenants: None) -> None:
    task = get_tenant_task_class(FakeTask)()
    with tenant_context("acme"):
        task.apply_async((1,), {})
    assert task.sent["headers"] == {HEADER: "acme"}
    task.request = SimpleNamespace(headers=task.sent["headers"])  # what the worker sees
    assert task() == "acme"
    assert get_current_tenant() is None
    task.request = SimpleNamespace(headers={})
    assert task() is None
