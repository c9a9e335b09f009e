"""The database instance: sessions, the DRCP broker, the SQL engine, figures and the statement log.

This is the sessions layer. The TTC layer (``protocol.py``) calls it through the public methods
below and never touches the broker's or the engine's internals; it in turn calls the SQL engine only
through :class:`oracle_emulator.results.SqlEngine`.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from . import privileges
from .auth import UserStore, Verifier
from .broker import POOL_NAME, Broker, ClientInfo, PoolParams
from .containers import Container, Containers
from .results import Bind, ExecutionContext, OracleError, Result, SessionState, SqlEngine
from .session import ExecutionCtx, LoginSettings, ServerSession
from .triggers import LogonTrigger, TriggerCatalog, is_trigger_ddl

log = logging.getLogger("oracle_emulator.instance")
_T = TypeVar("_T")


@dataclass(frozen=True)
class LatencyModel:
    """Artificial delays (milliseconds) so benchmarks see the costs that make pooling matter.

    Each cost is slept where Oracle pays it:

    * ``rtt_ms``: every response (the connect handshake's ACCEPT included): the network;
    * ``login_ms``: every authentication, dedicated or through the DRCP broker;
    * ``spawn_server_ms``: a server process started: a dedicated connection's, or a pooled server
      added while the pool is below its maximum;
    * ``new_session_ms``: a session created on a server process: a dedicated connection's, a new
      pooled server's, or a free pooled server's old session replaced for another connection class
      or for purity NEW (the *reclaim* that DRCP misses cost once the pool is full).

    So a dedicated connect costs rtt + login + spawn + new session; a DRCP connect rtt + login; a
    DRCP miss that grows the pool spawn + new session, one that reclaims a server new session only; a
    DRCP hit nothing beyond the round trip. All zero by default (tests run at full speed);
    :meth:`assumed` gives the figures docs/emulator.md justifies.
    """

    rtt_ms: float = 0
    login_ms: float = 0
    new_session_ms: float = 0
    spawn_server_ms: float = 0

    @classmethod
    def assumed(cls) -> LatencyModel:
        """The defaults docs/emulator.md ("Latency model") gives sources and reasons for."""
        return cls(rtt_ms=0.5, login_ms=10.0, new_session_ms=2.0, spawn_server_ms=20.0)

    def scaled(self, **factors: float) -> LatencyModel:
        """A copy with some costs multiplied, e.g. ``scaled(login_ms=0.5)`` (sensitivity runs)."""
        unknown = set(factors) - set(self.__dataclass_fields__)
        if unknown:
            raise TypeError(f"LatencyModel has no cost {sorted(unknown)}")
        return dataclasses.replace(
            self, **{name: getattr(self, name) * factor for name, factor in factors.items()}
        )


@dataclass(frozen=True)
class StatementRecord:
    """One executed statement, as the server saw it."""

    sql: str
    username: str
    cclass: str | None
    purity: str | None
    sid: int
    serial: int
    session_kind: str  # "pooled" / "dedicated"
    client_identifier: str | None
    module: str | None
    action: str | None
    ts: datetime.datetime
    error_code: int | None = None  # ORA code when the statement failed
    trigger: str | None = None  # OWNER.NAME of the logon trigger that ran it (None: the client did)


class FallbackEngine:
    """Used only when ``oracle_emulator.sql`` is not importable: every statement is ORA-00900."""

    def execute(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result:
        raise OracleError(900, f"invalid SQL statement (no SQL engine installed): {sql[:200]}")

    def commit(self, ctx: ExecutionContext) -> None:
        return None

    def rollback(self, ctx: ExecutionContext) -> None:
        return None

    def close_session(self, ctx: ExecutionContext) -> None:
        return None


def default_engine(data_dir: str | None) -> SqlEngine:
    """``oracle_emulator.sql.Engine`` when installed, else :class:`FallbackEngine`."""
    try:
        from .sql import Engine
    except ImportError:
        log.warning("oracle_emulator.sql is not available: every statement will fail with ORA-00900")
        return FallbackEngine()
    return Engine(data_dir=data_dir)


def pause(ms: float) -> None:
    """Where every modelled cost is paid (one place, so a test can count the charges)."""
    if ms > 0:
        time.sleep(ms / 1000)


COUNTERS = ("round_trips", "one_way", "logins", "sessions_created", "servers_started", "parses")


# DBMS_CONNECTION_POOL procedures: (name, parameters in the order of Oracle's signatures).
_POOL_PROCEDURES: dict[str, tuple[str, ...]] = {
    "START_POOL": ("POOL_NAME",),
    "STOP_POOL": ("POOL_NAME", "DRAINTIME"),
    "RESTORE_DEFAULTS": ("POOL_NAME",),
    "ALTER_PARAM": ("POOL_NAME", "PARAM_NAME", "PARAM_VALUE"),
    "CONFIGURE_POOL": ("POOL_NAME", *(n.upper() for n in PoolParams.names())),
}
# Who may run DBMS_CONNECTION_POOL: Oracle grants EXECUTE on it to no one by default (SYS owns it);
# the emulator lets SYS and SYSTEM run it, plus the users granted EXECUTE (or listed at start-up).
POOL_ADMINS = frozenset({"SYS", "SYSTEM"})


class InstanceView:
    """What the SQL engine sees of the instance from one container (implements
    :class:`~.results.ServerView` and :class:`~.results.ServerAdmin`): the V$ rows that container shows,
    the privileges, and the pool's administration."""

    def __init__(self, instance: Instance, container: Container) -> None:
        self._instance = instance
        self._broker = instance.broker
        self._triggers = instance.triggers
        self._users = instance.users
        self._containers = instance.containers
        self._container = container

    def _pool_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self._containers.shows_pool(self._container):
            return []  # a PDB without per-PDB DRCP: the pool's figures are kept in the root
        con_id = self._containers.pool_con_id
        return [{**row, "CON_ID": con_id} for row in rows]

    def cpool_stats(self) -> list[dict[str, Any]]:
        return self._pool_rows(self._broker.cpool_stats())

    def cpool_cc_stats(self) -> list[dict[str, Any]]:
        return self._pool_rows(self._broker.cpool_cc_stats())

    def cpool_conn_info(self) -> list[dict[str, Any]]:
        return self._pool_rows(self._broker.cpool_conn_info())

    def cpool_info(self) -> list[dict[str, Any]]:
        return self._broker.cpool_info()

    def sessions(self) -> list[dict[str, Any]]:
        rows = self._broker.sessions()
        if self._container.is_root:
            return rows  # the root sees every container's sessions, each with its CON_ID
        return [r for r in rows if r.get("CON_ID") == self._container.con_id]

    def triggers(self) -> list[dict[str, Any]]:
        return self._triggers.rows()

    def may_read(self, username: str, view: str) -> bool:
        return privileges.may_read(username, self._users.privileges(username, privileges.PUBLIC), view)

    def grant(self, grantor: str, privilege: str, grantee: str) -> None:
        self._check_grant(grantor, grantee)
        self._users.grant(grantee, privilege)

    def revoke(self, revoker: str, privilege: str, grantee: str) -> None:
        self._check_grant(revoker, grantee)
        if not self._users.revoke(grantee, privilege):
            raise not_granted(privilege, grantee)

    def _check_grant(self, grantor: str, grantee: str) -> None:
        if not privileges.may_grant(grantor):
            raise OracleError(1031, "insufficient privileges")
        if grantee.upper() != privileges.PUBLIC and not self._users.exists(grantee):
            raise OracleError(1917, f"user or role '{grantee.upper()}' does not exist")

    # Optional extensions the engine looks for (users created and dropped through SQL).

    def create_user(self, name: str, password: str) -> None:
        self._users.add(name, password)

    def check_drop_user(self, name: str) -> None:
        """ORA-01940 while the user has any session: dedicated, pooled and busy, or cached (free) in
        the DRCP pool after a release (Oracle keeps those authenticated as the user)."""
        if self._broker.sessions_of(name):
            raise OracleError(1940, "cannot drop a user that is currently connected")

    def drop_user(self, name: str) -> None:
        self.check_drop_user(name)
        self._users.remove(name)
        self._triggers.drop_owned_by(name)
        self._instance.revoke_pool_admin(name)

    # ServerAdmin ---------------------------------------------------------------------------------

    def kill_session(self, sid: int, serial: int, immediate: bool) -> None:
        self._instance.kill_session(sid, serial, immediate)

    def set_parameter(self, name: str, value: str) -> None:
        self._instance.set_parameter(name, value)

    def grant_pool_admin(self, user: str, granted: bool) -> None:
        if granted:
            self._instance.grant_pool_admin(user)
        else:
            self._instance.revoke_pool_admin(user)

    def connection_pool(
        self, session: SessionState, procedure: str, args: list[Any], kwargs: dict[str, Any]
    ) -> None:
        self._instance.connection_pool(session, procedure, args, kwargs)


def not_granted(privilege: str, grantee: str) -> OracleError:
    """Oracle's error for revoking what ``grantee`` does not hold (role, system or object privilege)."""
    who = grantee.upper()
    if privilege == privileges.CATALOG_ROLE:
        return OracleError(1951, f"ROLE '{privilege}' not granted to '{who}'")
    if privilege == privileges.ANY_DICTIONARY:
        return OracleError(1952, f"system privileges not granted to '{who}'")
    return OracleError(1927, "cannot REVOKE privileges you did not grant")


class Instance:
    """One database instance: a CDB whose root and PDB each have a service (see :mod:`.containers`);
    thread-safe. ``service`` is the PDB's, ``root_service`` the root's (None: no root service)."""

    def __init__(
        self,
        service: str,
        users: UserStore,
        latency: LatencyModel,
        max_pooled_servers: int,
        broker_wait_timeout: float | None,
        engine: Callable[[], SqlEngine],
        statement_log_size: int = 10000,
        pool_params: PoolParams | None = None,
        pool_admins: Sequence[str] = (),
        drcp_dedicated_opt: bool = False,
        root_service: str | None = None,
        per_pdb_drcp: bool = True,
    ) -> None:
        self.service = service
        self.containers = Containers(service, root_service, per_pdb_drcp)
        self.users = users
        self.latency = latency
        self._engine_factory = engine
        self._engine: SqlEngine | None = None
        self.broker = Broker(
            service=service,
            max_pooled_servers=max_pooled_servers,
            wait_timeout=broker_wait_timeout,
            on_new_session=self._session_created,
            on_destroy=self.destroy_session,
            params=pool_params,
            dedicated_opt=drcp_dedicated_opt,
        )
        self.triggers = TriggerCatalog()
        self.pool_admins: set[str] = {*POOL_ADMINS, *(u.upper() for u in pool_admins)}
        self._granted_admins: set[str] = set()  # GRANT EXECUTE ON DBMS_CONNECTION_POOL
        self._housekeeping: threading.Thread | None = None
        self._stopping = threading.Event()
        self._views = {c.service.upper(): InstanceView(self, c) for c in self.containers.all()}
        self.view = self._views[service.upper()]  # the PDB's
        self._lock = threading.Lock()
        self._counters = dict.fromkeys(COUNTERS, 0)
        self._log: collections.deque[StatementRecord] = collections.deque(maxlen=statement_log_size)

    @property
    def engine(self) -> SqlEngine:
        if self._engine is None:
            self._engine = self._engine_factory()
        return self._engine

    # -- figures -------------------------------------------------------------------------------

    def _count(self, name: str) -> None:
        with self._lock:
            self._counters[name] += 1

    def count_round_trip(self) -> None:
        self._count("round_trips")

    def count_one_way(self) -> None:
        self._count("one_way")

    def count_parse(self) -> None:
        """An EXECUTE that carried the statement's text (a parse; re-executes of open cursors are not)."""
        self._count("parses")

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counters)

    def statements(self) -> list[StatementRecord]:
        with self._lock:
            return list(self._log)

    def reset_stats(self) -> None:
        with self._lock:
            self._counters = dict.fromkeys(COUNTERS, 0)
            self._log.clear()
        self.broker.reset_stats()

    # -- latency model -------------------------------------------------------------------------

    def wait_round_trip(self) -> None:
        """The network's share of one response."""
        pause(self.latency.rtt_ms)

    def _session_created(self, spawned: bool) -> None:
        """A server session is being created; ``spawned``: on a server process started for it."""
        self._count("sessions_created")
        delay = self.latency.new_session_ms
        if spawned:
            self._count("servers_started")
            delay += self.latency.spawn_server_ms
        pause(delay)

    # -- login ---------------------------------------------------------------------------------

    def verifier(self, user: str) -> Verifier | None:
        """The password verifier of ``user`` (None: unknown user, the login will fail)."""
        return self.users.get(user)

    def login(self) -> None:
        """A client authenticated (costs ``login_ms``)."""
        pause(self.latency.login_ms)
        self._count("logins")

    # -- dedicated sessions --------------------------------------------------------------------

    def open_dedicated(
        self, username: str, login: LoginSettings, container: Container | None = None
    ) -> ServerSession:
        """A dedicated connection's session in ``container`` (default: the PDB; pooled servers are made
        by the broker)."""
        self._session_created(spawned=True)
        where = container or self.containers.pdb
        session = ServerSession(username=username, service_name=where.service, pooled=False)
        _stamp(session, where)
        login.apply(session, new=True)
        self.broker.add_dedicated(session)
        try:
            self._fire_logon_triggers(session)
        except OracleError:
            self.close_dedicated(session)
            raise
        return session

    def close_dedicated(self, session: ServerSession) -> None:
        self.rollback_quietly(session)
        if self.broker.remove_dedicated(session):
            self.destroy_session(session)

    # -- pooled servers (DRCP) -----------------------------------------------------------------

    def pool_active(self) -> bool:
        """False after DBMS_CONNECTION_POOL.STOP_POOL: DRCP connects are refused (TNS-12520)."""
        return self.broker.active

    def register_client(self, info: ClientInfo) -> None:
        self.broker.register_client(info)

    def unregister_client(self, info: ClientInfo) -> None:
        self.broker.unregister_client(info)

    def attach_pooled(
        self, info: ClientInfo, login: LoginSettings, cancelled: Callable[[], bool] | None = None
    ) -> ServerSession:
        """Lend ``info`` a pooled server (may wait; raises OracleError or broker.WaitCancelled)."""
        session = self.broker.acquire(info, cancelled)
        # The pool may serve several containers (one CDB-wide pool): the session is in the client's.
        _stamp(session, self.containers.for_service(info.service) or self.containers.pdb)
        created = session.uses == 1
        login.apply(session, new=created)
        if created:
            try:
                self._fire_logon_triggers(session)
            except OracleError:
                self.release_pooled(info)
                raise
        return session

    def _fire_logon_triggers(self, session: ServerSession) -> None:
        """Run the AFTER LOGON triggers a new session of its user fires (Oracle: ORA-04088 fails the
        logon when one raises)."""
        for trigger in self.triggers.firing_for(session.username):
            try:
                self._run(session, trigger.body, [], trigger)
            except OracleError as exc:
                raise OracleError(
                    4088,
                    f"error during execution of trigger '{trigger.qualified_name}'\n{exc.full_message}",
                ) from exc

    def release_pooled(self, info: ClientInfo) -> None:
        """Give the pooled server held by ``info`` back, its transaction rolled back (destroyed
        instead when it was killed or is past MAX_USE_SESSION / MAX_LIFETIME_SESSION)."""
        session = info.session
        if session is not None and not session.ended:
            self.rollback_quietly(session)
        returned = self.broker.release(info)
        if returned is not None and returned.ended and not returned.killed:
            self.destroy_session(returned)

    # -- calls, housekeeping and KILL SESSION ----------------------------------------------------

    def call_started(self, session: ServerSession) -> None:
        session.in_call = True

    def call_finished(self, session: ServerSession) -> None:
        """The call on ``session`` is answered: its think time starts; a session killed during the
        call is ended now."""
        session.in_call = False
        session.last_active = time.monotonic()
        if session.killed and not session.ended and self.broker.forget(session):
            self.destroy_session(session)

    def kill_session(self, sid: int, serial: int, immediate: bool) -> None:
        """ALTER SYSTEM KILL SESSION 'sid,serial#' [IMMEDIATE] (ORA-00030: no such session).

        The session ends at once (its transaction rolled back), unless it is running a call: then when
        the call ends. The client that held it gets ORA-00028 at its next call; with IMMEDIATE its
        connection is closed at once instead (the driver sees the connection lost)."""
        session = self.broker.kill(sid, serial)
        if session is None:
            raise OracleError(30, "User session ID does not exist.")
        if session.ended:
            self.destroy_session(session)
        if immediate and session.disconnect is not None:
            session.disconnect()

    def start(self) -> None:
        """Start the housekeeping thread (MAX_THINK_TIME, INACTIVITY_TIMEOUT)."""
        if self._housekeeping is not None:
            return
        self._stopping.clear()
        self._housekeeping = threading.Thread(
            target=self._housekeep, name="oracle-emulator-housekeeping", daemon=True
        )
        self._housekeeping.start()

    def stop(self) -> None:
        self._stopping.set()
        thread, self._housekeeping = self._housekeeping, None
        if thread is not None:
            thread.join(timeout=5)

    def _housekeep(self) -> None:
        while not self._stopping.wait(self._sweep_interval()):
            try:
                self.sweep()
            except Exception:
                log.exception("housekeeping failed")

    def _sweep_interval(self) -> float:
        """A quarter of the shortest limit, between 50 ms and 1 s: expiry is seen within 25 %."""
        params = self.broker.params
        limits = [t for t in (params.max_think_time, params.inactivity_timeout) if t]
        return min(1.0, max(0.05, min(limits, default=4.0) / 4))

    def sweep(self) -> None:
        """One housekeeping pass (also callable directly)."""
        result = self.broker.sweep(time.monotonic())
        for disconnect in result.disconnect:
            disconnect()
        for session in result.destroy:
            self.destroy_session(session)

    # -- DBMS_CONNECTION_POOL ----------------------------------------------------------------------

    def set_parameter(self, name: str, value: str) -> None:
        """ALTER SYSTEM SET name = value; only DRCP_DEDICATED_OPT (YES / NO) is an instance parameter
        here (ORA-02065 for another); ORA-00096 for a value other than YES / NO."""
        if name.upper() != "DRCP_DEDICATED_OPT":
            raise OracleError(
                2065, f"illegal option for ALTER SYSTEM: parameter {name.upper()} is not modelled"
            )
        if value.upper() not in ("YES", "NO"):
            raise OracleError(
                96, f"invalid value {value} for parameter drcp_dedicated_opt, must be from among YES, NO"
            )
        self.broker.set_dedicated_opt(value.upper() == "YES")

    def revoke_pool_admin(self, user: str) -> None:
        self._granted_admins.discard(user.upper())

    def grant_pool_admin(self, user: str) -> None:
        self._granted_admins.add(user.upper())

    def may_administer_pool(self, user: str) -> bool:
        user = user.upper()
        return user in self.pool_admins or user in self._granted_admins

    def connection_pool(
        self, session: SessionState, procedure: str, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> None:
        """Run DBMS_CONNECTION_POOL.``procedure`` for ``session``'s user.

        A user without the privilege gets what Oracle gives for a package it cannot see (ORA-06550 /
        PLS-00201). Errors as the package documents: ORA-56500 (pool not found), ORA-56504 (bad
        parameter name), ORA-56505 (bad value)."""
        name = procedure.upper()
        if not self.may_administer_pool(session.username):
            raise OracleError(
                6550, "line 1, column 7:\nPLS-00201: identifier 'DBMS_CONNECTION_POOL' must be declared"
            )
        order = _POOL_PROCEDURES.get(name)
        if order is None:
            raise OracleError(6550, f"line 1, column 7:\nPLS-00302: component '{name}' must be declared")
        if len(args) > len(order) or any(k.upper() not in order for k in kwargs):
            raise OracleError(
                6550,
                f"line 1, column 7:\nPLS-00306: wrong number or types of arguments in call to '{name}'",
            )
        values: dict[str, Any] = dict(zip(order, args, strict=False))
        values.update({k.upper(): v for k, v in kwargs.items()})
        pool = values.pop("POOL_NAME", None) or POOL_NAME
        if str(pool).upper() != POOL_NAME:
            raise OracleError(56500, "DRCP: Pool not found")
        broker = self.broker
        if name == "START_POOL":
            broker.set_active(True)
        elif name == "STOP_POOL":
            for free in broker.set_active(False):
                self.destroy_session(free)
        elif name == "RESTORE_DEFAULTS":
            broker.configure(broker.initial_params)
        elif name == "ALTER_PARAM":
            param = str(values.get("PARAM_NAME") or "").lower()
            if param not in PoolParams.names():
                raise OracleError(56504, "DRCP: Invalid pool configuration parameter name")
            broker.configure(broker.params.with_values(**{param: _pool_number(values.get("PARAM_VALUE"))}))
        else:  # CONFIGURE_POOL: the parameters given; the others keep their values
            changes = {k.lower(): _pool_number(v) for k, v in values.items() if v is not None}
            broker.configure(broker.params.with_values(**changes))

    def destroy_session(self, session: ServerSession) -> None:
        """The session is gone (logoff, purged by the broker, server stop): free its storage."""
        try:
            self.engine.close_session(self._ctx(session))
        except Exception:
            log.exception("engine.close_session failed for SID %s", session.sid)

    def shutdown(self) -> None:
        self.stop()
        for session in self.broker.shutdown():
            self.destroy_session(session)

    # -- SQL -----------------------------------------------------------------------------------

    def _ctx(self, session: ServerSession) -> ExecutionCtx:
        return ExecutionCtx(session=session, server=self._views.get(session.service_name.upper(), self.view))

    def execute(self, session: ServerSession, sql: str, binds: Sequence[Bind]) -> Result:
        """Run one statement on ``session`` and log it; every failure is an OracleError."""
        return self._run(session, sql, binds, None)

    def _run_trigger_ddl(self, session: ServerSession, sql: str) -> Result | None:
        if not is_trigger_ddl(sql):
            return None
        self.commit(session)  # DDL commits what is open, as in Oracle
        if self.triggers.run_ddl(sql, session.current_schema):
            return Result()
        return None

    def _run(
        self, session: ServerSession, sql: str, binds: Sequence[Bind], trigger: LogonTrigger | None
    ) -> Result:
        error_code: int | None = None
        try:
            handled = self._run_trigger_ddl(session, sql)
            if handled is not None:
                return handled
            result = guard(lambda: self.engine.execute(self._ctx(session), sql, binds))
            if not isinstance(result, Result):
                raise OracleError(600, "internal error code, arguments: [engine returned no Result]")
            return result
        except OracleError as exc:
            error_code = exc.code
            raise
        finally:
            self._log_statement(sql, session, error_code, trigger)

    def commit(self, session: ServerSession) -> None:
        guard(lambda: self.engine.commit(self._ctx(session)))
        session.in_transaction = False

    def rollback(self, session: ServerSession) -> None:
        guard(lambda: self.engine.rollback(self._ctx(session)))
        session.in_transaction = False

    def rollback_quietly(self, session: ServerSession) -> None:
        """Roll back whatever is open, logging (not raising) a failure.

        Always asks the engine (cheap when idle): PL/SQL may have opened a transaction that the
        keyword heuristics of the TTC layer did not see, and it must not leak to the next borrower.
        """
        try:
            self.engine.rollback(self._ctx(session))
        except Exception:
            log.exception("rollback on release failed")
        session.in_transaction = False

    def _log_statement(
        self, sql: str, session: ServerSession, error_code: int | None, trigger: LogonTrigger | None
    ) -> None:
        record = StatementRecord(
            sql=sql,
            username=session.username,
            cclass=session.cclass,
            purity=session.purity,
            sid=session.sid,
            serial=session.serial,
            session_kind=session.kind,
            client_identifier=session.client_identifier,
            module=session.module,
            action=session.action,
            ts=datetime.datetime.now(datetime.UTC),
            error_code=error_code,
            trigger=trigger.qualified_name if trigger is not None else None,
        )
        with self._lock:
            self._log.append(record)


def _pool_number(value: Any) -> float:
    """A DBMS_CONNECTION_POOL parameter value (ALTER_PARAM passes it as text): ORA-56505 if not a
    whole number."""
    try:
        number = float(str(value).strip())
    except ValueError:
        raise OracleError(56505, "DRCP: Invalid pool configuration parameter value") from None
    if not number.is_integer():
        raise OracleError(56505, "DRCP: Invalid pool configuration parameter value")
    return int(number)


def _stamp(session: ServerSession, container: Container) -> None:
    session.service_name = container.service
    session.con_name = container.name
    session.con_id = container.con_id


def guard(call: Callable[[], _T]) -> _T:
    """Run an engine call; anything but OracleError becomes ORA-00600."""
    try:
        return call()
    except OracleError:
        raise
    except Exception as exc:
        log.exception("engine failure")
        raise OracleError(600, f"internal error code, arguments: [oracle_emulator], [{exc!r}]") from exc
