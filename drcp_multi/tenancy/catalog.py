"""The tenant catalog: tenant name -> alias, DRCP connection class, purity and quota.

Static from ``DRCP_MULTI["TENANTS"]``, or dynamic from ``DRCP_MULTI["TENANT_CATALOG"]``: a dotted path to a
:class:`TenantCatalog` (class or instance), a model (``"app.Model"``), or a callable ``name -> Tenant |
mapping | None``. A tenant the catalog starts knowing at runtime gets its pool on first use (the registry
creates pools lazily); disabling or removing one sends :data:`drcp_multi.signals.tenant_disabled`, to which
the app config connects the registry (its pools close): the catalog knows nothing of pools.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from drcp_multi.conf import (
    cclass_prefix,
    default_cclass,
    parse_purity,
    shared_alias,
    tenancy_mode,
    tenant_alias,
    tenant_catalog,
    tenants,
)
from drcp_multi.exceptions import CatalogReadOnly, InvalidTenantName, UnknownTenant
from drcp_multi.signals import tenant_disabled
from drcp_multi.tenant import Tenant
from drcp_multi.validation import validate_cclass, validate_identifier

TENANT_FIELDS = ("alias", "cclass", "purity", "max_busy", "enabled", "created")

__all__ = [
    "CachedCatalog",
    "CallableCatalog",
    "CatalogReadOnly",
    "InvalidTenantName",
    "ModelCatalog",
    "StaticCatalog",
    "Tenant",
    "TenantCatalog",
    "UnknownTenant",
    "build_tenant",
    "get_catalog",
    "get_tenant",
    "load_catalog",
    "reset_catalog",
]


def _parse_purity(value: Any) -> int | None:
    return None if value is None else int(parse_purity(value))


def _default_cclass(name: str, alias: str) -> str:
    # Mode "alias", a tenant on its own alias: the alias's own class (OPTIONS["cclass"] or the core's
    # default for it), so the registry never asks that pool for another class per acquire. Tenants that
    # share an alias get a class each, so their sessions still never mix.
    if alias == name and tenancy_mode() == "alias":
        entry: dict[str, Any] = settings.DATABASES.get(alias) or {}
        cclass = (entry.get("OPTIONS") or {}).get("cclass")
        return str(cclass or default_cclass(alias))
    return f"{cclass_prefix()}{name}"


def _parse_created(name: str, value: Any) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"tenant {name!r}: created must be a datetime, a date or ISO 8601 text: {value!r}")


def build_tenant(name: str, spec: Mapping[str, Any] | None = None) -> Tenant:
    """A validated :class:`Tenant` from a name and a settings-style mapping.

    Defaults: ``alias`` is the tenant's name in mode "alias" and ``TENANT_ALIAS`` otherwise; ``cclass`` is
    ``CCLASS_PREFIX + name``, except for a tenant on its own alias in mode "alias", which keeps the alias's
    class. Raises :class:`InvalidTenantName` for a bad name or cclass, and ValueError for unknown keys, a
    bad purity or a bad ``max_busy``.
    """
    spec = dict(spec or {})
    alias = str(spec.get("alias") or (name if tenancy_mode() == "alias" else tenant_alias()))
    unknown = set(spec) - set(TENANT_FIELDS) - {"name"}
    if unknown:
        raise ValueError(f"tenant {name!r}: unknown keys {sorted(unknown)}; allowed: {TENANT_FIELDS}")
    try:
        validate_identifier(name)
        cclass = spec.get("cclass") or _default_cclass(name, alias)
        validate_cclass(cclass)
    except ValueError as exc:
        raise InvalidTenantName(str(exc)) from None
    max_busy = spec.get("max_busy")
    if max_busy is not None and (not isinstance(max_busy, int) or isinstance(max_busy, bool) or max_busy < 1):
        raise ValueError(f"tenant {name!r}: max_busy must be a positive integer or None, not {max_busy!r}")
    return Tenant(
        name=name,
        alias=alias,
        cclass=cclass,
        purity=_parse_purity(spec.get("purity")),
        max_busy=max_busy,
        enabled=bool(spec.get("enabled", True)),
        created=_parse_created(name, spec.get("created")),
    )


def _as_tenant(name: str, value: Tenant | Mapping[str, Any] | None) -> Tenant | None:
    if value is None or isinstance(value, Tenant):
        return value
    return build_tenant(name, value)


def announce_tenant_gone(tenant: Tenant) -> None:
    """Tell every listener the tenant is gone: the registry drains and closes its pools in this process
    (busy connections finish first)."""
    tenant_disabled.send(sender=TenantCatalog, tenant=tenant)


class TenantCatalog:
    """Base class: subclass and override :meth:`lookup` and :meth:`all` (and the writers, if it can change).

    ``get()`` is what callers use: it validates the name and hides disabled tenants. ``async_safe`` says
    that :meth:`lookup` never does I/O, so the async middleware may call it on the event loop;
    ``persistent`` that the writers outlive the process (so ``manage.py tenants add`` makes sense).
    """

    async_safe = False
    persistent = False

    def lookup(self, name: str) -> Tenant | None:
        raise NotImplementedError

    def all(self) -> list[Tenant]:
        """Every tenant known, disabled ones included (for listings and ``allow_migrate``)."""
        raise NotImplementedError

    def get(self, name: str) -> Tenant:
        """The enabled tenant ``name``; raises InvalidTenantName or UnknownTenant."""
        try:
            validate_identifier(name)
        except ValueError as exc:
            raise InvalidTenantName(str(exc)) from None
        tenant = self.lookup(name)
        if tenant is None or not tenant.enabled:
            raise UnknownTenant(name)
        return tenant

    # Writers: persistent for a model catalog, in-process only for the static one.
    def add(self, name: str, **spec: Any) -> Tenant:
        raise CatalogReadOnly(f"{type(self).__name__} cannot add tenants")

    def set_enabled(self, name: str, enabled: bool) -> Tenant:
        raise CatalogReadOnly(f"{type(self).__name__} cannot enable or disable tenants")

    def remove(self, name: str) -> None:
        raise CatalogReadOnly(f"{type(self).__name__} cannot remove tenants")


class StaticCatalog(TenantCatalog):
    """Tenants from a mapping (``DRCP_MULTI["TENANTS"]``), changeable in this process only."""

    async_safe = True

    def __init__(self, tenants: Mapping[str, Mapping[str, Any] | Tenant] | None = None) -> None:
        self._lock = threading.Lock()
        self._tenants = {
            name: _as_tenant(name, spec) or build_tenant(name) for name, spec in (tenants or {}).items()
        }

    def lookup(self, name: str) -> Tenant | None:
        return self._tenants.get(name)

    def all(self) -> list[Tenant]:
        return list(self._tenants.values())

    def add(self, name: str, **spec: Any) -> Tenant:
        """Register a tenant; its pool is made on first use. Raises ValueError if it exists."""
        tenant = build_tenant(name, spec)
        with self._lock:
            if name in self._tenants:
                raise ValueError(f"tenant {name!r} already exists")
            self._tenants[name] = tenant
        return tenant

    def set_enabled(self, name: str, enabled: bool) -> Tenant:
        """Enable or disable; disabling closes the tenant's pools. Raises UnknownTenant."""
        with self._lock:
            if name not in self._tenants:
                raise UnknownTenant(name)
            tenant = self._tenants[name] = replace(self._tenants[name], enabled=enabled)
        if not enabled:
            announce_tenant_gone(tenant)
        return tenant

    def remove(self, name: str) -> None:
        """Forget a tenant and close its pools. Raises UnknownTenant."""
        with self._lock:
            tenant = self._tenants.pop(name, None)
        if tenant is None:
            raise UnknownTenant(name)
        announce_tenant_gone(tenant)


