"""``manage.py migrate_tenants [app_label [migration_name]]``: migrate every tenant (or a selection).

The shared apps migrate once on SHARED_ALIAS; then each tenant schema (mode "alias": one per tenant, as
that tenant; shared-schema modes: each shared alias once) with the chosen executor. A tenant already at
the target state (read from its django_migrations) is skipped, so a re-run retries only what failed or
did not run. Exit code 1 when any failed or did not run.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from drcp_multi.tenancy.fleet import plan_units, shared_unit
from drcp_multi.tenancy.fleet_command import add_fleet_arguments, run_fleet, selected_tenants


class Command(BaseCommand):
    help = "Migrate every tenant's schema (or a selection): sequentially, in worker processes or on Celery."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("app_label", nargs="?", help="Only this app (as migrate's app_label).")
        parser.add_argument("migration_name", nargs="?", help="Up or down to this migration ('zero' too).")
        add_fleet_arguments(parser)
        parser.add_argument("--fake", action="store_true", help="Record the migrations without running them.")
        parser.add_argument(
            "--no-shared",
            action="store_true",
            help="Skip the shared apps' migration on SHARED_ALIAS (the tenants' schemas only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        job_options = {
            "app_label": options["app_label"],
            "migration_name": options["migration_name"],
            "fake": options["fake"],
        }
        run_fleet(
            self,
            lambda: plan_units(selected_tenants(options), shared=False),
            "migrate",
            job_options,
            options,
            first=None if options["no_shared"] else shared_unit(),
        )
