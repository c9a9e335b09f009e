"""``tenants``, ``tenant_command`` and the TenantCommand base class (``--tenant``)."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from drcp_multi.management.commands import tenant_command
from drcp_multi.signals import tenant_disabled
from drcp_multi.tenancy import catalog as catalog_module
from drcp_multi.tenancy.catalog import StaticCatalog
from drcp_multi.tenancy.commands import TenantCommand
from drcp_multi.tenancy.context import get_current_tenant


def run(*args: Any, **kwargs: Any) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_tenants_list(tenants: None) -> None:
    text = run("tenants", "list")
    assert text.splitlines()[0].split() == ["NAME", "ALIAS", "CCLASS", "PURITY", "MAX_BUSY", "ENABLED"]
    rows = {line.split()[0]: line.split() for line in text.splitlines()[1:]}
    assert rows["acme"] == ["acme", "default", "T_acme", "-", "2", "yes"]
    assert rows["initech"][-1] == "no"
    listed = json.loads(run("tenants", "list", "--json"))
    assert {t["name"]: t["cclass"] for t in listed} == {
        "acme": "T_acme",
        "globex": "GLOBEX_CC",
        "initech": "T_initech",
    }


def test_static_catalog_refuses_writes_with_a_reason(tenants: None) -> None:
    with pytest.raises(CommandError, match="DRCP_MULTI\\['TENANTS'\\]"):
        run("tenants", "add", "newco")


class MemoryCatalog(StaticCatalog):
    """Stands in for a persistent (model) catalog: the same writer API."""

    persistent = True


def test_writes_through_a_writable_catalog(tenants: None, monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[str] = []

    def receiver(sender: object, tenant: Any, **kwargs: Any) -> None:
        closed.append(tenant.name)

    monkeypatch.setattr(tenant_disabled, "receivers", list(tenant_disabled.receivers))  # restored after
    tenant_disabled.connect(receiver)
    memory = MemoryCatalog()
    monkeypatch.setattr(catalog_module, "_catalog", memory)
    assert "added tenant newco (alias default, cclass T_newco)" in run(
        "tenants", "add", "newco", "--max-busy", "3"
    )
    assert memory.get("newco").max_busy == 3
    run("tenants", "disable", "newco")
    assert closed == ["newco"]
    run("tenants", "enable", "newco")
    assert memory.get("newco").enabled
    run("tenants", "remove", "newco")
    assert closed == ["newco", "newco"]
    with pytest.raises(CommandError, match="unknown"):
        run("tenants", "remove", "newco")
    with pytest.raises(CommandError, match="must match"):
        run("tenants", "add", "bad name")


class ShowTenant(TenantCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        tenant = get_current_tenant()
        self.stdout.write(tenant.name if tenant else "-")


class MaybeTenant(ShowTenant):
    tenant_required = False


def test_tenant_option(tenants: None) -> None:
    assert run(ShowTenant(), "--tenant", "acme").strip() == "acme"
    assert get_current_tenant() is None
    with pytest.raises(CommandError, match="unknown or disabled tenant 'initech'"):
        run(ShowTenant(), "--tenant", "initech")
    with pytest.raises(CommandError, match="--tenant"):
        run(ShowTenant())
    assert run(MaybeTenant()).strip() == "-"


def test_tenant_command_runs_any_command_as_the_tenant(
    tenants: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = "from drcp_multi.tenancy.context import get_current_tenant as g; print(g().name, g().cclass)"
    call_command("tenant_command", "globex", "shell", "-c", code)
    assert capsys.readouterr().out.strip().splitlines()[-1] == "globex GLOBEX_CC"
    with pytest.raises(CommandError, match="Unknown command"):
        call_command("tenant_command", "globex", "no_such_command")
    with pytest.raises(CommandError, match="unknown or disabled"):
        call_command("tenant_command", "nobody", "shell", "-c", "pass")


def test_tenant_command_defaults_database_to_the_tenants_alias(
    drcp_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    drcp_settings(TENANCY_MODE="alias", TENANTS={"acme": {}})
    calls: list[tuple[Any, ...]] = []

    def fake_call_command(command: Any, *args: str, **options: Any) -> None:
        calls.append(
            (
                command.__module__.rsplit(".", 1)[-1],
                args,
                options,
                getattr(get_current_tenant(), "name", None),
            )
        )

    monkeypatch.setattr(tenant_command, "call_command", fake_call_command)
    call_command("tenant_command", "acme", "migrate", "--plan")
    call_command("tenant_command", "acme", "migrate", "--database", "other")
    call_command("tenant_command", "acme", "shell", "-c", "pass")  # no --database option: none added
    assert calls == [
        ("migrate", ("--plan",), {"database": "acme"}, "acme"),
        ("migrate", ("--database", "other"), {}, "acme"),
        ("shell", ("-c", "pass"), {}, "acme"),
    ]
