"""``manage.py all_tenants_command [selection] <command> [args …]``: run a command as every tenant.

Each tenant runs it in its own ``tenant_context`` (its alias and DRCP class; a ``--database`` option gets
the tenant's alias), with the executors and selection of ``migrate_tenants``. Exit code 1 if any failed.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from drcp_multi.tenancy.fleet import load_command, tenant_units
from drcp_multi.tenancy.fleet_command import add_fleet_arguments, run_fleet, selected_tenants


class Command(BaseCommand):
    help = "Run a management command once per tenant, as that tenant."

    def add_arguments(self, parser: CommandParser) -> None:
        add_fleet_arguments(parser)
        parser.add_argument("--show-output", action="store_true", help="Print each tenant's output.")
        parser.add_argument("command_name", help="The command to run, e.g. clearsessions.")
        parser.add_argument("command_args", nargs=argparse.REMAINDER, help="Its arguments.")

    def handle(self, *args: Any, command_name: str, command_args: list[str], **options: Any) -> None:
        load_command(command_name)  # an unknown command fails here, not once per tenant
        job_options = {"command": command_name, "args": command_args}
        units = lambda: tenant_units(selected_tenants(options))  # noqa: E731
        run_fleet(self, units, "command", job_options, options, show_output=options["show_output"])
