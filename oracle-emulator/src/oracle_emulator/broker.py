"""The DRCP connection broker: few pooled servers shared by many cheap client connections.

A client connection that asked for ``(SERVER=pooled)`` is lent a server session at its login (Oracle's
broker hands it to a pooled server, which authenticates it) and at its first call after a SESSION_RELEASE,
matched by (user, cclass):

* purity SELF: a free server of the same class is reused (a *hit*), else one is created (a *miss*);
* purity NEW: always a fresh session (a *miss*): a free server of the class has its old session
  destroyed (``engine.close_session``) and replaced, otherwise one is created;
* at ``max_pooled_servers`` with no usable free server: a free server of another class (or, for NEW,
  any free server) is destroyed and re-created for the requester (a *miss*, as Oracle does);
  with none free at all the call *waits* (queues) until a server is released. Oracle queues without
  limit; ``wait_timeout`` (default None: no limit) is an opt-in test aid that fails the call with
  ORA-24457 after that many seconds.

The pool's DBMS_CONNECTION_POOL parameters (:class:`PoolParams`) are enforced by :meth:`Broker.sweep`,
which the instance's housekeeping thread calls: a client that holds a pooled server without a call for
longer than MAX_THINK_TIME is disconnected (its server rolled back and freed), and a free server idle
longer than INACTIVITY_TIMEOUT is terminated while the pool is above MINSIZE.

Every figure is updated under one lock, so counts are exact under concurrency.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .results import OracleError
from .session import ServerSession

POOL_NAME = "SYS_DEFAULT_CONNECTION_POOL"
DEFAULT_CCLASS = "SHARED"
# No Oracle error exists for "client gave up waiting in the DRCP broker queue" (Oracle queues
# forever). ORA-24457 is the documented error for "could not find a free session in the specified
# timeout period"; python-oracledb reports it as DPY-4005 (timed out waiting for the pool).
BROKER_TIMEOUT_CODE = 24457
BROKER_TIMEOUT_MESSAGE = (
    "OCISessionGet() could not find a free session in the specified timeout period"
    " (DRCP broker wait timed out)"
)


# Oracle's PL/SQL Packages and Types Reference, DBMS_CONNECTION_POOL.CONFIGURE_POOL: the defaults.
@dataclass(frozen=True)
class PoolParams:
    """The pool's configuration as DBA_CPOOL_INFO shows it (seconds for the timeouts; None: no limit,
    an emulator extension for tests)."""

    minsize: int = 4
    maxsize: int = 40
    incrsize: int = 2
    session_cached_cursors: int = 20
    inactivity_timeout: float | None = 300
    max_think_time: float | None = 120
    max_use_session: int = 500000
    max_lifetime_session: float | None = 86400
    num_cbrok: int = 1
    maxconn_cbrok: int = 40000
    max_txn_think_time: float | None = 0

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def with_values(self, **values: float | None) -> PoolParams:
        """A copy with some parameters changed; ORA-56505 for a value out of range."""
        for name, value in values.items():
            if value is None and name in ("inactivity_timeout", "max_think_time", "max_lifetime_session"):
                continue
            if value is None or value < 0 or value != value or value > 2147483646:
                raise OracleError(
                    56505, f"DRCP: Invalid pool configuration parameter value for {name.upper()}"
                )
        changed = replace(self, **values)  # type: ignore[arg-type]
        if changed.maxsize < 1 or changed.minsize > changed.maxsize:
            raise OracleError(56505, "DRCP: Invalid pool configuration parameter value (MINSIZE > MAXSIZE)")
        return changed

    def as_row(self) -> dict[str, Any]:
        def seconds(v: float | None) -> int | None:
            return None if v is None else int(v)

        return {
            "MINSIZE": self.minsize,
            "MAXSIZE": self.maxsize,
            "INCRSIZE": self.incrsize,
            "SESSION_CACHED_CURSORS": self.session_cached_cursors,
            "INACTIVITY_TIMEOUT": seconds(self.inactivity_timeout),
            "MAX_THINK_TIME": seconds(self.max_think_time),
            "MAX_USE_SESSION": self.max_use_session,
            "MAX_LIFETIME_SESSION": seconds(self.max_lifetime_session),
            "NUM_CBROK": self.num_cbrok,
            "MAXCONN_CBROK": self.maxconn_cbrok,
            "MAX_TXN_THINK_TIME": seconds(self.max_txn_think_time),
        }


@dataclass
class SweepResult:
    """What one :meth:`Broker.sweep` decided: clients to disconnect, sessions to destroy."""

    disconnect: list[Callable[[], None]] = field(default_factory=list)
    destroy: list[ServerSession] = field(default_factory=list)


# A DRCP connect while the pool is stopped: the listener has no pooled handler (TNS-12520).
POOL_STOPPED_CODE = 12520
POOL_STOPPED_MESSAGE = "TNS:listener could not find available handler for requested type of server"


class WaitCancelled(Exception):
    """The client interrupted its call while it waited for a pooled server."""


@dataclass
class ClassStats:
    """Figures of V$CPOOL_CC_STATS for one ``USER.CCLASS``."""

    num_requests: int = 0
    num_hits: int = 0
    num_misses: int = 0
    num_waits: int = 0
    wait_time: int = 0  # milliseconds
    client_req_timeouts: int = 0
    num_authentications: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "num_requests": self.num_requests,
            "num_hits": self.num_hits,
            "num_misses": self.num_misses,
            "num_waits": self.num_waits,
            "wait_time": self.wait_time,
            "client_req_timeouts": self.client_req_timeouts,
            "num_authentications": self.num_authentications,
        }


@dataclass(eq=False)
class ClientInfo:
    """What the broker knows about one pooled client connection (V$CPOOL_CONN_INFO)."""

    username: str
    cclass: str
    purity: str
    service: str
    program: str | None = None
    machine: str | None = None
    terminal: str | None = None
    session: ServerSession | None = None
    kept: ServerSession | None = None  # released but left attached (DRCP_DEDICATED_OPT)
    released: bool = False  # sent a SESSION_RELEASE: its server is no longer the one its login attached
    extra: dict[str, Any] = field(default_factory=dict)


def class_name(user: str, cclass: str | None) -> str:
    """The CCLASS_NAME Oracle shows: ``USER.CCLASS``."""
    return f"{user.upper()}.{cclass or DEFAULT_CCLASS}"


class Broker:
    """Lends pooled server sessions; implements :class:`oracle_emulator.results.ServerView`."""

    def __init__(
        self,
        service: str,
        max_pooled_servers: int = 40,
        wait_timeout: float | None = None,
        on_new_session: Callable[[bool], None] | None = None,
        on_destroy: Callable[[ServerSession], None] | None = None,
        params: PoolParams | None = None,
        dedicated_opt: bool = False,
    ) -> None:
        self.service = service
        self.dedicated_opt = dedicated_opt
        self.initial_params = replace(params or PoolParams(), maxsize=max_pooled_servers)
        self.params = self.initial_params
        self.active = True  # the server starts with the pool started (START_POOL already run)
        self.wait_timeout = wait_timeout
        # Called with True when a server process is started (the pool grows), False when a free
        # server gets a new session (another class, or purity NEW).
        self._on_new_session = on_new_session or (lambda spawned: None)
        self._on_destroy = on_destroy or (lambda s: None)
        self._cond = threading.Condition()
        self._free: list[ServerSession] = []  # oldest release first
        self._busy: set[ServerSession] = set()
        # DRCP_DEDICATED_OPT: servers released by their client but left attached to it, oldest first.
        self._kept: dict[ServerSession, ClientInfo] = {}
        self._reserved = 0  # creations in progress (count towards the maximum)
        self._dedicated: set[ServerSession] = set()
        self._clients: set[ClientInfo] = set()
        self._classes: dict[str, ClassStats] = {}
        self.created = 0
        self.purged = 0
        self.historic_max = 0
        self.think_time_expired = 0  # clients disconnected by MAX_THINK_TIME
        self.inactivity_terminated = 0  # free servers terminated by INACTIVITY_TIMEOUT
        self.killed = 0  # sessions ended by ALTER SYSTEM KILL SESSION

    @property
    def max_pooled_servers(self) -> int:
        return self.params.maxsize

    def configure(self, params: PoolParams) -> None:
        """New pool parameters (DBMS_CONNECTION_POOL); a larger MAXSIZE wakes waiting requests."""
        with self._cond:
            self.params = params
            self._cond.notify_all()

    def set_dedicated_opt(self, on: bool) -> None:
        """ALTER SYSTEM SET DRCP_DEDICATED_OPT; turning it off gives the kept servers to the pool."""
        with self._cond:
            self.dedicated_opt = on
            if not on:
                self._return_kept()
                self._cond.notify_all()

    def set_active(self, active: bool) -> list[ServerSession]:
        """START_POOL / STOP_POOL. Stopping frees the idle pool: returns the free servers to destroy."""
        with self._cond:
            self.active = active
            if active:
                return []
            self._return_kept()
            gone, self._free = self._free, []
            self._cond.notify_all()
            return gone

    # -- bookkeeping -------------------------------------------------------------------------

    def _stats(self, name: str) -> ClassStats:
        stats = self._classes.get(name)
        if stats is None:
            stats = self._classes[name] = ClassStats()
        return stats

    def register_client(self, info: ClientInfo) -> None:
        """A pooled client connection logged in (counts an authentication for its class)."""
        with self._cond:
            self._clients.add(info)
            self._stats(class_name(info.username, info.cclass)).num_authentications += 1

    def unregister_client(self, info: ClientInfo) -> None:
        with self._cond:
            self._clients.discard(info)
            kept, info.kept = info.kept, None
            if kept is not None and self._kept.pop(kept, None) is not None:
                self._free.append(kept)  # its client is gone: an ordinary free server now
                self._cond.notify()

    def _dedicated_opt_on(self) -> bool:
        """Oracle: dedicated optimization applies while the connections to the broker are fewer than
        the pool's maximum size."""
        return self.dedicated_opt and len(self._clients) < self.params.maxsize

    def _return_kept(self) -> None:
        """Give every kept server to the pool (the optimization no longer applies)."""
        for session, owner in self._kept.items():
            owner.kept = None
            self._free.append(session)
        self._kept.clear()

    def add_dedicated(self, session: ServerSession) -> None:
        with self._cond:
            self._dedicated.add(session)

    def remove_dedicated(self, session: ServerSession) -> bool:
        """Forget a dedicated session; False if it was already gone (server stop)."""
        with self._cond:
            if session not in self._dedicated:
                return False
            self._dedicated.discard(session)
            return True

    # -- lending -----------------------------------------------------------------------------

    def acquire(self, info: ClientInfo, cancelled: Callable[[], bool] | None = None) -> ServerSession:
        """Lend a pooled server to ``info`` (blocking up to the wait timeout).

        ``cancelled`` is polled while waiting; when it returns True (the client sent a break,
        e.g. its call timeout fired) the wait ends with :class:`WaitCancelled`, counted as a
        client request timeout.
        """
        name = class_name(info.username, info.cclass)
        user = info.username.upper()
        want_new = info.purity == "NEW"
        victim: ServerSession | None = None
        with self._cond:
            if not self.active:
                raise OracleError(POOL_STOPPED_CODE, POOL_STOPPED_MESSAGE)
            stats = self._stats(name)
            stats.num_requests += 1
            if info.kept is not None and self._kept.pop(info.kept, None) is not None:
                # Dedicated optimization: the client's own server, still attached to it.
                kept, info.kept = info.kept, None
                stats.num_hits += 1
                self._lend(kept, info, stats, time.monotonic(), False)
                return kept
            if self._kept and not self._dedicated_opt_on():
                self._return_kept()
            started = time.monotonic()
            deadline = None if self.wait_timeout is None else started + self.wait_timeout
            waited = False
            while True:
                match = self._free_match(user, info.cclass)
                if match is not None and not want_new:
                    candidate = self._free.pop(match)
                    stats.num_hits += 1
                    self._lend(candidate, info, stats, started, waited)
                    return candidate
                if match is not None:
                    # NEW reuses the class's free server but not its session: the old session is
                    # destroyed and a fresh one created in its place (the pool does not grow).
                    victim = self._free.pop(match)
                    self.purged += 1
                    break
                total = len(self._free) + len(self._busy) + len(self._kept) + self._reserved
                if total < self.max_pooled_servers:
                    break
                if self._kept and not self._free:
                    self._return_kept()  # a full pool takes back what the optimization left attached
                    continue
                if self._free:
                    victim = self._free.pop(0)  # the least recently used free server
                    self.purged += 1
                    break
                if not waited:
                    stats.num_waits += 1
                    waited = True
                # Oracle queues without limit; the configured wait limit is a test aid.
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    stats.client_req_timeouts += 1
                    stats.wait_time += int((time.monotonic() - started) * 1000)
                    raise OracleError(BROKER_TIMEOUT_CODE, BROKER_TIMEOUT_MESSAGE)
                if cancelled is None:
                    self._cond.wait(remaining)
                    continue
                self._cond.wait(0.05 if remaining is None else min(remaining, 0.05))
                if cancelled():
                    stats.client_req_timeouts += 1
                    stats.wait_time += int((time.monotonic() - started) * 1000)
                    raise WaitCancelled()
            stats.num_misses += 1
            self._reserved += 1
        # Destroying and creating happen outside the lock: they may sleep (latency model) or touch
        # the engine's storage.
        try:
            if victim is not None:
                self._on_destroy(victim)
            self._on_new_session(victim is None)
            session = ServerSession(
                username=user,
                service_name=self.service,
                cclass=info.cclass,
                purity=info.purity,
                pooled=True,
            )
        except BaseException:
            with self._cond:
                self._reserved -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._reserved -= 1
            self.created += 1
            self._lend(session, info, stats, started, waited)
        return session

    def _free_match(self, user: str, cclass: str | None) -> int | None:
        """Index of the most recently released free server of (user, cclass), if any."""
        for i in range(len(self._free) - 1, -1, -1):
            candidate = self._free[i]
            if candidate.username == user and candidate.cclass == cclass:
                return i
        return None

    def _lend(
        self, session: ServerSession, info: ClientInfo, stats: ClassStats, started: float, waited: bool
    ) -> None:
        session.busy = True
        session.uses += 1
        session.last_active = time.monotonic()
        session.purity = info.purity
        session.program = info.program
        session.machine = info.machine
        session.terminal = info.terminal
        self._busy.add(session)
        info.session = session
        if waited:
            stats.wait_time += int((time.monotonic() - started) * 1000)
        self.historic_max = max(self.historic_max, len(self._busy) + len(self._free) + len(self._kept))

    def release(self, info: ClientInfo) -> ServerSession | None:
        """Return the server held by ``info`` to the pool (SESSION_RELEASE or disconnect).

        A session past MAX_USE_SESSION or MAX_LIFETIME_SESSION, or one killed while held, is not
        returned: the caller gets it back with ``session.ended`` set and destroys it.
        """
        with self._cond:
            session = info.session
            info.session = None
            info.released = True
            if session is None or session not in self._busy:
                return session
            self._busy.discard(session)
            session.busy = False
            session.disconnect = None
            now = time.monotonic()
            session.last_active = now
            lifetime = self.params.max_lifetime_session
            if (
                session.killed
                or session.uses >= self.params.max_use_session
                or (lifetime and now - session.created_at > lifetime)
            ):
                session.ended = True
            elif self._dedicated_opt_on() and info.purity != "NEW":  # NEW wants a fresh session each time
                # DRCP_DEDICATED_OPT: the server stays attached to its client as if dedicated.
                self._kept[session] = info
                info.kept = session
                return session
            else:
                self._free.append(session)
            self._cond.notify()
            return session

    def sweep(self, now: float) -> SweepResult:
        """Enforce MAX_THINK_TIME and INACTIVITY_TIMEOUT at ``now`` (``time.monotonic()``)."""
        out = SweepResult()
        with self._cond:
            think = self.params.max_think_time
            if think:
                for session in self._busy:
                    if session.in_call or session.disconnect is None or now - session.last_active <= think:
                        continue
                    # Oracle: "the pooled server is freed and the client connection is terminated";
                    # closing the socket makes the connection's own thread free the server.
                    out.disconnect.append(session.disconnect)
                    session.disconnect = None
                    self.think_time_expired += 1
            idle = self.params.inactivity_timeout
            if idle:
                total = len(self._free) + len(self._busy) + len(self._kept) + self._reserved
                keep: list[ServerSession] = []
                for session in self._free:  # oldest release first
                    if total > self.params.minsize and now - session.last_active > idle:
                        out.destroy.append(session)
                        total -= 1
                        self.inactivity_terminated += 1
                    else:
                        keep.append(session)
                self._free = keep
        return out

    def sessions_of(self, user: str) -> list[ServerSession]:
        """Every session of ``user``: dedicated, busy pooled and free (cached) pooled ones."""
        user = user.upper()
        with self._cond:
            everyone = (*self._dedicated, *self._busy, *self._free, *self._kept)
            return [s for s in everyone if s.username == user]

    def kill(self, sid: int, serial: int) -> ServerSession | None:
        """ALTER SYSTEM KILL SESSION: None if no such session. A free pooled server leaves the pool
        at once (the caller destroys it); a held one is marked killed (``session.ended`` tells
        whether the caller may destroy it now: not while it runs a call)."""
        with self._cond:
            for session in (*self._free, *self._kept, *self._busy, *self._dedicated):
                if session.sid == sid and session.serial == serial:
                    break
            else:
                return None
            self.killed += 1
            session.killed = True
            owner = self._kept.pop(session, None)
            if owner is not None:
                owner.kept = None
                session.ended = True
            elif session in self._free:
                self._free.remove(session)
                session.ended = True
            elif not session.in_call:
                self._busy.discard(session)
                self._dedicated.discard(session)
                session.ended = True
            self._cond.notify()
            return session

    def forget(self, session: ServerSession) -> bool:
        """Drop a killed session that finished its call; True if it was still known."""
        with self._cond:
            known = session in self._busy or session in self._dedicated
            self._busy.discard(session)
            self._dedicated.discard(session)
            session.ended = True
            return known

    def shutdown(self) -> list[ServerSession]:
        """Forget every session (server stop); returns them so their storage can be freed."""
        with self._cond:
            sessions = [*self._free, *self._busy, *self._kept, *self._dedicated]
            for owner in self._kept.values():
                owner.kept = None
            self._kept.clear()
            self._free.clear()
            self._busy.clear()
            self._dedicated.clear()
            self._cond.notify_all()
            return sessions

    # -- figures -----------------------------------------------------------------------------

    def reset_stats(self) -> None:
        with self._cond:
            self._classes.clear()
            self.created = 0
            self.purged = 0
            self.historic_max = len(self._busy) + len(self._free) + len(self._kept)

    def pool_figures(self) -> dict[str, int]:
        with self._cond:
            return {
                "created": self.created,
                "busy": len(self._busy) + len(self._kept),  # a kept server is its client's
                # Of those, servers still held by the login that attached them (never released).
                "held_since_login": sum(1 for c in self._clients if c.session is not None and not c.released),
                "free": len(self._free),
                "max": self.max_pooled_servers,
            }

    def class_figures(self) -> dict[str, dict[str, int]]:
        with self._cond:
            return {name: s.as_dict() for name, s in sorted(self._classes.items())}

    # ServerView ------------------------------------------------------------------------------

    def cpool_stats(self) -> list[dict[str, Any]]:
        with self._cond:
            totals = ClassStats()
            for s in self._classes.values():
                for key, value in s.as_dict().items():
                    setattr(totals, key, getattr(totals, key) + value)
            return [
                {
                    "POOL_NAME": POOL_NAME,
                    "CONNECTION_POOL": POOL_NAME,
                    "STATUS": "ACTIVE" if self.active else "INACTIVE",
                    **self.params.as_row(),
                    "NUM_OPEN_SERVERS": len(self._free) + len(self._busy) + len(self._kept),
                    "NUM_BUSY_SERVERS": len(self._busy) + len(self._kept),
                    "NUM_AUTH_SERVERS": 0,
                    "NUM_REQUESTS": totals.num_requests,
                    "NUM_HITS": totals.num_hits,
                    "NUM_MISSES": totals.num_misses,
                    "NUM_WAITS": totals.num_waits,
                    "WAIT_TIME": totals.wait_time,
                    "CLIENT_REQ_TIMEOUTS": totals.client_req_timeouts,
                    "NUM_AUTHENTICATIONS": totals.num_authentications,
                    "NUM_PURGED": self.purged,
                    "HISTORIC_MAX": self.historic_max,
                }
            ]

    def cpool_info(self) -> list[dict[str, Any]]:
        """DBA_CPOOL_INFO: the pool's configuration and status."""
        with self._cond:
            return [
                {
                    "CONNECTION_POOL": POOL_NAME,
                    "STATUS": "ACTIVE" if self.active else "INACTIVE",
                    **self.params.as_row(),
                }
            ]

    def cpool_cc_stats(self) -> list[dict[str, Any]]:
        with self._cond:
            return [
                {
                    "CCLASS_NAME": name,
                    "NUM_REQUESTS": s.num_requests,
                    "NUM_HITS": s.num_hits,
                    "NUM_MISSES": s.num_misses,
                    "NUM_WAITS": s.num_waits,
                    "WAIT_TIME": s.wait_time,
                    "CLIENT_REQ_TIMEOUTS": s.client_req_timeouts,
                    "NUM_AUTHENTICATIONS": s.num_authentications,
                }
                for name, s in sorted(self._classes.items())
            ]

    def cpool_conn_info(self) -> list[dict[str, Any]]:
        with self._cond:
            return [
                {
                    "USERNAME": c.username.upper(),
                    "PROXY_USER": None,
                    "CCLASS_NAME": class_name(c.username, c.cclass),
                    "PURITY": c.purity,
                    "TAG": None,
                    "SERVICE": c.service,
                    "PROGRAM": c.program,
                    "MACHINE": c.machine,
                    "TERMINAL": c.terminal,
                    "CONNECTION_MODE": "NONE",
                    "CONNECTION_STATUS": "ACTIVE" if c.session is not None else "IDLE",
                    "CLIENT_REGID": 0,
                }
                for c in self._clients
            ]

    def sessions(self) -> list[dict[str, Any]]:
        with self._cond:
            everyone = [*self._busy, *self._kept, *self._free, *self._dedicated]
        return sorted((s.as_v_session_row() for s in everyone), key=lambda row: row["SID"])
