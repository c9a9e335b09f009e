"""The tenant lifecycle: create (optionally with its Oracle user), migrate, disable, delete, clone, and a
tenant superuser. The ``tenants`` command calls these; each sends its signal from drcp_multi.signals.

Creating a schema (mode "alias") runs ``DRCP_MULTI["TENANT_SCHEMA_TEMPLATE"]`` (default:
:data:`DEFAULT_SCHEMA_TEMPLATE`, the privileges Django's own Oracle test user gets) on ``ADMIN_ALIAS``, a
DATABASES alias whose user may ``CREATE USER``. The user and password are the tenant alias's ``USER`` and
``PASSWORD``; every value put into the SQL is checked against a strict pattern first (identifiers:
:data:`drcp_multi.validation.ORACLE_IDENTIFIER_PATTERN`; the password may not hold a double quote or a
control character).
"""

from __future__ import annotations

import functools
import io
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections, router

from drcp_multi.backends.oracle.user_sessions import USER_CONNECTED, drop_ending_sessions
from drcp_multi.conf import drcp_setting, shared_alias, tenancy_mode
from drcp_multi.routers import shared_apps
from drcp_multi.signals import tenant_created, tenant_deleted, tenant_migrated
from drcp_multi.tenancy.catalog import Tenant, get_catalog
from drcp_multi.tenancy.context import tenant_context
from drcp_multi.tenancy.fleet import UnitResult, plan_units, run_unit
from drcp_multi.validation import validate_oracle_identifier

# Inside IDENTIFIED BY "…": printable characters but the double quote (which would end the literal).
_PASSWORD_RE = re.compile(r'[^"\x00-\x1f\x7f]{1,1024}')

DEFAULT_SCHEMA_TEMPLATE: tuple[str, ...] = (
    'CREATE USER {user} IDENTIFIED BY "{password}" DEFAULT TABLESPACE {tablespace} '
    "QUOTA UNLIMITED ON {tablespace}",
    "GRANT CREATE SESSION, CREATE TABLE, CREATE SEQUENCE, CREATE PROCEDURE, CREATE TRIGGER, "
    "CREATE VIEW TO {user}",
)
DEFAULT_DROP_TEMPLATE: tuple[str, ...] = ("DROP USER {user} CASCADE",)


class LifecycleError(RuntimeError):
    """A lifecycle step cannot be done as asked; the message names the setting or option and the fix."""


def oracle_identifier(value: object, what: str) -> str:
    """``value`` if it is a plain Oracle identifier; LifecycleError naming ``what`` otherwise."""
    try:
        return validate_oracle_identifier(value, what)
    except ValueError as exc:
        raise LifecycleError(str(exc)) from None


def schema_parameters(
    alias: str, tablespace: str | None = None, databases: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, str]:
    """The validated values a schema template may use: ``user``, ``password``, ``tablespace``, from
    ``databases`` (default: settings.DATABASES)."""
    entry = (settings.DATABASES if databases is None else databases).get(alias)
    if entry is None:
        raise LifecycleError(
            f"DATABASES has no alias {alias!r}: in mode 'alias' each tenant needs one (its USER is the "
            "schema to create); add it to DATABASES first"
        )
    password = entry.get("PASSWORD")
    if not isinstance(password, str) or not _PASSWORD_RE.fullmatch(password):
        # Never echo the password itself.
        raise LifecycleError(
            f"DATABASES[{alias!r}]['PASSWORD'] cannot be used in CREATE USER: it must be 1-1024 printable "
            'characters without a double quote (")'
        )
    return {
        "user": oracle_identifier(entry.get("USER"), f"DATABASES[{alias!r}]['USER']"),
        "password": password,
        "tablespace": oracle_identifier(
            tablespace or (drcp_setting("TENANT_TABLESPACE") or "USERS"), "DRCP_MULTI['TENANT_TABLESPACE']"
        ),
    }


def _template(key: str, default: Sequence[str]) -> list[str]:
    template = drcp_setting(key)
    if template is None:
        return list(default)
    if isinstance(template, str) or not all(isinstance(s, str) for s in template):
        raise LifecycleError(f"DRCP_MULTI[{key!r}] must be a list of SQL statements (strings)")
    return list(template)


