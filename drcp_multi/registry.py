"""The process-wide pool registry: the only caller of ``oracledb.create_pool``.

One pool per :data:`PoolKey`, created lazily under a lock and shared by every thread (never one per thread,
as the 2014 backend did). The registry knows keys, pool configurations, classes and trace attributes; it
knows nothing of requests or tenants. What a checkout asks for is a :class:`Route`, built by
:mod:`drcp_multi.routing` once per settings change and tenant; per-tenant quotas and caps come in through
an :class:`Admission` hook (:mod:`drcp_multi.limits` provides it).

Each thin pool runs a thread, so pools keyed by a tenant are closed after ``POOL_IDLE_TIMEOUT`` seconds
idle and at most ``MAX_LIVE_POOLS`` are kept (least recently used idle ones are closed first).

Pools belong to the process that made them: after ``fork()`` the child forgets the parent's pools without
touching their sockets and builds its own. Pools still open at interpreter exit are closed, so a thin
pool never hangs the exit.

The checkout path is kept short on purpose (DESIGN §6: a hot thin pool's acquire + release is about 44 µs,
and anything added shows in requests/s): one dict lookup and one lock per checkout and per release, no
settings read, a weak reference instead of a finalizer to notice connections dropped without release.
"""

from __future__ import annotations

import atexit
import collections
import ctypes
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, Protocol

import oracledb
from django.views.decorators.debug import sensitive_variables

from drcp_multi.conf import max_live_pools, pool_idle_timeout
from drcp_multi.exceptions import DrainingError, PoolClosed, PoolTimeout
from drcp_multi.poolconfig import PoolConfig
from drcp_multi.tenant import NO_TRACE, TraceAttributes

logger = logging.getLogger("drcp_multi.registry")

# (alias, pool tenant or None, user, dsn): the user is part of the key because Django's test runner
# switches an alias to another USER in place, and its admin connection keeps the first one.
PoolKey = tuple[str, str | None, str, str]

# Parents' pools and connections in a forked child: made immortal (see orphan()) so that no finalizer
# ever talks on a socket the parent still uses.
_orphans: list[Any] = []
_process_id = os.getpid()


@dataclass(frozen=True, slots=True)
class Route:
    """Where one checkout goes: the pool (its key, configuration, login class and purity) and what the
    acquire asks of it. Built once per settings change and tenant by :mod:`drcp_multi.routing`."""

    key: PoolKey
    config: PoolConfig
    cclass: str  # the class the pool's connections log in with
    purity: oracledb.Purity
    label: str | None = None  # the tenant on whose behalf, for stats and metrics
    acquire_cclass: str | None = None  # asked per acquire on a shared pool (mode "shared_pool")
    acquire_purity: oracledb.Purity | None = None
    # The key's alias and pool tenant, and the class the sessions run under, as fields: read on every
    # checkout, where a property is a call.
    alias: str = field(init=False, repr=False, compare=False)
    pool_tenant: str | None = field(init=False, repr=False, compare=False)
    session_cclass: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "alias", self.key[0])
        object.__setattr__(self, "pool_tenant", self.key[1])
        object.__setattr__(self, "session_cclass", self.acquire_cclass or self.cclass)

    def same_pool(self, other: Route) -> bool:
        """Whether ``other`` is served by the same pool: same key, configuration, login class and purity
        (the tenant it is for and the class asked per acquire do not make another pool)."""
        return (
            self.key == other.key
            and self.cclass == other.cclass
            and self.purity == other.purity
            and (self.config is other.config or self.config == other.config)
        )


@dataclass(slots=True)
class Counters:
    """Named counters of one (alias, tenant, class): monotonic for the life of the process, across the
    pools that serve it (a retired or resized pool's successor goes on counting)."""

    checkouts: int = 0  # connections handed out
    releases: int = 0  # connections given back
    timeouts: int = 0  # PoolTimeout: no connection free within POOL['wait_timeout']
    rejections: int = 0  # refused by the admission hook (tenant max_busy, alias cap) or while draining
    errors: int = 0  # other failed checkouts (the database refused, the pool was closed)
    logins: int = 0  # new physical connections (each a login through the DRCP broker)
    wait_seconds: float = 0.0  # time spent inside acquire, admission included


