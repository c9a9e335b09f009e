"""``manage.py tenants list|add|enable|disable|remove|create|delete|clone|createsuperuser``: the tenant
catalog and the tenant lifecycle (drcp_multi.tenancy.lifecycle) from the command line."""

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
from drcp_multi.tenancy.lifecycle import (
    LifecycleError,
    clone_tenant,
    create_tenant,
    create_tenant_superuser,
    delete_tenant,
    disable_tenant,
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
        create = sub.add_parser("create", help="Add a tenant, optionally create its Oracle user, migrate it.")
        create.add_argument("name")
        create.add_argument("--alias")
        create.add_argument("--cclass")
        self._schema_options(create)
        create.add_argument("--no-migrate", action="store_true", help="Do not migrate its schema.")
        clone = sub.add_parser("clone", help="A new tenant with a copy of another's rows (mode 'alias').")
        clone.add_argument("source")
        clone.add_argument("name")
        clone.add_argument("--alias")
        self._schema_options(clone)
        delete = sub.add_parser("delete", help="Remove a tenant; --drop-schema also drops its Oracle user.")
        delete.add_argument("name")
        delete.add_argument(
            "--drop-schema", action="store_true", help="DROP USER … CASCADE: its data is gone."
        )
        delete.add_argument("--admin-database", dest="admin_alias")
        delete.add_argument("--noinput", "--no-input", dest="interactive", action="store_false")
        superuser = sub.add_parser("createsuperuser", help="createsuperuser as the tenant.")
        superuser.add_argument("name")
        superuser.add_argument("--username")
        superuser.add_argument("--email")
        superuser.add_argument("--noinput", "--no-input", dest="interactive", action="store_false")

    @staticmethod
    def _schema_options(parser: CommandParser) -> None:
        parser.add_argument(
            "--create-schema",
            action="store_true",
            help="Mode 'alias': create the alias's USER from DRCP_MULTI['TENANT_SCHEMA_TEMPLATE'] first.",
        )
        parser.add_argument(
            "--admin-database", dest="admin_alias", help="Overrides DRCP_MULTI['ADMIN_ALIAS']."
        )
        parser.add_argument("--tablespace", help="Overrides DRCP_MULTI['TENANT_TABLESPACE'] ('USERS').")

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
            elif action == "enable":
                catalog.set_enabled(name, True)
                self.stdout.write(f"enabled tenant {name}")
            elif action == "disable":
                disable_tenant(name)
                self.stdout.write(f"disabled tenant {name}")
            elif action == "remove":
                catalog.remove(name)
                self.stdout.write(f"removed tenant {name}")
            else:
                self._lifecycle(action, name, options)
        except (CatalogReadOnly, InvalidTenantName, UnknownTenant, LifecycleError, ValueError) as exc:
            raise CommandError(str(exc)) from exc

    def _lifecycle(self, action: str, name: str, options: dict[str, Any]) -> None:
        schema = {k: options[k] for k in ("create_schema", "admin_alias", "tablespace") if options.get(k)}
        if action == "create":
            spec = {k: options[k] for k in ("alias", "cclass") if options[k]}
            tenant, result = create_tenant(name, migrate=not options["no_migrate"], **schema, **spec)
            self.stdout.write(
                f"created tenant {tenant.name} (alias {tenant.alias}, cclass {tenant.cclass}"
                + (", schema created" if options["create_schema"] else "")
                + (f", migration {result.status}" if result else "")
                + ")"
            )
            if result is not None and result.status == "failed":
                raise CommandError(f"tenant {name} was added but its migration failed: {result.error}")
        elif action == "clone":
            spec = {k: options[k] for k in ("alias",) if options[k]}
            tenant = clone_tenant(options["source"], name, **schema, **spec)
            self.stdout.write(f"cloned tenant {options['source']} as {tenant.name}")
        elif action == "delete":
            what = f"tenant {name}" + (
                " and DROP its Oracle user with all its data" if options["drop_schema"] else ""
            )
            if (
                options["interactive"]
                and input(f"Delete {what}? Type the tenant's name to confirm: ") != name
            ):
                raise CommandError("Not confirmed: nothing deleted.")
            delete_tenant(name, drop_schema=options["drop_schema"], admin_alias=options.get("admin_alias"))
            self.stdout.write(f"deleted {what}")
        else:
            fields = {k: options[k] for k in ("username", "email") if options[k]}
            create_tenant_superuser(name, interactive=options["interactive"], **fields)

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