def _admin_alias(admin_alias: str | None) -> str:
    alias = admin_alias or drcp_setting("ADMIN_ALIAS")
    if alias is None:
        raise LifecycleError(
            "Creating or dropping a tenant's Oracle user needs an administrator connection: set "
            "DRCP_MULTI['ADMIN_ALIAS'] to a DATABASES alias whose user may CREATE USER (or pass "
            "--admin-database)"
        )
    if alias not in settings.DATABASES:
        raise LifecycleError(f"DRCP_MULTI['ADMIN_ALIAS'] is {alias!r}, which is not in DATABASES")
    return str(alias)


def run_schema_template(statements: Sequence[str], parameters: Mapping[str, str], admin_alias: str) -> None:
    """Run each statement with the validated ``parameters`` filled in, on ``admin_alias`` (no tenant).

    A statement refused with ORA-01940 (``DROP USER`` while the user has sessions: on Oracle those its
    pools released stay cached in the DRCP pool) is run again after the user's sessions are killed
    (V$SESSION + ALTER SYSTEM KILL SESSION … IMMEDIATE)."""
    with tenant_context(None):
        connection = connections[admin_alias]
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    try:
                        sql = statement.format(**parameters)
                    except (KeyError, IndexError) as exc:
                        raise LifecycleError(
                            f"schema template statement {statement!r} uses {exc}, which is not one of "
                            "{user}, {password}, {tablespace}"
                        ) from None
                    drop_ending_sessions(
                        functools.partial(cursor.execute, sql),
                        cursor,
                        parameters.get("user", "").upper(),
                        explain=lambda exc: _still_connected(parameters.get("user", ""), admin_alias, exc),
                    )
        finally:
            connection.close()


def _still_connected(user: str, admin_alias: str, exc: Exception) -> LifecycleError:
    return LifecycleError(
        f"cannot drop Oracle user {user}: it still has sessions ({USER_CONNECTED}; on Oracle, those its "
        f"pools released stay cached in the DRCP pool) and ending them failed: {exc}. Give the user of "
        f"DATABASES[{admin_alias!r}] (ADMIN_ALIAS) SELECT ON V_$SESSION and ALTER SYSTEM so the sessions "
        "can be killed, or end them yourself (ALTER SYSTEM KILL SESSION 'sid,serial#' IMMEDIATE for the "
        f"rows of V$SESSION WHERE USERNAME = '{user.upper()}') and run the delete again"
    )


def create_tenant(
    name: str,
    *,
    create_schema: bool = False,
    migrate: bool = True,
    admin_alias: str | None = None,
    tablespace: str | None = None,
    **spec: Any,
) -> tuple[Tenant, UnitResult | None]:
    """Add ``name`` to the catalog; with ``create_schema`` (mode "alias") first create its Oracle user
    from the template; with ``migrate`` bring its schema to the latest migrations. Sends
    ``tenant_created``. Returns the tenant and the migration's result (None when not migrated)."""
    catalog = get_catalog()
    if catalog.lookup(name) is not None:
        raise LifecycleError(f"tenant {name!r} already exists")
    if create_schema:
        if tenancy_mode() != "alias":
            raise LifecycleError(
                "--create-schema needs DRCP_MULTI['TENANCY_MODE'] = 'alias' (a schema per tenant); in "
                f"{tenancy_mode()!r} tenants share TENANT_ALIAS's schema"
            )
        alias = str(spec.get("alias") or name)
        parameters = schema_parameters(alias, tablespace)
        run_schema_template(
            _template("TENANT_SCHEMA_TEMPLATE", DEFAULT_SCHEMA_TEMPLATE),
            parameters,
            _admin_alias(admin_alias),
        )
    tenant = catalog.add(name, **spec)
    tenant_created.send(sender=Tenant, tenant=tenant, schema_created=create_schema)
    result = migrate_tenant(tenant) if migrate else None
    return tenant, result


