"""``manage.py tenants list|add|enable|disable|remove``: the tenant catalog from the command line."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from drcp_multi.tenancy.catalog import (
    CatalogReadOnly,
    InvalidTenantName,
    StaticCatalog,
    Tenant,
    UnknownTenant,
    get_catalog,
)


class Command(BaseCommand):
    help = (
        "List the tenants, or add, enable, disable or remove one. Writes need a persistent catalog "
        "(DRCP_MULTI['TENANT_CATALOG'] pointing to a model); disabling or removing a tenant closes its "
        "pools here, and in running servers when their catalog cache expires."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List tenants.")
        listing.add_argument("--json", action="store_true", help="One JSON document.")
        add = sub.add_parser("add", help="Add a tenant; its pool is made on first use.")
        add.add_argument("name")
        add.add_argument("--alias")
        add.add_argument("--cclass")
        add.add_argument("--purity", choices=("self", "new", "default"))
        add.add_argument("--max-busy", type=int, dest="max_busy")
        for action in ("enable", "disable", "remove"):
            sub.add_parser(action, help=f"{action.capitalize()} a tenant.").add_argument("name")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        catalog = get_catalog()
        if action == "list":
            self._list(catalog.all(), as_json=options["json"])
            return
        if not catalog.persistent:
            # A change would last as long as this short-lived process: say so instead of pretending.
            where = "DRCP_MULTI['TENANTS']" if isinstance(catalog, StaticCatalog) else type(catalog).__name__
            raise CommandError(
                f"The tenant catalog ({where}) cannot be changed from here: edit it there, or set "
                "DRCP_MULTI['TENANT_CATALOG'] to a model to manage tenants with this command."
            )
        name = options["name"]
        try:
            if action == "add":
                spec = {k: options[k] for k in ("alias", "cclass", "purity", "max_busy") if options[k]}
                tenant = catalog.add(name, **spec)
                self.stdout.write(
                    f"added tenant {tenant.name} (alias {tenant.alias}, cclass {tenant.cclass})"
                )
            elif action in ("enable", "disable"):
                catalog.set_enabled(name, action == "enable")
                self.stdout.write(f"{action}d tenant {name}")
            else:
                catalog.remove(name)
                self.stdout.write(f"removed tenant {name}")
        except (CatalogReadOnly, InvalidTenantName, UnknownTenant, ValueError) as exc:
            raise CommandError(str(exc)) from exc

    def _list(self, tenants: list[Tenant], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps([asdict(t) for t in tenants], indent=2, default=str))
            return
        self.stdout.write(f"{'NAME':24} {'ALIAS':12} {'CCLASS':28} {'PURITY':6} {'MAX_BUSY':8} ENABLED")
        for t in tenants:
            self.stdout.write(
                f"{t.name:24} {t.alias:12} {t.cclass:28} {t.purity if t.purity is not None else '-'!s:6} "
                f"{t.max_busy if t.max_busy is not None else '-'!s:8} {'yes' if t.enabled else 'no'}"
            )
