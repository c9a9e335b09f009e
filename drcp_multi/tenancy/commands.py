"""A ``--tenant`` option for management commands.

Subclass :class:`TenantCommand` instead of ``BaseCommand`` and ``handle()`` runs inside
``tenant_context(<tenant>)``. For commands you do not own (``migrate``, ``shell``, ``loaddata`` …) use the
wrapper: ``manage.py tenant_command <tenant> <command> [args …]``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from drcp_multi.tenancy.catalog import InvalidTenantName, Tenant, UnknownTenant, get_tenant
from drcp_multi.tenancy.context import tenant_context


def tenant_or_command_error(name: str) -> Tenant:
    """The enabled tenant ``name``; CommandError (with the reason) for a malformed or unknown name."""
    try:
        return get_tenant(name)
    except (InvalidTenantName, UnknownTenant) as exc:
        raise CommandError(str(exc)) from exc


class TenantCommand(BaseCommand):
    """A command with ``--tenant NAME`` (required unless ``tenant_required = False``)."""

    tenant_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--tenant",
            required=self.tenant_required,
            help="Run as this tenant (its alias and DRCP connection class).",
        )

    def execute(self, *args: Any, **options: Any) -> str | None:
        name = options.get("tenant")
        tenant = tenant_or_command_error(name) if name else None
        with tenant_context(tenant):
            return super().execute(*args, **options)