@dataclass(frozen=True)
class PoolStats:
    """One live pool of this process, its configuration and its counters. Never a password."""

    alias: str
    tenant: str | None
    cclass: str
    purity: str
    user: str
    pid: int
    opened: int
    busy: int
    min: int
    max: int
    increment: int
    getmode: str
    wait_timeout: float | None
    call_timeout: float | None
    timeout: int
    ping_interval: int
    checkouts: int
    releases: int
    timeouts: int
    rejections: int
    errors: int
    logins: int
    wait_seconds: float


@dataclass(frozen=True)
class CheckoutEvent:
    """What a listener (``add_listener``) hears after every checkout attempt."""

    alias: str
    tenant: str | None
    cclass: str
    wait_seconds: float
    outcome: str  # "ok", "timeout", "rejected", "error"


class Admission(Protocol):
    """A gate in front of every checkout (``PoolRegistry.set_admission``): ``enter`` may wait and may
    raise (a :class:`~drcp_multi.exceptions.PoolTimeout` subclass to refuse); its token comes back to
    ``leave`` once, when the connection is released or the checkout fails. A None token means nothing was
    taken (no cap applies): ``leave`` is then not called.

    An admission may also have ``applies(alias, subject) -> bool``: False when ``enter`` would take nothing
    for that alias and subject (a frozen Tenant). The registry then asks it once per route and pool, and
    skips ``enter`` for that route until :meth:`PoolRegistry.admission_changed` is called (an admission
    whose verdicts change, e.g. new alias limits, calls it)."""

    def enter(self, alias: str, subject: object) -> object: ...

    def leave(self, token: object) -> None: ...


class _Entry:
    __slots__ = ("busy", "counters", "key", "last_used", "pool", "retiring", "route", "routes")

    def __init__(self, route: Route, pool: oracledb.ConnectionPool, counters: Counters) -> None:
        self.route = route
        self.key = route.key
        self.pool = pool
        self.counters = counters
        self.busy = 0  # our own count: the driver's changes only after acquire() returns
        self.last_used = time.monotonic()
        self.retiring = False  # left the registry; closed when the last connection comes back
        # id(route) -> (route, its label's counters, whether the admission applies to the route's checkouts
        # for subject, subject) for the routes found to be served by this pool: held, so an id is not
        # reused; a route's next checkout needs neither the comparison nor the label, nor an admission call
        # when none applies to the same subject.
        self.routes: dict[int, tuple[Route, Counters, bool, object]] = {}


# A checked-out connection: a weak reference to it (its callback fires if the connection is collected
# without release: a thread ended with its Django connection open), its pool's entry, the counters of its
# route's (alias, tenant, class) and its admission token. A plain tuple and a plain weakref: a weakref
# subclass with attributes cost about two thousand instructions more per checkout.
_Lent = tuple["weakref.ref[oracledb.Connection]", _Entry, Counters, object]


def _acquire_as_routed(pool: oracledb.ConnectionPool, route: Route) -> oracledb.Connection:
    """``pool.acquire()``, with the route's class and purity when it asks for one per checkout."""
    if route.acquire_cclass is None:
        return pool.acquire()
    purity = route.purity if route.acquire_purity is None else route.acquire_purity
    return pool.acquire(cclass=route.acquire_cclass, purity=purity)


def _acquire_again(pool: oracledb.ConnectionPool, route: Route, exc: oracledb.Error) -> oracledb.Connection:
    """After the first attempt failed with ``exc``: raises it unless it says the connection was dead."""
    if not is_disconnect(exc):
        raise exc
    # Some driver versions (2.x) report an idle connection whose socket the network closed while handing
    # it out, after dropping it: the next attempt gets a live one.
    logger.info("dropped a dead pooled connection of %s/%s: %s", route.alias, route.label, exc)
    return _acquire_as_routed(pool, route)


