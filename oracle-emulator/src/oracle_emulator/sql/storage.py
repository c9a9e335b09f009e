"""SQLite storage: one database file per Oracle schema, one connection per server session.

Why files and WAL even "in memory": a transaction must belong to a server session and its uncommitted
rows must be invisible to other sessions of the same schema. Shared-cache memory databases give
table-level locks that fail at once (SQLITE_LOCKED ignores busy_timeout) and readers that block on
writers; WAL-mode files give snapshot reads, one writer at a time and a bounded wait (busy_timeout).
With ``data_dir=None`` the files live in a private temp directory removed when the engine closes.

Transactions: connections run in SQLite autocommit mode and the engine opens ``BEGIN IMMEDIATE`` at
the first write of a transaction (Oracle starts a transaction implicitly at the first DML). Taking the
write lock up front makes a second writer wait ``busy_timeout`` and then fail cleanly (ORA-00054)
instead of hitting a snapshot conflict half-way.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Callable
from typing import Any

from ..results import OracleError, SessionState
from . import collations, functions, hierarchy, numeric
from .binds import format_datetime
from .views import sys_context

BUSY_TIMEOUT_MS = 5000
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_$#]")


class SessionDb:
    """The SQLite connection of one server session, on the schema it logged in to."""

    def __init__(self, path: str, schema: str, busy_timeout_ms: int) -> None:
        self.schema = schema
        self.session: SessionState | None = None  # the session running the current statement
        self.udf_error: BaseException | None = None
        self.conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
        )
        self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA case_sensitive_like = ON")  # Oracle LIKE is case-sensitive
        self.conn.execute("PRAGMA recursive_triggers = OFF")
        for name, (nargs, fn) in {**functions.FUNCTIONS, **hierarchy.FUNCTIONS}.items():
            self.conn.create_function(
                name, nargs, self._guard(fn), deterministic=name not in functions.NONDETERMINISTIC
            )
        for name, (nargs, cls) in functions.AGGREGATES.items():
            self.conn.create_aggregate(name, nargs, cls)
        for name, (nargs, cls) in functions.WINDOW_AGGREGATES.items():
            self.conn.create_window_function(name, nargs, cls)
        # SYSDATE / SYSTIMESTAMP are read once per statement, as on Oracle (NOW() - NOW() is 0).
        self.statement_time: datetime.datetime | None = None
        self.conn.create_function("ORA_SYSTIMESTAMP", 0, self._statement_timestamp)
        self.conn.create_function("ORA_SYSDATE", 0, lambda: self._statement_timestamp()[:19])
        for name in collations.NAMES:
            self.conn.create_collation(name, collations.collation(name))
        self.conn.create_collation(numeric.COLLATION, numeric.collate)
        self.conn.create_function("ORA_IS_NUMBER", 1, numeric.is_number_text, deterministic=True)
        self.conn.create_function("SYS_CONTEXT", -1, self._guard(self._sys_context))
        self.conn.create_function("ORA_USER", 0, lambda: self.session.username if self.session else None)
        self.conn.execute("CREATE TEMP TABLE DUAL (DUMMY TEXT)")
        self.conn.execute("INSERT INTO temp.DUAL VALUES ('X')")
        self.savepoints: list[str] = []

    def _statement_timestamp(self) -> str:
        if self.statement_time is None:
            self.statement_time = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        return format_datetime(self.statement_time)

    def _guard(self, fn: Callable[..., object]) -> Callable[..., Any]:
        """SQLite hides a UDF's exception text; keep it so the engine can report the ORA error.

        (``Any``: sqlite3 accepts only its own value types back, which each function returns.)
        """

        def call(*args: object) -> Any:
            try:
                return fn(*args)
            except BaseException as e:
                self.udf_error = e
                raise

        return call

    def _sys_context(self, namespace: object, key: object, length: object = None) -> object:
        if self.session is None:
            return None
        return sys_context(self.session, namespace, key)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def begin(self) -> None:
        """Start the Oracle transaction (write lock) if none is open."""
        if not self.conn.in_transaction:
            execute_locked(self.conn, "BEGIN IMMEDIATE")
            self.savepoints.clear()

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self.savepoints.clear()

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.savepoints.clear()

    def close(self) -> None:
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        finally:
            self.conn.close()


def execute_locked(conn: sqlite3.Connection, sql: str, params: Any = ()) -> sqlite3.Cursor:
    """Run a statement that may wait for another session's write lock; map the timeout."""
    try:
        return conn.execute(sql, params)
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            raise OracleError(54, "resource busy and acquire with NOWAIT specified or timeout expired") from e
        raise


class Storage:
    """Owns the schema files and the per-session connections."""

    def __init__(self, data_dir: str | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self._temp = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="oracle_emulator_")
        os.makedirs(self.data_dir, exist_ok=True)
        # The server owns the engine and may never call close(): remove the temp files at the latest
        # when the engine is collected or the interpreter exits.
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.data_dir, True) if self._temp else None
        self.busy_timeout_ms = busy_timeout_ms
        self._sessions: dict[tuple[int, int], SessionDb] = {}
        self._lock = threading.Lock()
        self._initialised: set[str] = set()
        self._init_hook: Callable[[sqlite3.Connection], None] | None = None

    def on_new_schema(self, hook: Callable[[sqlite3.Connection], None]) -> None:
        """Called once per schema file (per process) to create catalog tables."""
        self._init_hook = hook

    def path(self, schema: str) -> str:
        return os.path.join(self.data_dir, _SAFE_NAME.sub("_", schema.upper()) + ".sqlite3")

    def session_db(self, session: SessionState) -> SessionDb:
        key = (session.sid, session.serial)
        db = self._sessions.get(key)
        if db is not None:
            return db
        schema = (session.username or "ANONYMOUS").upper()
        path = self.path(schema)
        with self._lock:
            db = self._sessions.get(key)
            if db is not None:
                return db
            if schema not in self._initialised:
                conn = sqlite3.connect(path, isolation_level=None, timeout=self.busy_timeout_ms / 1000)
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = OFF")  # a test substrate: no fsync per DDL
                    if self._init_hook is not None:
                        self._init_hook(conn)
                finally:
                    conn.close()
                self._initialised.add(schema)
            db = SessionDb(path, schema, self.busy_timeout_ms)
            self._sessions[key] = db
        return db

    def existing(self, session: SessionState) -> SessionDb | None:
        return self._sessions.get((session.sid, session.serial))

    def close_session(self, session: SessionState) -> None:
        with self._lock:
            db = self._sessions.pop((session.sid, session.serial), None)
        if db is not None:
            db.close()

    def drop_schema(self, schema: str) -> None:
        """DROP USER … CASCADE: close its connections and delete its file."""
        schema = schema.upper()
        with self._lock:
            victims = [k for k, db in self._sessions.items() if db.schema == schema]
            dbs = [self._sessions.pop(k) for k in victims]
            self._initialised.discard(schema)
        for db in dbs:
            db.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path(schema) + suffix)

    def close(self) -> None:
        with self._lock:
            dbs = list(self._sessions.values())
            self._sessions.clear()
        for db in dbs:
            with contextlib.suppress(sqlite3.Error):
                db.close()
        if self._cleanup is not None:
            self._cleanup()
