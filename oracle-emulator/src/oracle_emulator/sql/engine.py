"""The SQL engine: classifies each statement and dispatches it (implements ``results.SqlEngine``).

Statement kinds and where they go:
  ALTER SESSION → :mod:`.altersession` (session.nls / current_schema)
  BEGIN / DECLARE / CALL → :mod:`.plsql`
  COMMIT / ROLLBACK [TO SAVEPOINT] / SAVEPOINT / SET TRANSACTION / SET CONSTRAINTS → transactions here
  SELECT / WITH → :mod:`.translate` → SQLite, described by :mod:`.describe`
  INSERT / UPDATE / DELETE → the same, with RETURNING … INTO out binds
  ALTER SYSTEM KILL SESSION, GRANT/REVOKE EXECUTE ON DBMS_CONNECTION_POOL → :mod:`.admin`
  GRANT / REVOKE → :mod:`.grants` (the privileges that open the V$ views; others accepted)
  CREATE / ALTER / DROP / TRUNCATE / COMMENT → :mod:`.ddl`
Errors: every failure leaves as :class:`OracleError`; unknown statements are ORA-00900 naming the
statement; unexpected exceptions become ORA-00600 naming it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence

from ..results import Bind, Column, ExecutionContext, OracleError, Result, ServerAdmin, SessionState
from . import admin, dictionary, errors, grants, numeric
from .altersession import alter_session
from .binds import match_binds, to_sqlite
from .ddl import DdlRunner
from .describe import ColumnsOf, Describer, Lookup
from .lexer import Tok, Token, first_keywords, significant, tokenize
from .plsql import PlsqlRunner
from .storage import SessionDb, Storage, execute_locked
from .translate import Translated, translate
from .types import OraType, bind_column, from_sqlite
from .views import column_types, materialize

log = logging.getLogger("oracle_emulator.sql")

CreateUserHook = Callable[[str, str], None]
DropUserHook = Callable[[str], None]


class Engine:
    """Runs Oracle SQL for server sessions on per-schema SQLite databases.

    ``data_dir``: keep schema databases there (persist across restarts); None = private temp dir.
    ``on_create_user(name, password)`` / ``on_drop_user(name)``: called when SQL creates a user, changes
    its password (``ALTER USER … IDENTIFIED BY``) or drops it (Django test-database creation), so the
    server can accept logins for it. Without a hook, the engine calls
    ``ctx.server.create_user(name, password)`` / ``ctx.server.drop_user(name)`` when the ServerView has
    such methods (an optional extension of the ServerView protocol, which the wire server's broker has).
    """

    def __init__(
        self,
        data_dir: str | None = None,
        *,
        on_create_user: CreateUserHook | None = None,
        on_drop_user: DropUserHook | None = None,
        busy_timeout_ms: int = 5000,
    ) -> None:
        self.storage = Storage(data_dir, busy_timeout_ms)
        self.storage.on_new_schema(dictionary.create_catalog)
        self.on_create_user = on_create_user
        self.on_drop_user = on_drop_user
        self.plsql = PlsqlRunner(self)
        self.users: dict[str, str] = {}  # users created through SQL: name -> password
        self._lock = threading.Lock()
        self._plans: dict[tuple[object, ...], list[tuple[str, Column | None]]] = {}
        self.ddl = DdlRunner(self)

    # --- SqlEngine protocol ----------------------------------------------------------------------

    def execute(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result:
        try:
            return self._execute(ctx, sql, binds)
        except OracleError as e:
            log.debug("%s in: %s", e, sql)
            raise
        except sqlite3.Error as e:
            log.debug("sqlite error %s in: %s", e, sql)
            raise errors.from_sqlite(e, sql, self.existing_db(ctx.session)) from e
        except Exception as e:
            log.exception("unexpected engine failure in: %s", sql)
            raise OracleError(
                600, f"internal error code, arguments: [{type(e).__name__}: {e}], [{_short(sql)}]"
            ) from e

    def commit(self, ctx: ExecutionContext) -> None:
        db = self.storage.existing(ctx.session)
        if db is None:
            return
        try:
            db.commit()
        except sqlite3.IntegrityError as e:
            # A deferred constraint failed at COMMIT: Oracle rolls the transaction back.
            inner = errors.from_sqlite(e, "COMMIT", db)  # before the rollback: it names the key
            db.rollback()
            raise OracleError(2091, f"transaction rolled back\n{inner.full_message}") from e
        except sqlite3.Error as e:
            raise errors.from_sqlite(e, "COMMIT", db) from e

    def rollback(self, ctx: ExecutionContext) -> None:
        db = self.storage.existing(ctx.session)
        if db is not None:
            try:
                db.rollback()
            except sqlite3.Error as e:
                raise errors.from_sqlite(e, "ROLLBACK", db) from e

    def close_session(self, ctx: ExecutionContext) -> None:
        try:
            self.storage.close_session(ctx.session)  # rolls back what was not committed
        except sqlite3.Error as e:
            log.warning("closing the storage of SID %s: %s", ctx.session.sid, e)

    def close(self) -> None:
        """Close every connection; remove the temp directory when there is no data_dir."""
        self.storage.close()

    # --- users (test-database creation) ---------------------------------------------------------

    def create_user(self, name: str, password: str, ctx: ExecutionContext | None = None) -> None:
        """A user created through SQL: remember it and tell the server (hook, or ServerView method)."""
        name = name.upper()
        with self._lock:
            if name in self.users:
                raise OracleError(1920, f"user name '{name}' conflicts with another user or role name")
            self.users[name] = password
        self._announce_user(name, password, ctx)

    def set_password(self, name: str, password: str, ctx: ExecutionContext | None = None) -> None:
        name = name.upper()
        with self._lock:
            self.users[name] = password
        self._announce_user(name, password, ctx)

    def _announce_user(self, name: str, password: str, ctx: ExecutionContext | None) -> None:
        if self.on_create_user is not None:
            self.on_create_user(name, password)
        elif ctx is not None and callable(getattr(ctx.server, "create_user", None)):
            ctx.server.create_user(name, password)  # type: ignore[attr-defined]

    def drop_user(self, name: str, ctx: ExecutionContext | None = None) -> None:
        name = name.upper()
        if ctx is not None and isinstance(ctx.server, ServerAdmin):
            ctx.server.check_drop_user(name)  # ORA-01940 before anything is dropped
        with self._lock:
            self.users.pop(name, None)
        self.storage.drop_schema(name)
        if self.on_drop_user is not None:
            self.on_drop_user(name)
        elif ctx is not None and callable(getattr(ctx.server, "drop_user", None)):
            ctx.server.drop_user(name)  # type: ignore[attr-defined]

    # --- dispatch --------------------------------------------------------------------------------

    def existing_db(self, session: SessionState) -> SessionDb | None:
        """The session's database if it has opened one (no side effects)."""
        return self.storage.existing(session)

    def db(self, ctx: ExecutionContext) -> SessionDb:
        db = self.storage.session_db(ctx.session)
        db.session = ctx.session
        db.udf_error = None
        db.statement_time = None  # a new statement reads the clock again
        return db

    def _execute(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result:
        kw = first_keywords(sql, 3)
        if not kw:
            raise OracleError(900, f"invalid SQL statement: {_short(sql)}")
        head = kw[0]
        if head in ("SELECT", "WITH"):
            return self.query(ctx, sql, binds)
        if head in ("INSERT", "UPDATE", "DELETE"):
            return self.dml(ctx, sql, binds)
        if head in ("BEGIN", "DECLARE", "CALL"):
            return self.plsql.run(ctx, sql, binds)
        if head == "ALTER" and len(kw) > 1 and kw[1] == "SESSION":
            alter_session(ctx.session, sql)
            return Result()
        if head == "ALTER" and admin.is_kill_session(sql):
            admin.kill_session(ctx, sql)
            return Result()
        if head == "ALTER" and admin.is_set_parameter(sql):
            admin.set_parameter(ctx, sql)
            return Result()
        if head in ("GRANT", "REVOKE") and admin.pool_grant(ctx, sql):
            return Result()
        if head in ("COMMIT", "ROLLBACK", "SAVEPOINT", "SET", "RELEASE"):
            return self._transaction(ctx, sql)
        if head in ("GRANT", "REVOKE"):
            return grants.run(ctx, sql)
        if head in (
            "CREATE",
            "ALTER",
            "DROP",
            "TRUNCATE",
            "COMMENT",
            "GRANT",
            "REVOKE",
            "ANALYZE",
            "PURGE",
            "RENAME",
            "AUDIT",
            "NOAUDIT",
        ):
            return self.ddl.run(ctx, sql)
        if head == "LOCK" and len(kw) > 1 and kw[1] == "TABLE":
            # LOCK TABLE t IN … MODE: the schema's write lock is the only lock there is.
            self.db(ctx).begin()
            return Result()
        if head == "MERGE":
            raise OracleError(900, f"invalid SQL statement: MERGE is not supported: {_short(sql)}")
        raise OracleError(900, f"invalid SQL statement: {_short(sql)}")

    def _transaction(self, ctx: ExecutionContext, sql: str) -> Result:
        toks = [t for t in significant(tokenize(sql)) if not t.is_word("WORK")]
        words = [t.value for t in toks]
        if words[:1] == ["COMMIT"]:
            self.commit(ctx)
            return Result()
        if words[:1] == ["SET"]:
            # SET TRANSACTION … / SET CONSTRAINTS ALL IMMEDIATE|DEFERRED: nothing to model
            # (SQLite checks deferred foreign keys at COMMIT, like Oracle's default for Django).
            if words[1:2] in (["CONSTRAINTS"], ["CONSTRAINT"]) and "IMMEDIATE" in words:
                self._check_deferred(ctx)  # Django's check_constraints(): violations surface now
                return Result()
            if len(words) > 1 and words[1] in ("TRANSACTION", "CONSTRAINTS", "CONSTRAINT", "ROLE"):
                return Result()
            raise OracleError(900, f"invalid SQL statement: {_short(sql)}")
        if words[:1] == ["ROLLBACK"] and len(toks) == 1:
            self.rollback(ctx)
            return Result()
        db = self.db(ctx)
        if words[:1] == ["SAVEPOINT"] and len(toks) == 2:
            name = _ident(toks[1])
            db.begin()
            db.conn.execute(f'SAVEPOINT "{name}"')
            db.savepoints.append(name)
            return Result()
        if words[:2] == ["ROLLBACK", "TO"] and len(toks) in (3, 4):
            name_tok = toks[3] if len(toks) > 3 and toks[2].is_word("SAVEPOINT") else toks[2]
            name = _ident(name_tok)
            if name not in db.savepoints or not db.in_transaction:
                raise OracleError(1086, f"savepoint '{name}' never established in this session or is invalid")
            db.conn.execute(f'ROLLBACK TO "{name}"')
            del db.savepoints[db.savepoints.index(name) + 1 :]
            return Result()
        raise OracleError(900, f"invalid SQL statement: {_short(sql)}")

    def _check_deferred(self, ctx: ExecutionContext) -> None:
        db = self.storage.existing(ctx.session)
        if db is None or not db.in_transaction:
            return
        if db.conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            name = errors.pending_fk_name(db)
            raise OracleError(
                2291, f"integrity constraint ({db.schema}.{name}) violated - parent key not found"
            )

    # --- queries and DML -------------------------------------------------------------------------

    def _params(self, tr: Translated, binds: Sequence[Bind]) -> tuple[dict[str, object], list[int]]:
        slots = match_binds(tr.bind_names, binds)
        params: dict[str, object] = {}
        for i, slot in enumerate(slots):
            if i in tr.out_slots:
                continue
            params[f"b{i}"] = to_sqlite(slot.bind.value if slot.bind is not None else None)
        return params, [slots[i].position for i in tr.out_slots]

    @staticmethod
    def _own_schema(db: SessionDb, tr: Translated) -> None:
        """A table qualified with a schema: the session's own (cross-schema access is not modelled)."""
        for schema in tr.schemas:
            if schema != db.schema:
                raise OracleError(942, f"table or view does not exist: {schema}.{tr.table or ''}".rstrip("."))

    def query(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result:
        tr = translate(sql)
        db = self.db(ctx)
        self._own_schema(db, tr)
        for view in tr.views:
            materialize(db.conn, view, ctx)
        params, _ = self._params(tr, binds)
        if any(numeric.is_encoded(v) for v in params.values()):
            tr = translate(sql, exact_binds=True)  # the same placeholders, orderings compared exactly
        started = tr.for_update and not db.in_transaction
        if tr.for_update:
            db.begin()  # SELECT … FOR UPDATE: take the write lock, as the row locks would
        try:
            cur = db.conn.execute(tr.sql, params)
            raw = cur.fetchall()
        except sqlite3.Error as e:
            error = errors.from_sqlite(e, sql, db)
            if started:
                db.rollback()  # the failed SELECT … FOR UPDATE keeps no lock
            raise error from e
        names = [d[0] for d in cur.description or ()]
        bind_types = self._bind_types(tr, binds)
        columns = self._describe(db, sql, tr, names, raw, bind_types)
        rows = [tuple(from_sqlite(v, c) for v, c in zip(r, columns, strict=True)) for r in raw]
        return Result(columns=columns, rows=rows, rowcount=len(rows))

    def dml(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result:
        tr = translate(sql)
        db = self.db(ctx)
        self._own_schema(db, tr)
        params, out_positions = self._params(tr, binds)
        if any(numeric.is_encoded(v) for v in params.values()):
            tr = translate(sql, exact_binds=True)
        started = not db.in_transaction
        db.begin()
        # Each statement is atomic (Oracle statement-level rollback): wrap it in a savepoint.
        db.conn.execute('SAVEPOINT "__stmt"')
        try:
            cur = execute_locked(db.conn, tr.sql, params)
            returned = cur.fetchall() if tr.out_slots else []
            count = cur.rowcount if cur.rowcount >= 0 else len(returned)
        except BaseException as e:
            error = errors.from_sqlite(e, sql, db, table=tr.table) if isinstance(e, sqlite3.Error) else None
            if (
                error is not None
                and "datatype mismatch" in str(e)
                and any(map(numeric.is_encoded, params.values()))
            ):
                # An identity primary key is SQLite's rowid: integers within 64 bits (a limit).
                error = OracleError(
                    900,
                    f"invalid SQL statement: {_short(sql)} (an identity column holds integers within 64 bits"
                    " only; the value is beyond)",
                )
            if started:
                # Nothing else is in this transaction: end it, so a failed statement (e.g. in
                # autocommit, where the client sends no ROLLBACK) does not keep the write lock.
                db.rollback()
            else:
                db.conn.execute('ROLLBACK TO "__stmt"')
                db.conn.execute('RELEASE "__stmt"')
            if error is not None:
                raise error from e
            raise
        db.conn.execute('RELEASE "__stmt"')
        out: dict[int, list[object]] = {}
        if tr.out_slots:
            types = self._returning_types(db, tr)
            for k, pos in enumerate(out_positions):
                col = types[k] if k < len(types) else None
                out[pos] = [from_sqlite(r[k], col) if col is not None else r[k] for r in returned]
        return Result(rowcount=count if not tr.out_slots else len(returned), out_binds=out)  # type: ignore[arg-type]

    @staticmethod
    def _bind_types(tr: Translated, binds: Sequence[Bind]) -> dict[int, Column]:
        out: dict[int, Column] = {}
        for i, slot in enumerate(match_binds(tr.bind_names, binds)):
            col = bind_column(slot.bind.value) if slot.bind is not None else None
            if col is not None:
                out[i] = col
        return out

    def _describe(
        self,
        db: SessionDb,
        sql: str,
        tr: Translated,
        names: list[str],
        raw: list[tuple[object, ...]],
        bind_types: dict[int, Column],
    ) -> list[Column]:
        """Describe a result; the catalog part is cached per statement, schema version and bind types."""
        describer = Describer(self._lookup(db, tr), tr.bind_names, self._columns_of(db, tr), bind_types)
        if tr.views:
            return describer.describe(tr.select, names, raw)
        version = db.conn.execute("PRAGMA schema_version").fetchone()[0]
        # The client's text (bind names appear in column names) and the bound types (a selected bind
        # is described by its type).
        kinds = tuple((i, c.type) for i, c in bind_types.items())
        key = (sql, db.schema, version, kinds)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > 4096:
                self._plans.clear()
            plan = self._plans[key] = describer.plan(tr.select, names)
        return describer.describe(tr.select, names, raw, plan)

    def _returning_types(self, db: SessionDb, tr: Translated) -> list[Column | None]:
        out: list[Column | None] = []
        for name in tr.returning:
            found = dictionary.lookup(db.conn, tr.table or "", name) if tr.table else None
            out.append(found[0].column(name, found[1]) if found else None)
        return out

    def _lookup(self, db: SessionDb, tr: Translated) -> Lookup:
        def lookup(table: str, column: str) -> tuple[OraType, bool] | None:
            if table in tr.views:
                t = column_types(table).get(column)
                return (t, True) if t is not None else None
            return dictionary.lookup(db.conn, table, column)

        return lookup

    def _columns_of(self, db: SessionDb, tr: Translated) -> ColumnsOf:
        def columns_of(table: str) -> list[tuple[str, OraType, bool]] | None:
            if table in tr.views:
                return [(n, t, True) for n, t in column_types(table).items()]
            return dictionary.table_columns(db.conn, table)

        return columns_of


def _ident(tok: Token) -> str:
    return tok.value if tok.kind is Tok.QUOTED else tok.value.upper()


def _short(sql: str) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= 300 else text[:300] + "…"
