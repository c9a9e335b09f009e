"""Errors raised by drcp_multi.

Pool errors subclass the driver's own classes (as psycopg_pool's do), so code that catches
``oracledb.DatabaseError`` keeps working, and Django's error wrapper turns them into
``django.db.OperationalError`` with the original as ``__cause__`` when they happen inside the ORM.
Configuration errors subclass ``ImproperlyConfigured`` and carry the system check id
(``drcp_multi.E0xx``) of the setting at fault.
"""

from __future__ import annotations

import oracledb
from django.core.exceptions import ImproperlyConfigured
from django.db.transaction import TransactionManagementError


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
