"""``manage.py tenant_command <tenant> <command> [args …]``: run any command as one tenant.

``tenant_command --all [selection] <command> [args …]`` runs it as every tenant: the same as
``all_tenants_command`` (selection, executors and result table included).
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from drcp_multi.tenancy.commands import tenant_or_command_error
from drcp_multi.tenancy.context import tenant_context
from drcp_multi.tenancy.fleet import load_command, tenant_units
from drcp_multi.tenancy.fleet_command import add_fleet_arguments, run_fleet, selected_tenants


class Command(BaseCommand):
    help = (
        "Run a management command as a tenant: its queries use the tenant's alias and DRCP connection "
        "class. A command with a --database option gets the tenant's alias unless you pass one. With "
        "--all, run it as every tenant (or a selection), as all_tenants_command does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Every tenant: no tenant argument.")
        add_fleet_arguments(parser)
        parser.add_argument("tenant", help="Tenant name (with --all: the command).")
        parser.add_argument("command_name", nargs="?", help="The command to run, e.g. migrate.")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, help="Its arguments.")

    def handle(
        self,
        *args: Any,
        tenant: str,
        command_name: str | None,
        command_args: list[str],
        **options: Any,
    ) -> None:
        if options["all"]:
            # "tenant_command --all showmigrations app": the first positional is the command.
            name, rest = tenant, [a for a in (command_name,) if a] + command_args
            load_command(name)
            units = lambda: tenant_units(selected_tenants(options))  # noqa: E731
            run_fleet(self, units, "command", {"command": name, "args": rest}, options)
            return
        if command_name is None:
            raise CommandError("Name the command to run: tenant_command <tenant> <command> [args ...]")
        the_tenant = tenant_or_command_error(tenant)
        command = load_command(command_name)
        extra: dict[str, Any] = {}
        has_database = any(a.dest == "database" for a in command.create_parser("", command_name)._actions)
        if has_database and not any(a == "--database" or a.startswith("--database=") for a in command_args):
            extra["database"] = the_tenant.alias
        with tenant_context(the_tenant):
            call_command(command, *command_args, **extra)
