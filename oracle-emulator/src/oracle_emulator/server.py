"""Public API: start a DRCP test server in-process, read its figures and statement log.

Example::

    from oracle_emulator import EmulatorServer
    with EmulatorServer(users={"app": "secret"}) as srv:
        conn = oracledb.connect(user="app", password="secret", dsn=srv.dsn)
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Sequence
from typing import Any

from .auth import UserStore
from .broker import Broker, PoolParams
from .containers import Container
from .instance import Instance, LatencyModel, StatementRecord, default_engine
from .privileges import canonical_privilege
from .protocol import ClientConnection
from .results import SqlEngine

__all__ = ["EmulatorServer", "LatencyModel", "StatementRecord"]

log = logging.getLogger("oracle_emulator.server")


class EmulatorServer:
    """A wire-level Oracle DRCP test server for the python-oracledb thin driver.

    It is a test substrate, not a database: SQL is delegated to ``engine`` (by default
    ``oracle_emulator.sql.Engine``). Use it as a context manager or call :meth:`start` /
    :meth:`stop`. All figures are exact and thread-safe.

    The server is a CDB (see :mod:`.containers`): ``service`` (default FREEPDB1) reaches the PDB, as
    every existing client does; ``root_service`` (default FREE) reaches CDB$ROOT. ``per_pdb_drcp``
    models ENABLE_PER_PDB_DRCP; it defaults to True here (Oracle's default is FALSE) so that the PDB
    service shows its pool's figures; with False, ``V$CPOOL_*`` have rows only through the root.
    Users get no privilege: ``V$CPOOL_*`` and ``V$SESSION`` need ``grants`` (user -> privileges, e.g.
    ``{"monitor": ["SELECT_CATALOG_ROLE"]}``), :meth:`grant`, or a SQL GRANT by SYS / SYSTEM.

    This module is the listener (transport's accept loop) and the composition root: it builds the
    :class:`~.instance.Instance` (sessions, broker, SQL) and one
    :class:`~.protocol.ClientConnection` per accepted socket.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        service: str = "FREEPDB1",
        users: dict[str, str] | None = None,
        max_pooled_servers: int = 40,
        latency: LatencyModel | None = None,
        broker_wait_timeout: float | None = None,
        data_dir: str | None = None,
        statement_log_size: int = 10000,
        engine: SqlEngine | None = None,
        max_think_time: float | None = PoolParams.max_think_time,
        inactivity_timeout: float | None = PoolParams.inactivity_timeout,
        min_pooled_servers: int = PoolParams.minsize,
        pool_admins: Sequence[str] = (),
        drcp_dedicated_opt: bool = False,
        root_service: str | None = "FREE",
        per_pdb_drcp: bool = True,
        grants: dict[str, list[str]] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.data_dir = data_dir
        user_store = UserStore()
        for user, password in (users or {}).items():
            user_store.add(user, password)
        for user, privs in (grants or {}).items():
            for privilege in privs:
                user_store.grant(user, canonical_privilege(privilege))
        self.instance = Instance(
            service=service,
            users=user_store,
            latency=latency or LatencyModel(),
            max_pooled_servers=max_pooled_servers,
            broker_wait_timeout=broker_wait_timeout,
            engine=(lambda: engine) if engine is not None else (lambda: default_engine(data_dir)),
            statement_log_size=statement_log_size,
            pool_params=PoolParams(
                minsize=min_pooled_servers,
                max_think_time=max_think_time,
                inactivity_timeout=inactivity_timeout,
            ),
            pool_admins=pool_admins,
            drcp_dedicated_opt=drcp_dedicated_opt,
            root_service=root_service,
            per_pdb_drcp=per_pdb_drcp,
        )
        self._lock = threading.Lock()
        self._opened = 0
        self._open: set[ClientConnection] = set()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- what the instance holds -----------------------------------------------------------------

    @property
    def service(self) -> str:
        return self.instance.service

    @property
    def root_service(self) -> str | None:
        """The service of CDB$ROOT (None: the server has none)."""
        root = self.instance.containers.root
        return root.service if root is not None else None

    @property
    def per_pdb_drcp(self) -> bool:
        """ENABLE_PER_PDB_DRCP: True, the PDB has its own pool; False, one pool for the CDB, whose
        V$CPOOL_* rows only the root shows."""
        return self.instance.containers.per_pdb_drcp

    @property
    def containers(self) -> list[Container]:
        return self.instance.containers.all()

    @property
    def latency(self) -> LatencyModel:
        return self.instance.latency

    @property
    def users(self) -> UserStore:
        return self.instance.users

    @property
    def broker(self) -> Broker:
        return self.instance.broker

    @property
    def engine(self) -> SqlEngine:
        return self.instance.engine

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def dsn(self) -> str:
        """Easy Connect string of the PDB, e.g. ``127.0.0.1:1521/FREEPDB1`` (append ``:pooled`` for DRCP)."""
        return self.dsn_for(self.service)

    @property
    def root_dsn(self) -> str:
        """Easy Connect string of CDB$ROOT, e.g. ``127.0.0.1:1521/FREE``."""
        if self.root_service is None:
            raise ValueError("this server has no root service (root_service=None)")
        return self.dsn_for(self.root_service)

    def dsn_for(self, service: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}/{service}"

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
        self.instance.start()
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
        self.instance.shutdown()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_user(self, user: str, password: str) -> None:
        """Create (or change the password of) a user at runtime (also reached by SQL CREATE USER)."""
        self.users.add(user, password)

    def grant(self, user: str, privilege: str) -> None:
        """Grant ``user`` (or PUBLIC) one of the privileges that open the V$ views, as SYS would:
        ``SELECT_CATALOG_ROLE``, ``SELECT ANY DICTIONARY`` or ``SELECT ON V_$CPOOL_STATS`` (and the other
        ``V_$`` views). SQL ``GRANT`` by SYS or SYSTEM does the same."""
        self.users.grant(user, canonical_privilege(privilege))

    def revoke(self, user: str, privilege: str) -> None:
        """Take a privilege :meth:`grant` gave back (nothing happens if ``user`` did not hold it)."""
        self.users.revoke(user, canonical_privilege(privilege))

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
            conn = ClientConnection(self.instance, sock, addr, on_closed=self._connection_closed)
            with self._lock:
                self._opened += 1
                self._open.add(conn)
            threading.Thread(target=conn.run, name=f"oracle-emulator-{addr}", daemon=True).start()

    def _connection_closed(self, conn: ClientConnection) -> None:
        with self._lock:
            self._open.discard(conn)

    # -- observability ---------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Exact server figures.

        ``round_trips`` counts request→response calls after login (the 4-exchange connect
        handshake is not included; see ``logins``), ``one_way`` counts one-way calls
        (SESSION_RELEASE), ``sessions_created`` every server session created and ``servers_started``
        those that needed a server process started (dedicated connections, a pool that grows; the
        rest are pooled servers reclaimed for another class or purity NEW), ``classes`` holds the
        V$CPOOL_CC_STATS figures per ``USER.CCLASS``.
        """
        counters = self.instance.counters()
        with self._lock:
            opened, open_now = self._opened, len(self._open)
        return {
            "round_trips": counters["round_trips"],
            "one_way": counters["one_way"],
            "logins": counters["logins"],
            "sessions_created": counters["sessions_created"],
            "servers_started": counters["servers_started"],
            "parses": counters["parses"],
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
        return self.instance.statements()

    def reset_stats(self) -> None:
        """Zero every counter and clear the statement log (open connections stay counted as open)."""
        with self._lock:
            self._opened = len(self._open)
        self.instance.reset_stats()