class CachedCatalog(TenantCatalog):
    """A catalog backed by slow lookups (a database, a service), cached for ``ttl`` seconds per tenant.

    Only found tenants are cached, so a tenant added elsewhere is seen on its first request. When a
    refresh finds a cached tenant gone or disabled, its pools in this process are closed.
    """

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Tenant]] = {}

    def fetch(self, name: str) -> Tenant | None:
        raise NotImplementedError

    def lookup(self, name: str) -> Tenant | None:
        now = time.monotonic()
        cached = self._cache.get(name)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        tenant = self.fetch(name)
        with self._lock:
            if tenant is not None and tenant.enabled:
                self._cache[name] = (now, tenant)
            else:
                self._cache.pop(name, None)
        if cached is not None and cached[1].enabled and (tenant is None or not tenant.enabled):
            announce_tenant_gone(cached[1])
        return tenant

    def invalidate(self, name: str | None = None) -> None:
        """Drop one cached tenant (or all), so the next lookup fetches it again."""
        with self._lock:
            if name is None:
                self._cache.clear()
            else:
                self._cache.pop(name, None)


class CallableCatalog(CachedCatalog):
    """Tenants from ``func(name) -> Tenant | mapping | None``; ``all()`` uses ``list_func`` if given."""

    def __init__(
        self,
        func: Callable[[str], Tenant | Mapping[str, Any] | None],
        list_func: Callable[[], Iterable[Tenant]] | None = None,
        ttl: float = 30.0,
    ) -> None:
        super().__init__(ttl)
        self.func = func
        self.list_func = list_func

    def fetch(self, name: str) -> Tenant | None:
        return _as_tenant(name, self.func(name))

    def all(self) -> list[Tenant]:
        return list(self.list_func()) if self.list_func is not None else []


