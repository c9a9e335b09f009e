"""``manage.py tenant_command <tenant> <command> [args …]``: run any command as one tenant."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import BaseCommand, CommandError, CommandParser

from drcp_multi.tenancy.commands import tenant_or_command_error
from drcp_multi.tenancy.context import tenant_context


class Command(BaseCommand):
    help = (
        "Run a management command as a tenant: its queries use the tenant's alias and DRCP connection "
        "class. A command with a --database option gets the tenant's alias unless you pass one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tenant", help="Tenant name.")
        parser.add_argument("command_name", help="The command to run, e.g. migrate.")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, help="Its arguments.")

    def handle(
        self, *args: Any, tenant: str, command_name: str, command_args: list[str], **options: Any
    ) -> None:
        the_tenant = tenant_or_command_error(tenant)
        try:
            app_name = get_commands()[command_name]
        except KeyError:
            raise CommandError(f"Unknown command: {command_name!r}") from None
        command = (
            app_name if isinstance(app_name, BaseCommand) else load_command_class(app_name, command_name)
        )
        extra: dict[str, Any] = {}
        has_database = any(a.dest == "database" for a in command.create_parser("", command_name)._actions)
        if has_database and not any(a == "--database" or a.startswith("--database=") for a in command_args):
            extra["database"] = the_tenant.alias
        with tenant_context(the_tenant):
            call_command(command, *command_args, **extra)
