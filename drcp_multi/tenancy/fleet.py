"""Work over a fleet of tenants: which schemas to migrate, migrating one, running a command as one.

A **unit** is one schema to bring to the target state: a DATABASES alias, and the tenant whose context
the migration runs in. In mode "alias" every tenant on its own alias is a unit of its own (its own user,
schema and DRCP class); tenants that share an alias (modes "pool_per_tenant" and "shared_pool", or
tenants naming one alias) share one unit that runs once, with no tenant, under the alias's own class.
The shared apps (``SHARED_APPS``) migrate once on ``SHARED_ALIAS``, before any tenant unit.

:func:`run_unit` is what every executor runs, in whatever process (the command's, a forked worker, a
Celery worker): it reads ``django_migrations`` first, and a unit already at the target is left alone
(status ``up-to-date``: no DDL), so a re-run after a failure or an interruption only does what is left.
Oracle DDL is not transactional: a unit killed with SIGKILL in the middle of a migration can leave that
one schema part-way (see docs/operations.md); other units are never touched by it.
"""

from __future__ import annotations

import fnmatch
import io
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from drcp_multi.conf import shared_alias, tenancy_mode
from drcp_multi.registry import get_registry
from drcp_multi.tenancy.catalog import (
    Tenant,
    get_catalog,
)
from drcp_multi.tenancy.context import tenant_context

Status = Literal["migrated", "up-to-date", "done", "failed", "not run"]
SHARED = "(shared)"  # the label of the shared apps' unit in results and tables


