"""Public API: start a DRCP test server in-process, read its figures and statement log.

Example::

    from oracle_emulator import EmulatorServer
    with EmulatorServer(users={"app": "secret"}) as srv:
        conn = oracledb.connect(user="app", password="secret", dsn=srv.dsn)
"""

from __future__ import annotations

import collections
import contextlib
import datetime
import logging
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .auth import UserStore
from .broker import Broker
from .protocol import ClientConnection
from .results import Bind, ExecutionContext, OracleError, Result, SqlEngine
from .session import ExecutionCtx, ServerSession

log = logging.getLogger("oracle_emulator.server")


@dataclass(frozen=True)
class LatencyModel:
    """Artificial delays (milliseconds) so benchmarks see the costs that make pooling matter.

    ``rtt_ms`` is added to every response (handshake included), ``login_ms`` once per
    authentication, ``new_session_ms`` whenever a server session is created (a pooled server or a
    dedicated connection's session).
    """

    rtt_ms: float = 0
    login_ms: float = 0
    new_session_ms: float = 0


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


class _FallbackEngine:
    """Used only when ``oracle_emulator.sql`` is not importable: every statement is ORA-00900."""

    def execute(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result:
        raise OracleError(900, f"invalid SQL statement (no SQL engine installed): {sql[:200]}")

    def commit(self, ctx: ExecutionContext) -> None:
        return None

    def rollback(self, ctx: ExecutionContext) -> None:
        return None

    def close_session(self, ctx: ExecutionContext) -> None:
        return None


def _default_engine(data_dir: str | None) -> SqlEngine:
    try:
        from .sql import Engine  # type: ignore[attr-defined]
    except ImportError:
        log.warning("oracle_emulator.sql is not available: every statement will fail with ORA-00900")
        return _FallbackEngine()
    return Engine(data_dir=data_dir)  # type: ignore[no-any-return]


class EmulatorServer:
    """A wire-level Oracle DRCP test server for the python-oracledb thin driver.

    It is a test substrate, not a database: SQL is delegated to ``engine`` (by default
    ``oracle_emulator.sql.Engine``). Use it as a context manager or call :meth:`start` /
    :meth:`stop`. All figures are exact and thread-safe.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        service: str = "FREEPDB1",
        users: dict[str, str] | None = None,
        max_pooled_servers: int = 40,
        latency: LatencyModel | None = None,
        broker_wait_timeout: float = 30.0,
        data_dir: str | None = None,
        statement_log_size: int = 10000,
        engine: SqlEngine | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.service = service
        self.latency = latency or LatencyModel()
        self.data_dir = data_dir
        self.users = UserStore()
        for user, password in (users or {}).items():
            self.users.add(user, password)
        self._engine = engine
        self.broker = Broker(
            service=service,
            max_pooled_servers=max_pooled_servers,
            wait_timeout=broker_wait_timeout,
            on_new_session=self._new_session_latency,
            on_destroy=self._destroy_session,
            on_create_user=self.add_user,
            on_drop_user=self.drop_user,
        )
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._reset_counters()
        self._opened = 0
        self._open: set[ClientConnection] = set()
        self._log: collections.deque[StatementRecord] = collections.deque(maxlen=statement_log_size)
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def engine(self) -> SqlEngine:
        if self._engine is None:
            self._engine = _default_engine(self.data_dir)
        return self._engine

    @property
    def dsn(self) -> str:
        """Easy Connect string, e.g. ``127.0.0.1:1521/FREEPDB1`` (append ``:pooled`` for DRCP)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}/{self.service}"

    def start(self) -> EmulatorServer:
        """Bind the listener and start accepting connections in a background thread."""
        if self._thread is not None:
            return self
        _ = self.engine  # fail early if the engine cannot be built
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(512)
        listener.settimeout(0.5)  # the accept loop also notices stop() on its own
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._accept_loop, name="oracle-emulator-listener", daemon=True
        )
        self._thread.start()
        log.info("oracle_emulator listening on %s:%s service %s", self.host, self.port, self.service)
        return self

    def stop(self) -> None:
        """Stop listening, drop every client connection and free every session."""
        self._stopping.set()
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept() on Linux
            with contextlib.suppress(OSError):
                listener.close()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        with self._lock:
            connections = list(self._open)
        for conn in connections:
            conn.close()
        for session in self.broker.shutdown():
            self._destroy_session(session)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_user(self, user: str, password: str) -> None:
        """Create (or change the password of) a user at runtime (also reached by SQL CREATE USER)."""
        self.users.add(user, password)

    def drop_user(self, user: str) -> None:
        """Forget a user: its next login fails with ORA-01017 (open sessions are left alone)."""
        self.users.remove(user)

    def _accept_loop(self) -> None:
        listener = self._listener
        assert listener is not None
        while not self._stopping.is_set():
            try:
                sock, addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                time.sleep(0.01)
                continue
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = ClientConnection(self, sock, addr)
            with self._lock:
                self._opened += 1
                self._open.add(conn)
            threading.Thread(target=conn.run, name=f"oracle-emulator-{addr}", daemon=True).start()

    # -- hooks used by protocol / broker ---------------------------------------------------------

    def _connection_closed(self, conn: ClientConnection) -> None:
        with self._lock:
            self._open.discard(conn)

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counters[name] += n

    def _reset_counters(self) -> None:
        self._counters = {"round_trips": 0, "one_way": 0, "logins": 0, "sessions_created": 0}

    def _new_session_latency(self) -> None:
        self._count("sessions_created")
        if self.latency.new_session_ms:
            time.sleep(self.latency.new_session_ms / 1000)

    def _new_session(
        self, username: str, cclass: str | None, purity: str | None, pooled: bool
    ) -> ServerSession:
        """A dedicated connection's session (pooled servers are made by the broker)."""
        self._new_session_latency()
        return ServerSession(
            username=username, service_name=self.service, cclass=cclass, purity=purity, pooled=pooled
        )

    def _destroy_session(self, session: ServerSession) -> None:
        try:
            self.engine.close_session(ExecutionCtx(session=session, server=self.broker))
        except Exception:
            log.exception("engine.close_session failed for SID %s", session.sid)

    def _log_statement(self, sql: str, session: ServerSession, error_code: int | None) -> None:
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
        )
        with self._lock:
            self._log.append(record)

    # -- observability ---------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Exact server figures.

        ``round_trips`` counts request→response calls after login (the 4-exchange connect
        handshake is not included; see ``logins``), ``one_way`` counts one-way calls
        (SESSION_RELEASE), ``classes`` holds the V$CPOOL_CC_STATS figures per ``USER.CCLASS``.
        """
        with self._lock:
            counters = dict(self._counters)
            opened, open_now = self._opened, len(self._open)
        return {
            "round_trips": counters["round_trips"],
            "one_way": counters["one_way"],
            "logins": counters["logins"],
            "sessions_created": counters["sessions_created"],
            "client_connections": {"opened": opened, "open": open_now},
            "pooled_servers": self.broker.pool_figures(),
            "classes": self.broker.class_figures(),
        }

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until every connection has processed all the input it was sent.

        One-way calls (SESSION_RELEASE) and the EOF of a closing client get no reply, so when the
        client call returns the server may still be working on them; call this before asserting
        figures. Raises TimeoutError after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:  # two consecutive quiet observations rule out a request in flight
            with self._lock:
                connections = list(self._open)
            if all(not c.busy and not c.has_pending_input() for c in connections):
                quiet += 1
            else:
                quiet = 0
            if time.monotonic() > deadline:
                raise TimeoutError("the emulator did not become idle")
            time.sleep(0.005)

    def statements(self) -> list[StatementRecord]:
        """The most recent statements (bounded by ``statement_log_size``), oldest first."""
        with self._lock:
            return list(self._log)

    def reset_stats(self) -> None:
        """Zero every counter and clear the statement log (open connections stay counted as open)."""
        with self._lock:
            self._reset_counters()
            self._opened = len(self._open)
            self._log.clear()
        self.broker.reset_stats()
