"""Django's Oracle backend, with connections borrowed from the DRCP pool registry.

Subclasses (does not fork) ``django.db.backends.oracle.base.DatabaseWrapper``:

* ``get_new_connection()`` acquires from :func:`drcp_multi.registry.get_registry` under the current
  tenant's connection class and purity; ``close()`` releases it (a one-way DRCP release, no logoff), so
  with ``CONN_MAX_AGE = 0`` each request is one checkout.
* Session set-up: with the logon trigger installed (``manage.py drcp_session_trigger install``), none —
  every session DRCP creates is set up by the trigger, and a reused one keeps it; otherwise one round trip
  per checkout (Django's two ``ALTER SESSION`` in one anonymous PL/SQL block), because behind DRCP the
  server session may be brand new after any release. ``DRCP_MULTI['SESSION_SETUP']`` chooses.
* When the current tenant changes between cursors, the connection is swapped for one of the new class;
  inside ``atomic()`` that raises :class:`~drcp_multi.exceptions.TenantSwitchInTransaction` instead.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, ClassVar

import oracledb
from django.conf import settings
from django.db.backends.oracle.base import DatabaseWrapper as OracleDatabaseWrapper
from django.db.backends.oracle.base import FormatStylePlaceholderCursor
from django.utils.asyncio import async_unsafe
from django.utils.functional import cached_property

from drcp_multi.conf import (
    reset_contexts,
    session_setup,
    settings_generation,
    shared_alias,
    tenancy_mode,
    tenancy_mode_as_given,
)
from drcp_multi.exceptions import ConfigurationError, TenantSwitchInTransaction
from drcp_multi.registry import Route, get_registry, is_disconnect, orphan
from drcp_multi.routing import route_for
from drcp_multi.tenancy.context import get_current_tenant, get_trace_attributes
from drcp_multi.tenant import NO_TRACE, Tenant
from drcp_multi.wiring import connect_layers

from .creation import DatabaseCreation
from .django_internals import (
    init_connection_state_without_oracle_setup,
    like_operators,
)
from .session import (
    TRIGGER_NAME,
    TRIGGER_STATE_SQL,
    TriggerState,
    may_leave_session_state,
    session_reset_sql,
    session_setup_sql,
    trigger_state,
)

__all__ = ["DatabaseWrapper", "session_setup_sql"]

logger = logging.getLogger("drcp_multi.backends.oracle")
connect_layers()  # the tenant limiter and the catalog's signals, with or without the app installed


@dataclass(frozen=True, slots=True)
class _CachedRoute:
    """A wrapper's route for one tenant, with what it was built from (compared on every checkout)."""

    generation: int
    mode: object  # TENANCY_MODE as given
    user: object  # settings_dict["USER"] and ["NAME"] as they were
    name: object
    tenant: Tenant | None
    route: Route
    shared: bool  # mode "shared_class": the session is shared with other tenants of the class


def _tenant_key(tenant: Tenant | None) -> tuple[str, str, int | None] | None:
    return None if tenant is None else (tenant.name, tenant.cclass, tenant.purity)


class SessionStateCursor(FormatStylePlaceholderCursor):
    """Django's Oracle cursor that notes statements which may leave state on the session (PL/SQL, ALTER
    SESSION, procedure calls), so a tenant sharing its class with others cleans up before release."""

    database: DatabaseWrapper

    def execute(self, query: str, params: Any = None) -> Any:
        if may_leave_session_state(query):
            self.database.drcp_session_dirty = True
        return super().execute(query, params)

    def executemany(self, query: str, params: Any = None) -> Any:
        if may_leave_session_state(query):
            self.database.drcp_session_dirty = True
        return super().executemany(query, params)

    def callproc(self, *args: Any, **kwargs: Any) -> Any:
        self.database.drcp_session_dirty = True
        return self.cursor.callproc(*args, **kwargs)


