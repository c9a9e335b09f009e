"""Errors raised by drcp_multi.

Pool errors subclass the driver's own classes (as psycopg_pool's do), so code that catches
``oracledb.DatabaseError`` keeps working, and Django's error wrapper turns them into
``django.db.OperationalError`` with the original as ``__cause__`` when they happen inside the ORM.
Configuration errors subclass ``ImproperlyConfigured`` and carry the system check id
(``drcp_multi.E0xx``) of the setting at fault. Tenancy errors subclass the built-in error a caller would
catch (``LookupError`` for an unknown tenant, ``ValueError`` for a malformed name). Every public error of
the package lives here; the modules that raise them re-export the ones their callers know them by.
"""

from __future__ import annotations

import oracledb
from django.core.exceptions import ImproperlyConfigured
from django.db.transaction import TransactionManagementError

from drcp_multi.tenant import Tenant


class DrcpMultiError(Exception):
    """Base class of every error this package defines."""


class ConfigurationError(DrcpMultiError, ImproperlyConfigured):
    """A ``DATABASES`` entry or ``settings.DRCP_MULTI`` is invalid.

    Raised by ``drcp_multi.conf.get_pool_config()`` (so on first use of the alias) with the same check id
    and message that ``manage.py check`` reports.
    """


class InvalidIdentifier(ConfigurationError, ValueError):
    """A connection class does not match ``drcp_multi.validation.CCLASS_PATTERN``.

    Raised before the value reaches the driver or any SQL: e.g. by ``PoolRegistry.acquire()`` for a tenant
    whose cclass is invalid (check id ``drcp_multi.E005`` for settings).
    """


class PoolError(DrcpMultiError, oracledb.OperationalError):
    """Base class of the registry's run-time pool errors."""


class PoolTimeout(PoolError):
    """No pooled connection became free in time.

    Raised by ``PoolRegistry.acquire()`` when the pool is at ``POOL['max']`` and none was released within
    ``POOL['wait_timeout']`` seconds (or at once with ``getmode='nowait'``); the driver's DPY-4005 is the
    ``__cause__``.
    """


class PoolClosed(PoolError):
    """The pool was closed (``PoolRegistry.close()``/``close_all()``, a removed tenant, interpreter exit)
    while the caller wanted a connection from it. Raised by ``PoolRegistry.acquire()``."""


class TenantSwitchInTransaction(DrcpMultiError, TransactionManagementError):
    """The current tenant changed while the alias's connection is inside ``transaction.atomic()`` (or with
    autocommit off).

    A DRCP connection class is fixed per checkout; switching tenant means giving the session back and
    taking one of the other class, which would silently split the transaction across two sessions. Raised
    by the backend on the next cursor; leave the atomic block (or switch tenant outside it) first.
    """


class DrainingError(PoolClosed):
    """The registry is draining (``PoolRegistry.drain()``, graceful shutdown): no new checkouts. Raised by
    ``PoolRegistry.acquire()`` at once; the middleware answers 503 with ``Retry-After``."""


class TenantBusy(PoolTimeout):
    """A tenant stayed at its ``max_busy`` cap for the whole wait; HTTP 503 from the middleware.

    A :class:`PoolTimeout` (so an ``oracledb.OperationalError``): raised during a checkout inside the ORM,
    it reaches the view as Django's ``OperationalError`` with this as its cause. Raised by the tenant
    limiter (:mod:`drcp_multi.limits`) after ``DRCP_MULTI['TENANT_WAIT_TIMEOUT']`` seconds.
    """

    def __init__(self, tenant: Tenant, timeout: float) -> None:
        super().__init__(
            f"tenant {tenant.name!r} already holds its max_busy={tenant.max_busy} connections; "
            f"none was released within {timeout:g} s (DRCP_MULTI['TENANT_WAIT_TIMEOUT']). If the tenant "
            "needs more at once, raise its max_busy in the catalog; otherwise shorten the work done while "
            "holding a connection."
        )
        self.tenant = tenant
        self.timeout = timeout


class AliasBusy(PoolTimeout):
    """An alias stayed at its cap (``DRCP_MULTI['ALIAS_LIMITS'][alias]['max_busy']``) for the whole wait, or
    its queue was full (``max_waiting``); HTTP 503 from the middleware. Raised by
    :class:`drcp_multi.limits.AliasCap`.

    ``limit`` names the limit that refused ("max_busy" or "max_waiting") and ``setting`` the setting to
    change, for the middleware's log line.
    """

    def __init__(self, alias: str, limit: str, message: str) -> None:
        super().__init__(message)
        self.alias = alias
        self.limit = limit
        self.setting = f"DRCP_MULTI['ALIAS_LIMITS'][{alias!r}][{limit!r}]"


class UnknownTenant(DrcpMultiError, LookupError):
    """No enabled tenant of that name in the catalog (the middleware answers 404 or TENANT_NOT_FOUND)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"unknown or disabled tenant {name!r}")
        self.name = name


class InvalidTenantName(DrcpMultiError, ValueError):
    """A tenant name or connection class outside the allowed pattern (the middleware answers 400)."""


class MalformedTenant(DrcpMultiError, ValueError):
    """The request names a tenant in a malformed way (bad Host, header or path segment): HTTP 400."""


class CatalogReadOnly(DrcpMultiError, TypeError):
    """The configured catalog cannot add, enable, disable or remove tenants (e.g. a callable)."""


class NoTenant(DrcpMultiError, RuntimeError):
    """A tenant model was used outside any tenant (no request tenant, no ``tenant_context()``)."""