def migrate_tenant(tenant: Tenant) -> UnitResult:
    """Migrate the one schema ``tenant`` uses (its own in mode "alias"), without the shared apps; sends
    ``tenant_migrated`` unless it failed."""
    result = run_unit(plan_units([tenant], shared=False)[0])
    if result.status != "failed":
        tenant_migrated.send(sender=Tenant, tenant=tenant, executor="sequential", result=result)
    return result


def disable_tenant(name: str) -> Tenant:
    """Disable (requests get 404, its pools close: the catalog sends ``tenant_disabled``)."""
    return get_catalog().set_enabled(name, False)


def delete_tenant(name: str, *, drop_schema: bool = False, admin_alias: str | None = None) -> Tenant:
    """Remove from the catalog (closing its pools); with ``drop_schema`` (mode "alias") also
    ``DROP USER … CASCADE`` its schema: its data is gone. Sends ``tenant_deleted``."""
    catalog = get_catalog()
    tenant = catalog.lookup(name)
    if tenant is None:
        raise LifecycleError(f"unknown tenant {name!r}")
    parameters: dict[str, str] = {}
    if drop_schema:
        if tenancy_mode() != "alias" or tenant.alias == shared_alias():
            raise LifecycleError(
                f"tenant {name!r} has no schema of its own to drop (mode {tenancy_mode()!r}, alias "
                f"{tenant.alias!r}): delete it without --drop-schema"
            )
        parameters = schema_parameters(tenant.alias)
        admin = _admin_alias(admin_alias)
    catalog.remove(name)  # closes its pools here first: DRCP refuses to drop a user with pooled sessions
    connections[tenant.alias].close()
    if drop_schema:
        run_schema_template(_template("TENANT_DROP_TEMPLATE", DEFAULT_DROP_TEMPLATE), parameters, admin)
    tenant_deleted.send(sender=Tenant, tenant=tenant, dropped_schema=drop_schema)
    return tenant


def clone_tenant(
    source: str,
    name: str,
    *,
    create_schema: bool = False,
    admin_alias: str | None = None,
    **spec: Any,
) -> Tenant:
    """A new tenant ``name`` with a copy of ``source``'s rows (mode "alias" only: each tenant has its own
    schema). Creates and migrates it, then ``dumpdata`` as the source and ``loaddata`` as the new tenant
    (Django's own serializers: primary keys kept, so relations hold, and sequences reset)."""
    if tenancy_mode() != "alias":
        raise LifecycleError(
            f"clone needs DRCP_MULTI['TENANCY_MODE'] = 'alias': in {tenancy_mode()!r} tenants share "
            "tables, and a copy of a tenant's rows would need each model's tenant column rewritten"
        )
    source_tenant = get_catalog().get(source)
    tenant, result = create_tenant(name, create_schema=create_schema, admin_alias=admin_alias, **spec)
    if result is not None and result.status == "failed":
        raise LifecycleError(f"tenant {name!r} was created but its migration failed: {result.error}")
    tenant_apps = _tenant_app_labels()
    dump = io.StringIO()
    with tenant_context(source_tenant):
        try:
            call_command("dumpdata", *tenant_apps, database=source_tenant.alias, stdout=dump)
        finally:
            connections[source_tenant.alias].close()
    fixture = _write_fixture(dump.getvalue())
    try:
        with tenant_context(tenant):
            try:
                call_command("loaddata", fixture, database=tenant.alias, verbosity=0)
            finally:
                connections[tenant.alias].close()
    finally:
        _remove(fixture)
    return tenant


def _tenant_app_labels() -> list[str]:
    shared = shared_apps()
    return [c.label for c in apps.get_app_configs() if c.label not in shared and c.models_module is not None]


def _write_fixture(text: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        handle.write(text)
        return handle.name


def _remove(path: str) -> None:
    os.unlink(path)


def create_tenant_superuser(name: str, **fields: Any) -> None:
    """``createsuperuser`` as the tenant, on the alias its user model lives on (the shared alias when auth
    is a shared app); ``fields`` are createsuperuser's options (username, email, interactive …)."""
    tenant = get_catalog().get(name)
    with tenant_context(tenant):
        alias = router.db_for_write(get_user_model())
        try:
            call_command("createsuperuser", database=alias, **fields)
        finally:
            connections[alias].close()
