"""The process-wide pool registry: the only caller of ``oracledb.create_pool``.

One pool per key, created lazily under a lock and shared by every thread (never one per thread, as the
2014 backend did). Keys follow ``DRCP_MULTI['TENANCY_MODE']``:

* no tenant, ``"alias"`` and ``"shared_pool"``: one pool per alias; a tenant's class is asked for on each
  ``acquire(cclass=...)``;
* ``"pool_per_tenant"``: one pool per (alias, tenant) whose connections log in with the tenant's class.
  Each thin pool runs a thread, so idle tenant pools are closed after ``POOL_IDLE_TIMEOUT`` seconds and at
  most ``MAX_LIVE_POOLS`` are kept (least recently used idle ones are closed first).

Pools belong to the process that made them: after ``fork()`` the child forgets the parent's pools without
touching their sockets and builds its own. Pools still open at interpreter exit are closed, so a thin pool
never hangs the exit.
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
from dataclasses import dataclass, field
from typing import Any

import oracledb

from drcp_multi.conf import (
    PoolConfig,
    drcp_setting,
    get_pool_config,
    tenancy_mode,
)
from drcp_multi.exceptions import PoolClosed, PoolTimeout
from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import get_trace_attributes
from drcp_multi.validation import validate_cclass

logger = logging.getLogger("drcp_multi.registry")

# (alias, tenant name or None, user, dsn): the user is part of the key because Django's test runner
# switches an alias to another USER in place, and its admin connection keeps the first one.
PoolKey = tuple[str, str | None, str, str]

# Parents' pools and connections in a forked child: made immortal (see orphan()) so that no finalizer
# ever talks on a socket the parent still uses.
_orphans: list[Any] = []


@dataclass(eq=False)
class _Entry:
    key: PoolKey
    alias: str
    tenant: str | None
    cclass: str
    purity: oracledb.Purity
    config: PoolConfig
    pool: oracledb.ConnectionPool
    busy: int = 0  # our own count: the driver's changes only after acquire() returns
    last_used: float = field(default_factory=time.monotonic)
    retiring: bool = False  # removed from the registry; closed when the last connection comes back


@dataclass(eq=False)
class _Checkout:
    entry: _Entry
    limited_tenant: Tenant | None  # the tenant whose busy quota this checkout holds
    key: int = 0  # id() of the connection
    pid: int = field(default_factory=os.getpid)
    # Fires when the connection is collected without release() (a thread ended with its Django connection
    # open: the driver's __del__ gives the connection back, this gives back our counts and the slot).
    finalizer: weakref.finalize | None = None


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
        self._lock = threading.RLock()
        self._pools: dict[PoolKey, _Entry] = {}
        self._checkouts: dict[int, _Checkout] = {}
        self._abandoned: collections.deque[_Checkout] = collections.deque()
        self._pid = os.getpid()
        self._next_sweep = 0.0
        _instances.add(self)

    # -- checkout ---------------------------------------------------------------------------------------

    def acquire(
        self,
        alias: str,
        tenant: Tenant | None = None,
        *,
        settings_dict: dict[str, Any] | None = None,
    ) -> oracledb.Connection:
        """A connection for ``alias`` (and ``tenant``), with the trace attributes of the current context.

        Raises :class:`~drcp_multi.exceptions.PoolTimeout` when the pool stays exhausted for
        ``POOL['wait_timeout']`` seconds, ``drcp_multi.limits.TenantBusy`` when the tenant's ``max_busy``
        quota stays full, :class:`~drcp_multi.exceptions.ConfigurationError` for invalid
        settings or classes, and the driver's errors for anything the database refuses.
        """
        self._check_pid()
        self._reap_abandoned()
        config = get_pool_config(alias, settings_dict)
        mode = tenancy_mode() if tenant is not None else None
        pool_tenant: str | None = None
        cclass, purity = config.cclass, config.purity
        acquire_kwargs: dict[str, Any] = {}
        if tenant is not None:
            cclass = validate_cclass(tenant.cclass or _tenant_cclass(tenant), "tenant connection class")
            purity = oracledb.Purity(tenant.purity) if tenant.purity is not None else config.purity
            if mode == "pool_per_tenant":
                pool_tenant = tenant.name
            elif cclass != config.cclass or purity != config.purity:
                acquire_kwargs = {"cclass": cclass, "purity": purity}

        limited = tenant if tenant is not None and tenant.max_busy is not None else None
        if limited is not None:
            from drcp_multi.limits import get_limiter  # written by the tenancy side; only needed here

            get_limiter().acquire(limited)  # waits DRCP_MULTI["TENANT_WAIT_TIMEOUT"] at most
        try:
            if pool_tenant is None:
                entry = self._reserve(config, None, config.cclass, config.purity)
            else:
                entry = self._reserve(config, pool_tenant, cclass, purity)
            try:
                conn = self._acquire_live(entry, acquire_kwargs)
            except BaseException:
                self._unreserve(entry)
                raise
        except oracledb.Error as exc:
            if limited is not None:
                get_limiter().release(limited)
            code = _error_code(exc)
            if code == "DPY-4005":
                waited = (
                    "at once (POOL['getmode'] is 'nowait')"
                    if config.getmode == oracledb.PoolGetMode.NOWAIT
                    else f"within POOL['wait_timeout'] ({config.wait_timeout} s)"
                )
                raise PoolTimeout(
                    f"No connection of pool {alias!r}/{pool_tenant or '-'} (cclass {cclass!r}) was free "
                    f"{waited}: all POOL['max']={config.max} are checked out in this process. Raise "
                    "POOL['max'] or shorten the work done while holding a connection."
                ) from exc
            if code == "DPY-1002":
                raise PoolClosed(f"The pool of {alias!r}/{pool_tenant or '-'} was closed.") from exc
            raise
        except BaseException:
            if limited is not None:
                get_limiter().release(limited)
            raise
        try:
            _stamp(conn)
        except BaseException:  # e.g. a trace attribute that is not a string: give everything back
            _quiet_close(conn)
            self._unreserve(entry)
            if limited is not None:
                get_limiter().release(limited)
            raise
        checkout = _Checkout(entry, limited, id(conn))
        # The callback only queues (it may run inside the GC, in any thread, even one holding our locks);
        # the queue is worked off by the next acquire, release or stats.
        checkout.finalizer = weakref.finalize(conn, self._abandoned.append, checkout)
        checkout.finalizer.atexit = False
        with self._lock:
            self._checkouts[checkout.key] = checkout
        return conn

    @staticmethod
    def _acquire_live(entry: _Entry, kwargs: dict[str, Any]) -> oracledb.Connection:
        try:
            return entry.pool.acquire(**kwargs)
        except oracledb.Error as exc:
            # Some driver versions (2.x) report an idle connection whose socket the network closed while
            # handing it out, after dropping it: the next attempt gets a live one.
            if not is_disconnect(exc):
                raise
            logger.info("dropped a dead pooled connection of %s/%s: %s", entry.alias, entry.tenant, exc)
            return entry.pool.acquire(**kwargs)

    def release(self, conn: oracledb.Connection) -> None:
        """Give ``conn`` back to its pool (a one-way DRCP release; any open transaction is rolled back).

        Connections this registry did not hand out are simply closed. Never raises for a connection that
        is already dead: the driver drops it from its pool.
        """
        self._reap_abandoned()
        with self._lock:
            checkout = self._checkouts.pop(id(conn), None)
        if checkout is None:
            if os.getpid() == self._pid:
                _quiet_close(conn)
            return
        if checkout.finalizer is not None:
            checkout.finalizer.detach()
        try:
            _quiet_close(conn)
        finally:
            self._finish(checkout)
            self._maybe_sweep()

    def _finish(self, checkout: _Checkout) -> None:
        """Give back what a checkout held: its pool's busy count (closing a retired pool it was the last
        user of) and its tenant's slot."""
        entry = checkout.entry
        to_close = None
        with self._lock:
            entry.busy -= 1
            entry.last_used = time.monotonic()
            if entry.retiring and entry.busy == 0:
                to_close = entry
        if checkout.limited_tenant is not None:
            from drcp_multi.limits import get_limiter

            get_limiter().release(checkout.limited_tenant)
        if to_close is not None:
            _close_pool(to_close)

    def _reap_abandoned(self) -> None:
        """Finish the checkouts whose connections were collected without release()."""
        while self._abandoned:
            try:
                checkout = self._abandoned.popleft()
            except IndexError:  # another thread took the last one
                return
            if checkout.pid != os.getpid():
                continue
            with self._lock:
                if self._checkouts.get(checkout.key) is checkout:  # not already reused by a new connection
                    del self._checkouts[checkout.key]
            logger.warning(
                "a connection of %s/%s was garbage-collected without being released (a thread ended with "
                "its Django connection open? call django.db.connections.close_all() at its end)",
                checkout.entry.alias,
                checkout.entry.tenant or "-",
            )
            self._finish(checkout)

    # -- pools ------------------------------------------------------------------------------------------

    def _reserve(
        self, config: PoolConfig, tenant: str | None, cclass: str, purity: oracledb.Purity
    ) -> _Entry:
        """The entry for the key, created if needed, with one more busy slot (so it is never evicted while
        a caller is acquiring from it)."""
        key: PoolKey = (config.alias, tenant, config.user, config.dsn)
        evicted: list[_Entry] = []
        with self._lock:
            entry = self._pools.get(key)
            if entry is not None and (
                entry.config != config or (entry.cclass, entry.purity) != (cclass, purity)
            ):
                # Settings changed (override_settings, a tenant's new class): retire the old pool.
                self._pools.pop(key)
                entry.retiring = True
                if entry.busy == 0:
                    evicted.append(entry)
                entry = None
            if entry is None:
                if tenant is not None:
                    evicted.extend(self._evict_for_new_pool())
                _ensure_exit_closer()
                pool = oracledb.create_pool(**config.pool_kwargs(cclass=cclass, purity=purity))
                entry = _Entry(key, config.alias, tenant, cclass, purity, config, pool)
                self._pools[key] = entry
                logger.debug("created pool %s/%s cclass=%s", config.alias, tenant or "-", cclass)
            entry.busy += 1
            entry.last_used = time.monotonic()
        for old in evicted:
            _close_pool(old)
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
        cap = drcp_setting("MAX_LIVE_POOLS")
        if cap is None:
            return []
        return self._evict_over(cap - 1)

    def _evict_over(self, keep: int) -> list[_Entry]:
        tenant_pools = [e for e in self._pools.values() if e.tenant is not None]
        excess = len(tenant_pools) - keep
        removed: list[_Entry] = []
        if excess <= 0:
            return removed
        for entry in sorted((e for e in tenant_pools if e.busy == 0), key=lambda e: e.last_used)[:excess]:
            del self._pools[entry.key]
            entry.retiring = True
            removed.append(entry)
        return removed

    def evict_idle(self, idle_for: float | None = None) -> int:
        """Close tenant pools with nothing checked out and unused for ``idle_for`` seconds (default
        ``DRCP_MULTI['POOL_IDLE_TIMEOUT']``), and idle ones above ``MAX_LIVE_POOLS``. Returns how many were
        closed. Also runs by itself from ``acquire``/``release``, at most every few seconds."""
        if idle_for is None:
            idle_for = drcp_setting("POOL_IDLE_TIMEOUT")
        now = time.monotonic()
        with self._lock:
            removed: list[_Entry] = []
            if idle_for is not None:
                for entry in list(self._pools.values()):
                    if entry.tenant is not None and entry.busy == 0 and now - entry.last_used >= idle_for:
                        del self._pools[entry.key]
                        entry.retiring = True
                        removed.append(entry)
            cap = drcp_setting("MAX_LIVE_POOLS")
            if cap is not None:
                removed.extend(self._evict_over(cap))
        for entry in removed:
            _close_pool(entry)
        return len(removed)

    def _maybe_sweep(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        idle_for = drcp_setting("POOL_IDLE_TIMEOUT")
        self._next_sweep = now + min(5.0, (idle_for or 10.0) / 2)
        self.evict_idle(idle_for)

    def close(
        self, alias: str | None = None, tenant: Tenant | str | None = None, *, force: bool = False
    ) -> int:
        """Close the pools of ``alias`` (all aliases when None) and ``tenant`` (all when None).

        The pools leave the registry at once, so the next ``acquire`` builds a new one. Pools with
        connections still checked out are drained: closed when their last connection comes back, or at
        once (busy connections included) with ``force=True``. Returns the number of pools affected. Used
        when a tenant is removed or disabled, by Django's test database teardown and by
        ``manage.py drcp_pools close``.
        """
        tenant_name = tenant.name if isinstance(tenant, Tenant) else tenant
        with self._lock:
            matched = [
                e
                for e in self._pools.values()
                if (alias is None or e.alias == alias) and (tenant is None or e.tenant == tenant_name)
            ]
            now_closing: list[_Entry] = []
            for entry in matched:
                del self._pools[entry.key]
                entry.retiring = True
                if entry.busy == 0 or force:
                    now_closing.append(entry)
        for entry in now_closing:
            _close_pool(entry)
        return len(matched)

    def close_all(self) -> None:
        """Close every pool of this process at once, busy connections included (interpreter exit)."""
        if os.getpid() != self._pid:
            return
        self.close(force=True)

    def stats(self) -> list[dict[str, Any]]:
        """One dict per live pool: alias, tenant, cclass, purity, opened, busy, min, max, increment, pid,
        user, getmode, wait_timeout, ping_interval, timeout. Never a password."""
        self._check_pid()
        self._reap_abandoned()
        with self._lock:
            entries = list(self._pools.values())
        rows = []
        for e in entries:
            try:
                opened, busy = e.pool.opened, e.pool.busy
            except oracledb.Error:  # closed meanwhile
                continue
            rows.append(
                {
                    "alias": e.alias,
                    "tenant": e.tenant,
                    "cclass": e.cclass,
                    "purity": e.purity.name,
                    "opened": opened,
                    "busy": busy,
                    "min": e.config.min,
                    "max": e.config.max,
                    "increment": e.config.increment,
                    "pid": self._pid,
                    "user": e.config.user,
                    "getmode": e.config.getmode.name,
                    "wait_timeout": e.config.wait_timeout,
                    "ping_interval": e.config.ping_interval,
                    "timeout": e.config.timeout,
                }
            )
        return rows

    # -- processes --------------------------------------------------------------------------------------

    def _check_pid(self) -> None:
        if os.getpid() != self._pid:
            self._after_fork_in_child()

    def _after_fork_in_child(self) -> None:
        # The parent's pools share their sockets with the parent: never use, close or finalize them here.
        for entry in self._pools.values():
            orphan(entry.pool)
        self._lock = threading.RLock()  # another thread may have held the old one at fork time
        self._pools = {}
        self._checkouts = {}
        self._abandoned = collections.deque()
        self._pid = os.getpid()
        self._next_sweep = 0.0

    def owns(self, conn: oracledb.Connection) -> bool:
        """Whether ``conn`` was handed out by this registry in this process and is still checked out."""
        return os.getpid() == self._pid and id(conn) in self._checkouts


def orphan(obj: object) -> None:
    """Make a parent's pool or connection immortal in a forked child.

    Its finalizer would close it, i.e. send a logoff or a DRCP release on a socket the parent still uses.
    A reference from a module is not enough: modules are cleared at interpreter exit and finalizers run
    then, so the object also gets one reference that nothing ever gives back.
    """
    _orphans.append(obj)
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def _tenant_cclass(tenant: Tenant) -> str:
    return f"{drcp_setting('CCLASS_PREFIX') or ''}{tenant.name}"


def _stamp(conn: oracledb.Connection) -> None:
    """Set (or clear) the end-to-end tracing attributes on every checkout.

    The driver sends them with the next call, so this costs no round trip; they stay on the session after
    release, so leaving them unset would leak the previous user's values."""
    trace = get_trace_attributes()
    # None (not ""): the driver then sends "clear" with no value bytes, which is what Oracle expects.
    conn.client_identifier = (trace.client_identifier if trace else None) or None  # type: ignore[assignment]
    conn.module = (trace.module if trace else None) or None  # type: ignore[assignment]
    conn.action = (trace.action if trace else None) or None  # type: ignore[assignment]


def _quiet_close(conn: oracledb.Connection) -> None:
    try:
        conn.close()
    except oracledb.Error as exc:  # already dead or its pool already closed: nothing left to give back
        logger.debug("release of a dead connection ignored: %s", exc)


def _close_pool(entry: _Entry) -> None:
    try:
        entry.pool.close(force=True)
    except oracledb.Error as exc:
        logger.debug("closing pool %s/%s: %s", entry.alias, entry.tenant, exc)


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


def _after_fork_in_child() -> None:
    global _registry_lock, _closer_pid
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
    with _registry_lock:
        if _closer_pid == os.getpid():
            return
        _closer_pid = os.getpid()
    threading.Thread(target=_close_when_main_thread_ends, name="drcp_multi-exit-closer").start()


def _close_when_main_thread_ends() -> None:
    threading.main_thread().join()  # ends when the interpreter starts shutting down, before atexit
    _at_exit()


def _at_exit() -> None:
    for registry in list(_instances):
        registry.close_all()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_at_exit)