def _error_code(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else None
    return str(getattr(arg, "full_code", "") or "")


# Driver and server errors that mean the session or its socket is gone (not a failed statement).
_DISCONNECT_CODES = frozenset(
    {"DPY-1001", "DPY-4011", "ORA-00028", "ORA-01012", "ORA-03113", "ORA-03114", "ORA-03135"}
)


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection is dead rather than the statement wrong."""
    error = exc.args[0] if exc.args else None
    return bool(getattr(error, "is_session_dead", False)) or _error_code(exc) in _DISCONNECT_CODES


class PoolRegistry:
    """Pools per key, shared by all threads of this process. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)
        self._pools: dict[PoolKey, _Entry] = {}
        self._checkouts: dict[int, _Lent] = {}  # id(connection) -> what its checkout holds
        self._abandoned: collections.deque[weakref.ref[oracledb.Connection]] = collections.deque()
        self._abandon = self._abandoned.append  # each checkout's weakref callback, bound once
        self._counters: dict[tuple[str, str | None, str], Counters] = {}
        self._sizes: dict[tuple[str, str | None], dict[str, int]] = {}
        self._admission: Admission | None = None
        self._listeners: tuple[Callable[[CheckoutEvent], None], ...] = ()
        self._draining = False
        self._pid = os.getpid()
        self._next_sweep = 0.0
        _instances.add(self)

    # -- hooks ------------------------------------------------------------------------------------------

    def set_admission(self, admission: Admission | None) -> None:
        """Put ``admission`` in front of every checkout (None: none)."""
        with self._lock:
            self._admission = admission
            self._forget_routes()

    def admission_changed(self) -> None:
        """Ask the admission again whether it applies to each route (its ``applies`` verdicts changed: e.g.
        an alias got a cap). Checkouts already under way keep the verdict they started with."""
        with self._lock:
            self._forget_routes()

    def _forget_routes(self) -> None:
        # Under the lock: every pool's memory of the routes it serves (rebuilt by the next checkouts).
        for entry in self._pools.values():
            entry.routes = {}

    def add_listener(self, listener: Callable[[CheckoutEvent], None]) -> None:
        """Call ``listener(CheckoutEvent)`` after every checkout attempt (metrics histograms). It runs in
        the checking-out thread and must not raise or block."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

    def remove_listener(self, listener: Callable[[CheckoutEvent], None]) -> None:
        with self._lock:
            self._listeners = tuple(x for x in self._listeners if x is not listener)

    # -- checkout ---------------------------------------------------------------------------------------

    def acquire(
        self, route: Route, trace: TraceAttributes = NO_TRACE, subject: object = None
    ) -> oracledb.Connection:
        """A connection for ``route``, stamped with ``trace`` (client identifier, module, action: no round
        trip, the driver piggybacks them on the next call).

        ``subject`` goes to the admission hook (the tenant whose quota applies). Raises
        :class:`~drcp_multi.exceptions.PoolTimeout` when the pool stays exhausted for
        ``POOL['wait_timeout']`` seconds, whatever the admission hook raises (e.g.
        :class:`~drcp_multi.exceptions.TenantBusy`), :class:`~drcp_multi.exceptions.DrainingError` while
        :meth:`drain` runs, :class:`~drcp_multi.exceptions.PoolClosed` when the pool was closed meanwhile,
        :class:`~drcp_multi.exceptions.ConfigurationError` for an invalid class, and the driver's errors for
        anything the database refuses.
        """
        if self._pid != _process_id:
            self._after_fork_in_child()
        if self._abandoned:
            self._reap_abandoned()
        started = monotonic()
        if self._draining:
            self._count_failure(route, started, "rejected")
            raise DrainingError(
                f"The pools are draining (shutdown): no new checkout of {route.alias!r}/{route.label or '-'}."
            )
        # The hot path: a route seen before on its live pool, whose admission verdict is remembered, takes a
        # busy slot under one lock; any other (a new pool, new settings, a new tenant of a shared pool) goes
        # through _reserve. The lock is taken by acquire()/release(): a ``with`` costs about a thousand
        # instructions more. The admission is entered first (it may wait), unless it is known not to apply.
        admission = self._admission
        token: object = None
        # Read without the lock (a dict read is atomic), confirmed under it: the entry still live and its
        # memory of routes not forgotten meanwhile (admission_changed replaces the dict).
        found = self._pools.get(route.key)
        routes = None if found is None else found.routes
        known = None if routes is None else routes.get(id(route))
        if admission is not None and (known is None or known[2] or known[3] is not subject):
            try:
                token = admission.enter(route.alias, subject)
            except BaseException:
                self._count_failure(route, started, "rejected")
                raise
        try:
            entry: _Entry | None = None
            lock = self._lock
            lock.acquire()
            try:
                if known is not None and found is not None and found.routes is routes and not found.retiring:
                    found.busy += 1  # last_used needs no stamp here: a busy pool is never evicted
                    entry = found
            finally:
                lock.release()
            if entry is None or known is None:
                entry, counters = self._reserve(route, started, admission, subject)
            else:
                counters = known[1]
            try:
                pool = entry.pool
                try:  # inlined for a route without a class of its own (most of them)
                    conn = pool.acquire() if route.acquire_cclass is None else _acquire_as_routed(pool, route)
                except oracledb.Error as exc:
                    conn = _acquire_again(pool, route, exc)
            except BaseException:
                self._unreserve(entry)
                raise
        except oracledb.Error as exc:
            if admission is not None and token is not None:
                admission.leave(token)
            raise self._translate(route, exc, started) from exc
        except BaseException:
            if admission is not None and token is not None:
                admission.leave(token)
            self._count_failure(route, started, "error")
            raise
        try:
            # None (not ""): the driver then sends "clear" with no value bytes, as Oracle expects. They stay
            # on the session after release, so leaving them unset would leak the previous user's values.
            conn.client_identifier = trace.client_identifier  # type: ignore[assignment]
            conn.module = trace.module  # type: ignore[assignment]
            conn.action = trace.action  # type: ignore[assignment]
            if route.config.call_timeout is not None:
                conn.call_timeout = int(route.config.call_timeout * 1000)
        except BaseException:  # e.g. a trace attribute that is not a string: give everything back
            _quiet_close(conn)
            self._unreserve(entry)
            if admission is not None and token is not None:
                admission.leave(token)
            self._count_failure(route, started, "error")
            raise
        self._checkouts[id(conn)] = (weakref.ref(conn, self._abandon), entry, counters, token)
        waited = monotonic() - started
        # A lost increment under a race only blurs a figure; no lock on this path.
        counters.checkouts += 1
        counters.wait_seconds += waited
        pool_counters = entry.counters
        pool_counters.checkouts += 1
        pool_counters.wait_seconds += waited
        if self._listeners:
            self._notify(route, waited, "ok")
        return conn

    def _translate(self, route: Route, exc: oracledb.Error, started: float) -> BaseException:
        code = _error_code(exc)
        config = route.config
        where = f"{route.alias!r}/{route.label or '-'} (cclass {route.session_cclass!r})"
        if code == "DPY-4005":
            self._count_failure(route, started, "timeout")
            waited = (
                "at once (POOL['getmode'] is 'nowait')"
                if config.getmode == oracledb.PoolGetMode.NOWAIT
                else f"within POOL['wait_timeout'] ({config.wait_timeout} s)"
            )
            return PoolTimeout(
                f"No connection of pool {where} was free {waited}: all POOL['max']={config.max} are checked "
                "out in this process. Raise POOL['max'] or shorten the work done while holding a connection."
            )
        self._count_failure(route, started, "error")
        if code == "DPY-1002":
            return PoolClosed(f"The pool of {where} was closed.")
        return exc

    def _count_failure(self, route: Route, started: float, outcome: str) -> None:
        counters = self._counters_for(route)  # the pool's own counters count only checkouts made
        if outcome == "timeout":
            counters.timeouts += 1
        elif outcome == "rejected":
            counters.rejections += 1
        else:
            counters.errors += 1
        waited = time.monotonic() - started
        counters.wait_seconds += waited
        if self._listeners:
            self._notify(route, waited, outcome)

    def _notify(self, route: Route, waited: float, outcome: str) -> None:
        event = CheckoutEvent(route.alias, route.label, route.session_cclass, waited, outcome)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a metrics bug must never fail a request
                logger.exception("checkout listener %r failed", listener)

    def release(self, conn: oracledb.Connection, *, discard: bool = False) -> None:
        """Give ``conn`` back to its pool (a one-way DRCP release; any open transaction is rolled back), or
        with ``discard`` drop it from the pool (its physical connection closes).

        Connections this registry did not hand out are simply closed. Never raises for a connection that
        is already dead: the driver drops it from its pool.
        """
        lent = self._checkouts.pop(id(conn), None)
        if lent is None:
            if os.getpid() == self._pid:
                _quiet_close(conn)
            return
        try:
            if discard:
                _quiet_drop(lent[1].pool, conn)
            else:
                try:
                    conn.close()
                except oracledb.Error as exc:  # as _quiet_close, without its call on this path
                    logger.debug("release of a dead connection ignored: %s", exc)
        finally:
            now = self._finish(lent[1], lent[2], lent[3])
            # Drop the weak reference before the caller drops the connection: a dead weakref never calls
            # back, so a released connection is never taken for an abandoned one.
            del lent
        if self._abandoned:
            self._reap_abandoned()
        if now >= self._next_sweep:
            self._sweep()

    def _finish(self, entry: _Entry, counters: Counters, token: object) -> float:
        """Give back what a checkout held: its pool's busy count (closing a retired pool it was the last
        user of) and its admission token. Returns the clock reading it stamped the pool with."""
        now = monotonic()
        lock = self._lock
        lock.acquire()  # not ``with``: see acquire()
        try:
            entry.busy -= 1
            entry.counters.releases += 1
            counters.releases += 1
            entry.last_used = now
            to_close = entry.retiring and entry.busy == 0
            if self._draining:
                self._released.notify_all()
        finally:
            lock.release()
        if token is not None and self._admission is not None:
            self._admission.leave(token)
        if to_close:
            _close_pool(entry)
        return now

    def _reap_abandoned(self) -> None:
        """Finish the checkouts whose connections were collected without release()."""
        while self._abandoned:
            try:
                ref = self._abandoned.popleft()
            except IndexError:  # another thread took the last one
                return
            with self._lock:
                # Still lent: not released meanwhile (a released checkout's callback may still fire, when
                # the connection dies just after release()). A search, but a rare one (a leak).
                found = next((k for k, lent in self._checkouts.items() if lent[0] is ref), None)
                lent = None if found is None else self._checkouts.pop(found)
            if lent is None:
                continue
            entry = lent[1]
            logger.warning(
                "a connection of %s/%s was garbage-collected without being released (a thread ended with "
                "its Django connection open? call django.db.connections.close_all() at its end)",
                entry.route.alias,
                entry.route.label or "-",
            )
            self._finish(entry, lent[2], lent[3])

    # -- pools ------------------------------------------------------------------------------------------

    def _counters_for(self, route: Route) -> Counters:
        return self._counters_for_label((route.alias, route.label, route.session_cclass))

    def _counters_for_label(self, label: tuple[str, str | None, str]) -> Counters:
        counters = self._counters.get(label)
        if counters is None:
            counters = self._counters.setdefault(label, Counters())
        return counters

    def _reserve(
        self, route: Route, now: float, admission: Admission | None, subject: object = None
    ) -> tuple[_Entry, Counters]:
        """The entry for the route's key, created if needed, with one more busy slot (so it is never
        evicted while a caller is acquiring from it), and the counters of the route's label."""
        key = route.key
        evicted: list[_Entry] = []
        with self._lock:
            entry = self._pools.get(key)
            known = entry.routes.get(id(route)) if entry is not None else None
            # A route not seen yet: another tenant of a shared pool or a route rebuilt for the same
            # settings is served by the pool; otherwise settings changed (override_settings, a new
            # password, a tenant's new class): retire the old pool, it closes when its last connection
            # comes back.
            if entry is not None and known is None and not entry.route.same_pool(route):
                del self._pools[key]
                entry.retiring = True
                if entry.busy == 0:
                    evicted.append(entry)
                entry = None
            if entry is None:
                if route.pool_tenant is not None:
                    evicted.extend(self._evict_for_new_pool())
                entry = self._create(route)
            if known is None:
                if len(entry.routes) > 1000:  # tenants come and go
                    entry.routes.clear()
                applies = getattr(admission, "applies", None)
                admits = admission is not None and (applies is None or bool(applies(route.alias, subject)))
                known = entry.routes[id(route)] = (route, self._counters_for(route), admits, subject)
            entry.busy += 1
            entry.last_used = now
        for old in evicted:
            _close_pool(old)
        return entry, known[1]

    @sensitive_variables("kwargs")
    def _create(self, route: Route) -> _Entry:
        """Under the lock: a new pool for ``route`` (with any size set by :meth:`resize`)."""
        _ensure_exit_closer()
        config = route.config.resized(**self._sizes.get((route.alias, route.pool_tenant), {}))
        counters = Counters()  # the pool's own; the label's (alias, pool tenant, class) counts logins too
        label_counters = self._counters_for_label((route.alias, route.pool_tenant, route.cclass))

        def count_login(connection: oracledb.Connection, requested_tag: str | None) -> None:
            # The thin driver calls the session callback once per new physical connection: a login.
            counters.logins += 1
            label_counters.logins += 1

        kwargs = config.pool_kwargs(route.cclass, route.purity, session_callback=count_login)
        dsn = kwargs.pop("dsn")
        # The password travels inside PoolParams, whose repr leaves it out: it never shows among the frame
        # locals of a traceback (Django's DEBUG page) below this point.
        pool = oracledb.create_pool(dsn=dsn, params=oracledb.PoolParams(**kwargs))
        entry = _Entry(route, pool, counters)
        self._pools[route.key] = entry
        logger.debug("created pool %s/%s cclass=%s", route.alias, route.pool_tenant or "-", route.cclass)
        return entry

    def _unreserve(self, entry: _Entry) -> None:
        with self._lock:
            entry.busy -= 1
            # Retired (closed, evicted or re-configured) while this checkout was under way: it was the
            # last user, so nobody else will close the pool.
            to_close = entry.retiring and entry.busy == 0
        if to_close:
            _close_pool(entry)

    def _evict_for_new_pool(self) -> list[_Entry]:
        """Under the lock: make room for one more tenant pool under ``MAX_LIVE_POOLS`` by removing the least
        recently used idle tenant pools. A soft cap: when every tenant pool is busy, the new one is made
        anyway and the excess is closed as soon as pools go idle."""
        cap = max_live_pools()
        if cap is None:
            return []
        return self._evict_over(cap - 1)

    def _evict_over(self, keep: int) -> list[_Entry]:
        tenant_pools = [e for e in self._pools.values() if e.route.pool_tenant is not None]
        excess = len(tenant_pools) - keep
        if excess <= 0:
            return []
        removed: list[_Entry] = []
        for entry in sorted((e for e in tenant_pools if e.busy == 0), key=lambda e: e.last_used)[:excess]:
            del self._pools[entry.key]
            entry.retiring = True
            removed.append(entry)
        return removed

    def evict_idle(self, idle_for: float | None = None) -> int:
        """Close tenant pools with nothing checked out and unused for ``idle_for`` seconds (default
        ``DRCP_MULTI['POOL_IDLE_TIMEOUT']``), and idle ones above ``MAX_LIVE_POOLS``. Returns how many were
        closed. Also runs by itself from ``release``, at most every few seconds."""
        if idle_for is None:
            idle_for = pool_idle_timeout()
        now = time.monotonic()
        with self._lock:
            removed: list[_Entry] = []
            if idle_for is not None:
                for entry in list(self._pools.values()):
                    if (
                        entry.route.pool_tenant is not None
                        and entry.busy == 0
                        and now - entry.last_used >= idle_for
                    ):
                        del self._pools[entry.key]
                        entry.retiring = True
                        removed.append(entry)
            cap = max_live_pools()
            if cap is not None:
                removed.extend(self._evict_over(cap))
        for entry in removed:
            _close_pool(entry)
        return len(removed)

    def _sweep(self) -> None:
        idle_for = pool_idle_timeout()
        self._next_sweep = time.monotonic() + min(5.0, (idle_for or 10.0) / 2)
        self.evict_idle(idle_for)

    def _matching(self, alias: str | None, tenant: str | None) -> list[_Entry]:
        return [
            e
            for e in self._pools.values()
            if (alias is None or e.route.alias == alias) and (tenant is None or e.route.pool_tenant == tenant)
        ]

    def close(self, alias: str | None = None, tenant: str | None = None, *, force: bool = False) -> int:
        """Close the pools of ``alias`` (all aliases when None) and ``tenant`` (a tenant name; all when
        None).

        The pools leave the registry at once, so the next ``acquire`` builds a new one. Pools with
        connections still checked out are drained: closed when their last connection comes back, or at
        once (busy connections included) with ``force=True``. Returns the number of pools affected. Used
        when a tenant is removed or disabled, by Django's test database teardown and by
        ``manage.py drcp_pools close``.
        """
        with self._lock:
            matched = self._matching(alias, tenant)
            now_closing: list[_Entry] = []
            for entry in matched:
                del self._pools[entry.key]
                entry.retiring = True
                if entry.busy == 0 or force:
                    now_closing.append(entry)
        for entry in now_closing:
            _close_pool(entry)
        return len(matched)

    def retire(self, alias: str | None = None, tenant: str | None = None) -> int:
        """Replace the pools of ``alias``/``tenant``: the next checkout builds new ones, reading the
        settings (and a callable or file ``PASSWORD``) again, while the old pools finish the connections
        they lent and then close. Credential rotation without a failed request. Returns how many."""
        return self.close(alias, tenant)

    def resize(
        self,
        alias: str,
        tenant: str | None = None,
        *,
        min: int | None = None,
        max: int | None = None,
        increment: int | None = None,
    ) -> int:
        """Change the size of the pools of ``alias`` (and ``tenant``; None: the alias's own pool and every
        tenant pool of the alias) in this process, now and for the pools made later. Uses the driver's
        ``reconfigure()`` where it applies; otherwise the pool is retired and rebuilt at the new size.
        Raises ValueError for sizes the pool cannot take. Returns how many live pools changed."""
        sizes = {k: v for k, v in {"min": min, "max": max, "increment": increment}.items() if v is not None}
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in sizes.values()):
            raise ValueError(f"pool sizes must be integers >= 0, not {sizes}")
        with self._lock:
            targets = (
                [(alias, tenant)]
                if tenant is not None
                else [(alias, None)]
                + [
                    (alias, e.route.pool_tenant)
                    for e in self._pools.values()
                    if e.route.alias == alias and e.route.pool_tenant is not None
                ]
            )
            for target in targets:
                merged = {**self._sizes.get(target, {}), **sizes}
                self._sizes[target] = merged
            matched = self._matching(alias, tenant)
        changed = 0
        for entry in matched:
            wanted = entry.route.config.resized(**self._sizes.get((alias, entry.route.pool_tenant), {}))
            if wanted.min > wanted.max or wanted.max < 1 or wanted.increment < 1:
                raise ValueError(
                    f"pool of {alias!r}/{entry.route.pool_tenant or '-'}: min <= max, max >= 1 "
                    f"and increment >= 1 are required, not {sizes}"
                )
            try:
                entry.pool.reconfigure(min=wanted.min, max=wanted.max, increment=wanted.increment)
            except oracledb.Error as exc:  # not supported by this driver or mode: rebuild instead
                logger.info("reconfigure() of %s/%s refused (%s): retiring it", alias, entry.key[1], exc)
                self.close(alias, entry.route.pool_tenant)
            changed += 1
        return changed

    def drain(self, timeout: float) -> bool:
        """Stop new checkouts (they raise :class:`~drcp_multi.exceptions.DrainingError` at once), wait up to
        ``timeout`` seconds for every checked-out connection to come back, then close every pool (busy
        ones too). Returns whether everything came back in time. Graceful shutdown calls it on SIGTERM."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._draining = True
            while any(e.busy for e in self._pools.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._released.wait(remaining)
            clean = not any(e.busy for e in self._pools.values())
        self.close(force=True)
        return clean

    def reopen(self) -> None:
        """Accept checkouts again after :meth:`drain` (tests, or a worker that keeps serving)."""
        self._draining = False

    @property
    def draining(self) -> bool:
        return self._draining

    def close_all(self) -> None:
        """Close every pool of this process at once, busy connections included (interpreter exit)."""
        if os.getpid() != self._pid:
            return
        self.close(force=True)

    def stats(self) -> list[PoolStats]:
        """One :class:`PoolStats` per live pool of this process. Never a password."""
        if self._pid != _process_id:
            self._after_fork_in_child()
        self._reap_abandoned()
        with self._lock:
            entries = list(self._pools.values())
        rows = []
        for e in entries:
            try:
                opened, busy = e.pool.opened, e.pool.busy
            except oracledb.Error:  # closed meanwhile
                continue
            config, counters = e.route.config, e.counters
            rows.append(
                PoolStats(
                    alias=e.route.alias,
                    tenant=e.route.pool_tenant,
                    cclass=e.route.cclass,
                    purity=e.route.purity.name,
                    user=config.user,
                    pid=self._pid,
                    opened=opened,
                    busy=busy,
                    min=e.pool.min,
                    max=e.pool.max,
                    increment=e.pool.increment,
                    getmode=config.getmode.name,
                    wait_timeout=config.wait_timeout,
                    call_timeout=config.call_timeout,
                    timeout=config.timeout,
                    ping_interval=config.ping_interval,
                    checkouts=counters.checkouts,
                    releases=counters.releases,
                    timeouts=counters.timeouts,
                    rejections=counters.rejections,
                    errors=counters.errors,
                    logins=counters.logins,
                    wait_seconds=counters.wait_seconds,
                )
            )
        return rows

    def counters(self) -> dict[tuple[str, str | None, str], Counters]:
        """The counters of every (alias, tenant, class) this process has served, live pool or not (for
        metrics, whose counters must never go down when a pool is retired)."""
        return dict(self._counters)

    # -- processes --------------------------------------------------------------------------------------

    def _after_fork_in_child(self) -> None:
        # The parent's pools share their sockets with the parent: never use, close or finalize them here.
        for entry in self._pools.values():
            orphan(entry.pool)
        self._lock = threading.Lock()  # another thread may have held the old one at fork time
        self._released = threading.Condition(self._lock)
        self._pools = {}
        self._checkouts = {}
        self._abandoned = collections.deque()
        self._abandon = self._abandoned.append
        self._counters = {}
        self._draining = False
        self._pid = _process_id
        self._next_sweep = 0.0

    def owns(self, conn: oracledb.Connection) -> bool:
        """Whether ``conn`` was handed out by this registry in this process and is still checked out."""
        return self._pid == _process_id and id(conn) in self._checkouts


def orphan(obj: object) -> None:
    """Make a parent's pool or connection immortal in a forked child.

    Its finalizer would close it, i.e. send a logoff or a DRCP release on a socket the parent still uses.
    A reference from a module is not enough: modules are cleared at interpreter exit and finalizers run
    then, so the object also gets one reference that nothing ever gives back.
    """
    _orphans.append(obj)
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def _quiet_close(conn: oracledb.Connection) -> None:
    try:
        conn.close()
    except oracledb.Error as exc:  # already dead or its pool already closed: nothing left to give back
        logger.debug("release of a dead connection ignored: %s", exc)


def _quiet_drop(pool: oracledb.ConnectionPool, conn: oracledb.Connection) -> None:
    try:
        pool.drop(conn)
    except oracledb.Error as exc:
        logger.debug("drop of a dead connection ignored: %s", exc)


def _close_pool(entry: _Entry) -> None:
    try:
        entry.pool.close(force=True)
    except oracledb.Error as exc:
        logger.debug("closing pool %s/%s: %s", entry.route.alias, entry.route.pool_tenant, exc)


_instances: weakref.WeakSet[PoolRegistry] = weakref.WeakSet()
_registry: PoolRegistry | None = None
_registry_lock = threading.Lock()


def get_registry() -> PoolRegistry:
    """The process-wide registry."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = PoolRegistry()
    return _registry


def registries() -> Iterable[PoolRegistry]:
    """Every registry of this process (the process-wide one and any a test made)."""
    return list(_instances)


def _after_fork_in_child() -> None:
    global _registry_lock, _closer_pid, _process_id
    _process_id = os.getpid()
    _registry_lock = threading.Lock()
    _closer_pid = None
    for registry in list(_instances):
        registry._after_fork_in_child()


# python-oracledb closes thin pools at exit from a thread it starts with the first pool of the process.
# A forked child inherits "already started" without the thread, so pools made in the child would keep
# its exit waiting on their (non-daemon) threads forever; the registry does that job in forked children.
_closer_pid: int | None = os.getpid()


def _ensure_exit_closer() -> None:
    global _closer_pid
    if _closer_pid == _process_id:
        return
    _closer_pid = _process_id
    threading.Thread(target=_close_when_main_thread_ends, name="drcp_multi-exit-closer").start()


def _close_when_main_thread_ends() -> None:
    threading.main_thread().join()  # ends when the interpreter starts shutting down, before atexit
    _at_exit()


def _at_exit() -> None:
    for registry in list(_instances):
        registry.close_all()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)
