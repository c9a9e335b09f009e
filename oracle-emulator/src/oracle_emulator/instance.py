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
from .broker import Broker, ClientInfo
from .containers import Container, Containers
from .results import Bind, ExecutionContext, OracleError, Result, SqlEngine
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


COUNTERS = ("round_trips", "one_way", "logins", "sessions_created", "servers_started")


class InstanceView:
    """What the SQL engine sees of the instance from one container (implements
    :class:`~.results.ServerView`): the V$ rows that container shows, and the privileges."""

    def __init__(
        self,
        broker: Broker,
        triggers: TriggerCatalog,
        users: UserStore,
        containers: Containers,
        container: Container,
    ) -> None:
        self._broker = broker
        self._triggers = triggers
        self._users = users
        self._containers = containers
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

    def drop_user(self, name: str) -> None:
        self._users.remove(name)
        self._triggers.drop_owned_by(name)


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
        broker_wait_timeout: float,
        engine: Callable[[], SqlEngine],
        statement_log_size: int = 10000,
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
        )
        self.triggers = TriggerCatalog()
        self._views = {
            c.service.upper(): InstanceView(self.broker, self.triggers, users, self.containers, c)
            for c in self.containers.all()
        }
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
        """Give the pooled server held by ``info`` back, its transaction rolled back."""
        session = info.session
        if session is not None:
            self.rollback_quietly(session)
        self.broker.release(info)

    def destroy_session(self, session: ServerSession) -> None:
        """The session is gone (logoff, purged by the broker, server stop): free its storage."""
        try:
            self.engine.close_session(self._ctx(session))
        except Exception:
            log.exception("engine.close_session failed for SID %s", session.sid)

    def shutdown(self) -> None:
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