@dataclass(frozen=True)
class MigrationUnit:
    """One schema to migrate: ``alias``, the tenant to run as (None: no tenant), the tenants it serves."""

    alias: str
    tenant: str | None
    tenants: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.tenant or (SHARED if not self.tenants else f"{self.alias} ({len(self.tenants)} tenants)")

    def to_dict(self) -> dict[str, Any]:
        return {"alias": self.alias, "tenant": self.tenant, "tenants": list(self.tenants)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MigrationUnit:
        return cls(alias=data["alias"], tenant=data["tenant"], tenants=tuple(data["tenants"]))


@dataclass
class UnitResult:
    """What happened to one unit; plain data, so it crosses process and Celery boundaries as a dict."""

    unit: MigrationUnit
    status: Status
    applied: list[str] = field(default_factory=list)  # "app.migration" names applied by this run
    seconds: float = 0.0
    error: str | None = None
    pid: int | None = None
    output: str = ""  # what a command printed (jobs "command"); empty for migrations

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unit"] = self.unit.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UnitResult:
        return cls(**{**data, "unit": MigrationUnit.from_dict(data["unit"])})


@dataclass(frozen=True)
class Selection:
    """Which tenants: ``names`` (exact), ``patterns`` (fnmatch globs), ``since`` (created at or after)."""

    names: Sequence[str] = ()
    patterns: Sequence[str] = ()
    since: datetime | None = None
    include_disabled: bool = False

    def select(self, tenants: Iterable[Tenant]) -> list[Tenant]:
        known = {t.name: t for t in tenants}
        missing = [n for n in self.names if n not in known]
        if missing:
            raise LookupError(f"unknown tenant(s): {', '.join(missing)}")
        chosen = []
        for tenant in known.values():
            if not tenant.enabled and not self.include_disabled:
                continue
            if (self.names or self.patterns) and not (
                tenant.name in self.names or any(fnmatch.fnmatchcase(tenant.name, p) for p in self.patterns)
            ):
                continue
            if self.since is not None and (
                tenant.created is None or _naive(tenant.created) < _naive(self.since)
            ):
                continue
            chosen.append(tenant)
        return sorted(chosen, key=lambda t: t.name)


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def shared_unit() -> MigrationUnit:
    """The shared apps' migration: ``SHARED_ALIAS``, no tenant."""
    return MigrationUnit(alias=shared_alias(), tenant=None, tenants=())


def plan_units(tenants: Sequence[Tenant], *, shared: bool = True) -> list[MigrationUnit]:
    """The units for ``tenants``: the shared apps' unit first (if ``shared``), then one per schema.

    A tenant alone on its alias in mode "alias" runs as itself; tenants sharing an alias are one unit run
    with no tenant (the shared alias's group finds its tables already done by the shared unit).
    """
    alias_mode = tenancy_mode() == "alias"
    shared_schema_alias = shared_alias()
    by_alias: dict[str, list[Tenant]] = {}
    for tenant in tenants:
        by_alias.setdefault(tenant.alias, []).append(tenant)
    units = [shared_unit()] if shared else []
    for alias, group in by_alias.items():
        names = tuple(t.name for t in group)
        own_schema = alias_mode and len(group) == 1 and alias != shared_schema_alias
        units.append(MigrationUnit(alias=alias, tenant=names[0] if own_schema else None, tenants=names))
    return units


def select_units(selection: Selection, *, shared: bool = True) -> list[MigrationUnit]:
    """:func:`plan_units` for the catalog's tenants chosen by ``selection``."""
    return plan_units(selection.select(get_catalog().all()), shared=shared)


def unit_tenant(unit: MigrationUnit) -> Tenant | None:
    """The Tenant a unit runs as, disabled ones included (a disabled tenant's schema still migrates when
    selected); LookupError if the catalog no longer knows it."""
    if unit.tenant is None:
        return None
    tenant = get_catalog().lookup(unit.tenant)
    if tenant is None:
        raise LookupError(f"tenant {unit.tenant!r} is not in the catalog any more")
    return tenant


def pending_migrations(
    alias: str, app_label: str | None = None, migration_name: str | None = None
) -> list[str]:
    """The migrations ``migrate [app_label [migration_name]]`` would apply or unapply on ``alias``, read
    from its django_migrations (a missing table: everything is pending)."""
    executor = MigrationExecutor(connections[alias])
    graph = executor.loader.graph
    targets: list[tuple[str, str | None]]
    if app_label is None:
        targets = list(graph.leaf_nodes())
    elif migration_name is None:
        targets = [node for node in graph.leaf_nodes() if node[0] == app_label]
    elif migration_name == "zero":
        targets = [(app_label, None)]
    else:
        targets = [(app_label, executor.loader.get_migration_by_prefix(app_label, migration_name).name)]
    plan = executor.migration_plan(targets)
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def run_unit(
    unit: MigrationUnit,
    *,
    app_label: str | None = None,
    migration_name: str | None = None,
    fake: bool = False,
    verbosity: int = 0,
    close_pools: bool = True,
) -> UnitResult:
    """Bring one unit to the target (every app's latest migration by default); never raises.

    Runs ``migrate --database <alias>`` in ``tenant_context(unit.tenant)`` only when django_migrations
    says something is pending, and gives the connection back to its pool whatever happens.
    """
    started = time.monotonic()
    pid = os.getpid()
    try:
        with tenant_context(unit_tenant(unit)):
            try:
                pending = pending_migrations(unit.alias, app_label, migration_name)
                if not pending:
                    return UnitResult(unit, "up-to-date", seconds=time.monotonic() - started, pid=pid)
                args = [a for a in (app_label, migration_name) if a is not None]
                call_command(
                    "migrate",
                    *args,
                    database=unit.alias,
                    interactive=False,
                    fake=fake,
                    verbosity=verbosity,
                    skip_checks=True,
                    stdout=io.StringIO(),
                )
                return UnitResult(unit, "migrated", pending, seconds=time.monotonic() - started, pid=pid)
            finally:
                connections[unit.alias].close()
                if close_pools:  # a fleet run visits each schema once: keep no pool (and thread) per tenant
                    get_registry().close(unit.alias)
    except Exception as exc:  # one unit's failure is its row in the table, never the fleet's
        message = f"{type(exc).__name__}: {exc}".strip()
        return UnitResult(unit, "failed", seconds=time.monotonic() - started, error=message, pid=pid)


def tenant_units(tenants: Sequence[Tenant]) -> list[MigrationUnit]:
    """One unit per tenant, run as that tenant (for commands other than migrate)."""
    return [MigrationUnit(alias=t.alias, tenant=t.name, tenants=(t.name,)) for t in tenants]


def run_command_unit(unit: MigrationUnit, *, command: str, args: Sequence[str] = ()) -> UnitResult:
    """``call_command(command, *args)`` as the unit's tenant (its alias given to a ``--database`` option
    unless ``args`` names one); never raises: a failure is the result's ``error``."""
    started = time.monotonic()
    out = io.StringIO()
    try:
        with tenant_context(unit_tenant(unit)):
            try:
                command_obj = load_command(command)
                extra: dict[str, Any] = {}
                parser = command_obj.create_parser("", command)
                has_database = any(a.dest == "database" for a in parser._actions)
                if has_database and not any(a == "--database" or a.startswith("--database=") for a in args):
                    extra["database"] = unit.alias
                call_command(command_obj, *args, stdout=out, stderr=out, **extra)
            finally:
                connections[unit.alias].close()
    except (Exception, SystemExit) as exc:
        return UnitResult(
            unit,
            "failed",
            seconds=time.monotonic() - started,
            error=f"{type(exc).__name__}: {exc}".strip(),
            pid=os.getpid(),
            output=out.getvalue(),
        )
    return UnitResult(
        unit, "done", seconds=time.monotonic() - started, pid=os.getpid(), output=out.getvalue()
    )


def load_command(name: str) -> BaseCommand:
    """The management command ``name``; CommandError if there is none."""
    try:
        app_name = get_commands()[name]
    except KeyError:
        raise CommandError(f"Unknown command: {name!r}") from None
    return app_name if isinstance(app_name, BaseCommand) else load_command_class(app_name, name)


def run_job(job: str, unit: MigrationUnit, options: dict[str, Any]) -> UnitResult:
    """Run the job named ``job`` ("migrate" or "command") on ``unit``: what every executor calls, in
    whatever process. Only these two names are accepted, so a queued message can name no other code."""
    if job == "migrate":
        return run_unit(unit, **options)
    if job == "command":
        return run_command_unit(unit, **options)
    raise ValueError(f"unknown job {job!r}: expected 'migrate' or 'command'")