class ModelCatalog(CachedCatalog):
    """Tenants stored in a Django model on ``SHARED_ALIAS``.

    The model needs a unique name field (``name_field``) and may have any of the fields ``alias``,
    ``cclass``, ``purity`` (text: "self"/"new"/"default"), ``max_busy`` and ``enabled``; missing or empty
    ones take the defaults of :func:`build_tenant`. Writers persist, so ``manage.py tenants add`` works
    across processes; other processes see a change within ``ttl`` seconds.
    """

    persistent = True

    def __init__(self, model: str | type[Any], name_field: str = "name", ttl: float = 30.0) -> None:
        super().__init__(ttl)
        self._model = model
        self.name_field = name_field

    @property
    def model(self) -> Any:
        if isinstance(self._model, str):
            self._model = apps.get_model(self._model)
        return self._model

    def _fields(self) -> list[str]:
        names = {f.name for f in self.model._meta.concrete_fields}
        return [f for f in TENANT_FIELDS if f in names]

    def _queryset(self) -> Any:
        return self.model._default_manager.using(shared_alias())

    def _from_row(self, row: Mapping[str, Any]) -> Tenant:
        name = row[self.name_field]
        return build_tenant(name, {k: row[k] for k in TENANT_FIELDS if row.get(k) not in (None, "")})

    def fetch(self, name: str) -> Tenant | None:
        row = (
            self._queryset()
            .filter(**{self.name_field: name})
            .values(self.name_field, *self._fields())
            .first()
        )
        return None if row is None else self._from_row(row)

    def all(self) -> list[Tenant]:
        rows = self._queryset().order_by(self.name_field).values(self.name_field, *self._fields())
        return [self._from_row(row) for row in rows]

    def add(self, name: str, **spec: Any) -> Tenant:
        """Create the row (after validating like :func:`build_tenant`). Raises ValueError if it exists."""
        tenant = build_tenant(name, spec)
        missing = set(spec) - set(self._fields())
        if missing:
            raise ValueError(f"{self.model.__name__} has no field for {sorted(missing)}")
        fields = dict(spec)
        if self._queryset().filter(**{self.name_field: name}).exists():
            raise ValueError(f"tenant {name!r} already exists")
        self._queryset().create(**{self.name_field: name}, **fields)
        return tenant

    def set_enabled(self, name: str, enabled: bool) -> Tenant:
        """Update ``enabled``; disabling closes this process's pools now. Raises UnknownTenant."""
        if "enabled" not in self._fields():
            raise CatalogReadOnly(f"{self.model.__name__} has no 'enabled' field")
        if not self._queryset().filter(**{self.name_field: name}).update(enabled=enabled):
            raise UnknownTenant(name)
        self.invalidate(name)
        tenant = self.fetch(name)
        assert tenant is not None
        if not enabled:
            announce_tenant_gone(tenant)
        return tenant

    def remove(self, name: str) -> None:
        """Delete the row and close this process's pools. Raises UnknownTenant."""
        tenant = self.fetch(name)
        if tenant is None:
            raise UnknownTenant(name)
        self._queryset().filter(**{self.name_field: name}).delete()
        self.invalidate(name)
        announce_tenant_gone(tenant)


_catalog: TenantCatalog | None = None
_catalog_lock = threading.Lock()


def load_catalog() -> TenantCatalog:
    """A new catalog from settings (``TENANT_CATALOG``, else ``TENANTS``); raises ImproperlyConfigured,
    ImportError, InvalidTenantName or ValueError for what cannot be one."""
    spec = tenant_catalog()
    if spec is None:
        return StaticCatalog(tenants())
    kwargs: dict[str, Any] = {}
    if isinstance(spec, (tuple, list)):
        spec, kwargs = spec[0], dict(spec[1])
    if isinstance(spec, str) and spec.count(".") == 1 and not spec.startswith("."):
        try:  # "app_label.Model"
            return ModelCatalog(apps.get_model(spec), **kwargs)
        except (LookupError, ValueError):
            pass
    obj = import_string(spec) if isinstance(spec, str) else spec
    if isinstance(obj, TenantCatalog):
        return obj
    if isinstance(obj, type) and issubclass(obj, TenantCatalog):
        return obj(**kwargs)
    if isinstance(obj, type) and hasattr(obj, "_meta"):
        return ModelCatalog(obj, **kwargs)
    if callable(obj):
        return CallableCatalog(obj, **kwargs)
    raise ImproperlyConfigured(
        f"DRCP_MULTI['TENANT_CATALOG'] = {spec!r} is neither a TenantCatalog, a model nor a callable"
    )


def get_catalog() -> TenantCatalog:
    """The process's catalog, built on first use from settings (rebuilt when DRCP_MULTI changes)."""
    global _catalog
    if _catalog is None:
        with _catalog_lock:
            if _catalog is None:
                _catalog = load_catalog()
    return _catalog


def reset_catalog() -> None:
    """Forget the catalog so the next :func:`get_catalog` reads settings again (tests, setting_changed)."""
    global _catalog
    with _catalog_lock:
        _catalog = None


def get_tenant(name: str) -> Tenant:
    """The enabled tenant ``name`` from the catalog; raises InvalidTenantName or UnknownTenant."""
    return get_catalog().get(name)


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "DRCP_MULTI":
        reset_catalog()


setting_changed.connect(_on_setting_changed, dispatch_uid="drcp_multi.tenancy.catalog")