class DatabaseWrapper(OracleDatabaseWrapper):
    creation_class = DatabaseCreation

    # Django learns the server version and probes LIKE support once per wrapper, i.e. once per thread (the
    # version through a temporary connection when a feature asks before connecting: an extra checkout).
    # Keep both answers per alias and server for the whole process, so a new thread's first request costs
    # no extra checkout or round trip.
    _like_probe: ClassVar[dict[tuple[str, ...], bool]] = {}
    _versions: ClassVar[dict[tuple[str, ...], tuple[int, ...]]] = {}
    # (generation, alias, user, dsn) -> whether the logon trigger sets new sessions up: asked once per
    # process and settings change, on the first checkout.
    _set_up_by_trigger: ClassVar[dict[tuple[int, str, str, str], bool]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.drcp_tenant: Tenant | None = None  # the tenant the current connection was acquired for
        self.drcp_route: Route | None = None  # the route it was acquired by
        # Mode "shared_class": the session is shared with other tenants of the class, and this request ran
        # a statement that may have left state on it (reset before release).
        self.drcp_shared_session = False
        self.drcp_session_dirty = False
        self._drcp_routes: dict[int, _CachedRoute] = {}  # id(tenant) -> its route; per wrapper (thread)
        self._drcp_registry = get_registry()  # process-wide, the same object after a fork
        self._drcp_pid: int | None = None
        self._drcp_may_switch = True

    # Django's own pool (OPTIONS["pool"]) is replaced by the registry; checks report it if set.
    @property
    def is_pool(self) -> bool:
        return False

    @property
    def pool(self) -> None:
        return None

    def close_pool(self) -> None:
        """Close this alias's pools (Django's test database teardown calls it before dropping the user)."""
        get_registry().close(self.alias, force=True)

    def tenant_for_checkout(self) -> Tenant | None:
        """The tenant whose class this alias's next checkout uses: the current tenant if it lives on this
        alias; in modes "pool_per_tenant"/"shared_pool" also on any alias but ``SHARED_ALIAS``."""
        tenant = get_current_tenant()
        if tenant is None or tenant.alias == self.alias:
            return tenant
        if tenancy_mode() == "alias" or self.alias == shared_alias():
            return None
        return tenant

    def _server_key(self) -> tuple[str, ...]:
        sd = self.settings_dict
        return (self.alias, str(sd.get("NAME")), str(sd.get("HOST")), str(sd.get("PORT")))

    @cached_property
    def oracle_version(self) -> tuple[int, ...]:
        key = self._server_key()
        version = self._versions.get(key)
        if version is None:
            version = self._versions[key] = super().oracle_version
        return version

    def _checkout(self, tenant: Tenant | None) -> Any:
        # The route of this checkout, and whether its session is shared with other tenants (mode
        # "shared_class"), from this wrapper's cache when nothing they depend on changed: the hot path, a
        # generation and three values compared, and no settings dict left among the frame's locals (a
        # DEBUG page shows locals, and Django's ``sensitive_variables`` costs more than the rest of this).
        # ``TENANCY_MODE`` as given (checked on a miss, by route_for), because a script may edit
        # ``settings.DRCP_MULTI`` in place; ``USER`` and ``NAME`` because Django's test runner switches them
        # in place; neither sends ``setting_changed``, which bumps the generation. The three are compared by
        # identity, one by one, without building a tuple (an equal value in a new object only rebuilds).
        settings_dict = self.settings_dict
        cached = self._drcp_routes.get(id(tenant))
        stale = (
            cached is None
            or cached.tenant is not tenant
            or cached.generation != settings_generation()
            or cached.user is not settings_dict.get("USER")
            or cached.name is not settings_dict.get("NAME")
            or cached.mode is not tenancy_mode_as_given()
        )
        del settings_dict
        if stale or cached is None:
            cached = self._new_route(tenant)
        route = cached.route
        conn = self._drcp_registry.acquire(route, get_trace_attributes() or NO_TRACE, tenant)
        self.drcp_tenant = tenant
        self.drcp_route = route
        self.drcp_shared_session = cached.shared
        return conn

    def _new_route(self, tenant: Tenant | None) -> _CachedRoute:
        # What the route depends on is read before it is built: every thread's wrapper shares the settings
        # dict, and a value changed meanwhile must make the next checkout build again.
        generation, mode = settings_generation(), tenancy_mode_as_given()
        user, name = self.settings_dict.get("USER"), self.settings_dict.get("NAME")
        route = route_for(self.alias, tenant, self.settings_dict)
        shared = tenancy_mode() == "shared_class" and tenant is not None
        if len(self._drcp_routes) > 1000:  # tenants come and go
            self._drcp_routes.clear()
        cached = self._drcp_routes[id(tenant)] = _CachedRoute(
            generation, mode, user, name, tenant, route, shared
        )
        return cached

    @async_unsafe
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = self._checkout(self.tenant_for_checkout())
        self._drcp_pid = os.getpid()
        return conn

    def init_connection_state(self) -> None:
        init_connection_state_without_oracle_setup(self)  # the version check, once per alias
        if not self.session_set_up_by_trigger():
            try:
                self._set_up_session()
            except oracledb.Error as exc:
                # The set-up is the checkout's first round trip, so it doubles as its health check at no
                # cost: a connection that died idle in the pool (and that the driver did not catch) is
                # dropped and replaced once, instead of failing the request.
                if not is_disconnect(exc):
                    raise
                get_registry().release(self.connection)
                self.connection = self._checkout(self.drcp_tenant)
                self.connection.autocommit = self.autocommit
                self._set_up_session()
        if "operators" not in self.__dict__:
            standard = self._like_probe.get(self._server_key())
            if standard is None:
                standard = self._probe_like()
                self._like_probe[self._server_key()] = standard
            self.operators, self.pattern_ops = like_operators(self, standard)
        # The statement cache size comes from POOL["stmtcachesize"]; Django's override is not repeated.
        if not self.get_autocommit():
            self.commit()
        self.drcp_session_dirty = False  # what the set-up did is the same for every tenant

    def create_cursor(self, name: str | None = None) -> Any:
        if self.drcp_shared_session:
            return SessionStateCursor(self.connection, self)
        return super().create_cursor(name)

    def _set_up_session(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(session_setup_sql(settings.USE_TZ))

    def session_set_up_by_trigger(self) -> bool:
        """Whether this checkout's session was set up by the logon trigger, so no set-up round trip is
        needed. Asks the database once per process and settings change (``DRCP_MULTI['SESSION_SETUP']``:
        never with "checkout"; raises ConfigurationError with "trigger" when it is not installed)."""
        mode = session_setup()
        if mode == "checkout":
            return False
        config = self.drcp_route.config if self.drcp_route is not None else None
        key = (settings_generation(), self.alias, config.user if config else "", config.dsn if config else "")
        known = self._set_up_by_trigger.get(key)
        if known is None:
            state = self.session_trigger_state()
            known = state == "installed"
            if mode == "trigger" and not known:
                raise ConfigurationError(
                    f"drcp_multi.E017: DRCP_MULTI['SESSION_SETUP'] is 'trigger' but the logon trigger "
                    f"{TRIGGER_NAME} of DATABASES[{self.alias!r}] is {state}. HINT: run `manage.py "
                    f"drcp_session_trigger install --database {self.alias}`, or set SESSION_SETUP to 'auto'."
                )
            self._set_up_by_trigger[key] = known
        return known

    @classmethod
    def forget_session_trigger_state(cls) -> None:
        """Ask the database again on the next checkout (after installing or dropping the trigger)."""
        cls._set_up_by_trigger.clear()

    def session_trigger_state(self) -> TriggerState:
        """The logon trigger's state for this alias's user: "installed", "missing", "disabled" or
        "outdated" (its set-up differs from what these settings need, e.g. after changing USE_TZ). One
        round trip."""
        if self.connection is None:
            self.ensure_connection()
        cursor = self.create_cursor()
        try:
            cursor.execute(TRIGGER_STATE_SQL, [TRIGGER_NAME])
            row = cursor.fetchone()
        except self.Database.DatabaseError as exc:  # a server without the view: as good as no trigger
            logger.info("DATABASES[%r]: USER_TRIGGERS cannot be read (%s)", self.alias, exc)
            row = None
        finally:
            cursor.close()
        return trigger_state(row, settings.USE_TZ)

    def _probe_like(self) -> bool:
        # Ticket #14149, as in Django: can this database use LIKE ... ESCAPE with TRANSLATE?
        operators, _ = like_operators(self, standard=True)
        cursor = self.create_cursor()
        try:
            cursor.execute(f"SELECT 1 FROM DUAL WHERE DUMMY {operators['contains']}", ["X"])
        except self.Database.DatabaseError:
            return False
        finally:
            cursor.close()
        return True

    @async_unsafe
    def ensure_connection(self) -> None:
        if self.connection is not None:
            if self._drcp_pid != os.getpid():
                # Inherited across fork: the socket is the parent's. Forget it without a word on the wire.
                orphan(self.connection)
                self.connection = None
            elif self._drcp_may_switch and _tenant_key(self.tenant_for_checkout()) != _tenant_key(
                self.drcp_tenant
            ):
                self._switch_tenant()
        super().ensure_connection()

    def close_if_unusable_or_obsolete(self) -> None:
        # Runs from request_started/request_finished, where the tenant context may already be reset: its
        # get_autocommit() must look at the connection it has, not swap it for a checkout nobody wants.
        self._drcp_may_switch = False
        try:
            super().close_if_unusable_or_obsolete()
        finally:
            self._drcp_may_switch = True

    def _switch_tenant(self) -> None:
        if self.in_atomic_block or not self.autocommit:
            wanted = self.tenant_for_checkout()
            raise TenantSwitchInTransaction(
                f"DATABASES[{self.alias!r}]: the current tenant changed from "
                f"{getattr(self.drcp_tenant, 'name', None)!r} to {getattr(wanted, 'name', None)!r} inside a "
                "transaction. Its connection runs under the first tenant's DRCP connection class and cannot "
                "change class without ending the transaction; switch tenant outside transaction.atomic()."
            )
        self.close()

    def _close(self) -> None:
        conn = self.connection
        if conn is None:
            return
        if self._drcp_pid != os.getpid():
            orphan(conn)
            return
        discard = False
        if self.drcp_shared_session and self.drcp_session_dirty:
            discard = not self._reset_shared_session(conn)
        with self.wrap_database_errors:
            get_registry().release(conn, discard=discard)

    def _reset_shared_session(self, conn: Any) -> bool:
        """Clear package state and ``RESET_CONTEXTS`` before a shared-class session goes back (one round
        trip, only after a statement that may have left state). False when the reset failed."""
        self.drcp_session_dirty = False
        try:
            with conn.cursor() as cursor:
                cursor.execute(session_reset_sql(reset_contexts()))
        except oracledb.Error as exc:
            logger.warning(
                "DATABASES[%r]: the shared-class session could not be reset before release (%s); it is "
                "dropped instead",
                self.alias,
                exc,
            )
            return False
        return True

    def close_if_health_check_failed(self) -> None:
        # The pool pings connections idle longer than POOL["ping_interval"] and drops dead ones.
        return
