"""Oracle DDL on SQLite: tables, constraints, indexes, views, sequences, comments, users, tablespaces.

Every table change goes through the catalog (:mod:`.dictionary`): the statement edits the table's
:class:`TableDef`, and the SQLite table is regenerated from it and the rows copied over (SQLite cannot
ALTER constraints or column types in place; this is the same "12-step" rebuild Django's SQLite backend
uses). DDL commits the session's open transaction first and runs in a transaction of its own, with
foreign keys off so that rebuilding a parent table does not touch its children, as on Oracle.

Users (``CREATE USER`` / ``ALTER USER … IDENTIFIED BY`` / ``DROP USER … CASCADE``) are reported to the
engine, which calls its ``on_create_user`` / ``on_drop_user`` hooks so the server can accept logins.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from sqlglot import exp

from ..results import ExecutionContext, OracleError, Result
from . import collations, numeric, procedures
from . import dictionary as dd
from .describe import oracle_name
from .dictionary import ColumnDef, ConstraintDef, IndexDef, TableDef
from .errors import from_sqlite
from .hosts import DdlHost
from .lexer import Tok, Token, significant, split_commas, tokenize
from .storage import SessionDb, execute_locked
from .translate import expression, translate
from .types import parse_type

LENGTH_CHECK = "__ORA_LEN__"  # prefix of the SQLite CHECK that enforces a column's maximum length
NUMBER_CHECK = "__ORA_NUM__"  # prefix of the SQLite CHECK that keeps text out of NUMBER columns

_COL_KEYWORDS = {
    "GENERATED",
    "DEFAULT",
    "NULL",
    "NOT",
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "CHECK",
    "REFERENCES",
    "COLLATE",
    "ENABLE",
    "DISABLE",
    "VISIBLE",
    "INVISIBLE",
    "DROP",
    "DEFERRABLE",
    "INITIALLY",
    "USING",
}


def _short(sql: str) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= 300 else text[:300] + "…"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Cursor:
    """A cursor over significant tokens."""

    def __init__(self, toks: list[Token], sql: str) -> None:
        self.toks = toks
        self.i = 0
        self.sql = sql

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *words: str) -> bool:
        t = self.peek()
        return t is not None and t.is_word(*words)

    def take(self) -> Token:
        t = self.peek()
        if t is None:
            raise OracleError(905, f"missing keyword: {_short(self.sql)}")
        self.i += 1
        return t

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.i += 1
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            raise OracleError(905, f"missing keyword {' '.join(words)}: {_short(self.sql)}")

    def punct(self, text: str) -> bool:
        t = self.peek()
        if t is not None and t.kind is Tok.PUNCT and t.text == text:
            self.i += 1
            return True
        return False

    def ident(self) -> str:
        t = self.take()
        if t.kind is Tok.QUOTED:
            return t.value
        if t.kind is Tok.WORD:
            return t.value
        raise OracleError(904, f"invalid identifier: {t.text}")

    def qualified(self) -> str:
        """schema.name → name (one schema per connection here)."""
        name = self.ident()
        while self.punct("."):
            name = self.ident()
        return name

    def group(self) -> list[Token]:
        """The tokens inside the parenthesised group at the cursor (cursor moves past it)."""
        if not self.punct("("):
            raise OracleError(906, f"missing left parenthesis: {_short(self.sql)}")
        depth, start = 1, self.i
        while self.i < len(self.toks):
            t = self.toks[self.i]
            self.i += 1
            if t.kind is Tok.PUNCT and t.text == "(":
                depth += 1
            elif t.kind is Tok.PUNCT and t.text == ")":
                depth -= 1
                if depth == 0:
                    return self.toks[start : self.i - 1]
        raise OracleError(907, f"missing right parenthesis: {_short(self.sql)}")

    def rest(self) -> list[Token]:
        out = self.toks[self.i :]
        self.i = len(self.toks)
        return out

    def done(self) -> bool:
        return self.i >= len(self.toks)


def _split_commas(toks: list[Token]) -> list[list[Token]]:
    return [part for part in split_commas(toks) if part]


def _text(toks: list[Token]) -> str:
    return " ".join(t.text for t in toks)


def _names(toks: list[Token]) -> list[str]:
    return [t.value for t in toks if t.kind in (Tok.WORD, Tok.QUOTED)]


_LOB_TYPES = frozenset({"CLOB", "NCLOB", "BLOB"})


class DdlRunner:
    def __init__(self, engine: DdlHost) -> None:
        self.engine = engine
        self.tablespaces: set[str] = {"SYSTEM", "SYSAUX", "USERS", "TEMP"}
        self._allocated: set[str] = set()  # generated names handed out by the current statement

    # --- entry point -----------------------------------------------------------------------------

    def run(self, ctx: ExecutionContext, sql: str) -> Result:
        toks = significant(tokenize(sql))
        while toks and toks[-1].text in (";", "/"):
            toks.pop()
        c = _Cursor(toks, sql)
        head = c.take().value
        self._allocated = set()
        # Statements that do not touch the schema's tables first (no implicit commit needed).
        if head in ("GRANT", "REVOKE", "AUDIT", "NOAUDIT", "ANALYZE", "PURGE"):
            return Result()
        if head == "CREATE" and self._create_global(c, ctx):
            return Result()
        if head == "DROP" and self._drop_global(c, ctx):
            return Result()
        if head == "ALTER" and c.at("USER"):
            self._alter_user(c, ctx)
            return Result()
        db = self.engine.db(ctx)
        self.engine.commit(ctx)  # DDL commits the open transaction, as on Oracle
        try:
            with self._txn(db):
                self._dispatch(db, c, head)
        except sqlite3.Error as e:
            raise _ddl_error(e, sql) from e
        return Result()

    @contextlib.contextmanager
    def _txn(self, db: SessionDb) -> Iterator[None]:
        conn = db.conn
        conn.execute("PRAGMA foreign_keys = OFF")
        try:
            execute_locked(conn, "BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.execute("PRAGMA foreign_keys = ON")

    def _dispatch(self, db: SessionDb, c: _Cursor, head: str) -> None:
        conn = db.conn
        if head == "CREATE":
            or_replace = c.accept("OR")
            if or_replace:
                c.expect("REPLACE")
            c.accept("FORCE", "NOFORCE")
            c.accept("GLOBAL", "PRIVATE")
            c.accept("TEMPORARY")
            if c.accept("TABLE"):
                self.create_table(conn, c)
            elif c.at("UNIQUE", "INDEX", "BITMAP"):
                unique = c.accept("UNIQUE")
                c.accept("BITMAP")
                c.expect("INDEX")
                self.create_index(conn, c, unique)
            elif c.accept("VIEW"):
                self.create_view(conn, c, or_replace)
            elif c.accept("SEQUENCE"):
                self.create_sequence(conn, c)
            elif c.at("PROCEDURE"):
                self.create_procedure(conn, c, or_replace)
            else:
                raise OracleError(900, f"invalid SQL statement: {_short(c.sql)}")
        elif head == "ALTER":
            if c.accept("TABLE"):
                self.alter_table(conn, c)
            elif c.accept("INDEX"):
                self.alter_index(conn, c)
            elif c.accept("SEQUENCE"):
                pass  # increments/caches are not modelled
            else:
                raise OracleError(900, f"invalid SQL statement: {_short(c.sql)}")
        elif head == "DROP":
            if c.accept("TABLE"):
                self.drop_table(conn, c)
            elif c.accept("INDEX"):
                self.drop_index(conn, c.qualified())
            elif c.accept("VIEW"):
                name = c.qualified()
                if (
                    conn.execute(
                        "SELECT 1 FROM _ORA_TABLES WHERE TABLE_NAME = ? AND KIND = 'VIEW'", (name,)
                    ).fetchone()
                    is None
                ):
                    raise OracleError(942, f"table or view does not exist: {name}")
                conn.execute(f"DROP VIEW IF EXISTS {_q(name)}")
                conn.execute("DELETE FROM _ORA_TABLES WHERE TABLE_NAME = ?", (name,))
                conn.execute("DELETE FROM _ORA_COLUMNS WHERE TABLE_NAME = ?", (name,))
            elif c.accept("SEQUENCE"):
                name = c.qualified()
                if conn.execute("DELETE FROM _ORA_SEQUENCES WHERE SEQUENCE_NAME = ?", (name,)).rowcount == 0:
                    raise OracleError(2289, "sequence does not exist")
            elif c.accept("PROCEDURE"):
                name = c.qualified()
                deleted = conn.execute(
                    "DELETE FROM _ORA_SOURCE WHERE NAME = ? AND TYPE = 'PROCEDURE'", (name,)
                )
                if deleted.rowcount == 0:
                    raise OracleError(4043, f"object {name} does not exist")
            else:
                raise OracleError(900, f"invalid SQL statement: {_short(c.sql)}")
        elif head == "TRUNCATE":
            c.expect("TABLE")
            name = c.qualified()
            self._require_table(conn, name)
            conn.execute(f"DELETE FROM {_q(name)}")
        elif head == "COMMENT":
            self.comment(conn, c)
        elif head == "RENAME":
            old = c.qualified()
            c.expect("TO")
            self.rename_table(conn, old, c.qualified())
        else:
            raise OracleError(900, f"invalid SQL statement: {_short(c.sql)}")

    # --- users, tablespaces, roles (no schema change in this session) ----------------------------

    def _create_global(self, c: _Cursor, ctx: ExecutionContext) -> bool:
        t = c.peek()
        if t is None:
            return False
        if t.is_word("USER"):
            c.take()
            name = c.ident()
            password = ""
            if c.accept("IDENTIFIED"):
                c.expect("BY")
                password = _password(c.take())
            self.engine.create_user(name, password, ctx)
            return True
        after = c.peek(1)
        if t.is_word("TABLESPACE") or (
            t.is_word("TEMPORARY", "BIGFILE", "SMALLFILE")
            and after is not None
            and after.is_word("TABLESPACE")
        ):
            while not c.accept("TABLESPACE"):
                c.take()
            name = c.ident()
            if name in self.tablespaces:
                raise OracleError(1543, f"tablespace '{name}' already exists")
            self.tablespaces.add(name)
            return True
        # Accepted; nothing in the emulator depends on them.
        nxt = c.peek(2)
        return t.is_word("ROLE", "CONTEXT", "PUBLIC", "SYNONYM", "DIRECTORY", "PROFILE") or (
            t.is_word("OR") and nxt is not None and nxt.is_word("CONTEXT")
        )

    def _drop_global(self, c: _Cursor, ctx: ExecutionContext) -> bool:
        t = c.peek()
        if t is None:
            return False
        if t.is_word("USER"):
            c.take()
            name = c.ident()
            self.engine.drop_user(name, ctx)
            return True
        if t.is_word("TABLESPACE"):
            c.take()
            name = c.ident()
            if name not in self.tablespaces:
                raise OracleError(959, f"tablespace '{name}' does not exist")
            self.tablespaces.discard(name)
            return True
        return t.is_word("ROLE", "CONTEXT", "PUBLIC", "SYNONYM", "DIRECTORY", "PROFILE")

    def _alter_user(self, c: _Cursor, ctx: ExecutionContext) -> None:
        c.expect("USER")
        name = c.ident()
        if c.accept("IDENTIFIED"):
            c.expect("BY")
            self.engine.set_password(name, _password(c.take()), ctx)

    # --- tables ----------------------------------------------------------------------------------

    def _require_table(self, conn: sqlite3.Connection, name: str) -> TableDef:
        t = dd.load_table(conn, name)
        if t is None:
            raise OracleError(942, f"table or view does not exist: {name}")
        return t

    def _new_name(self, conn: sqlite3.Connection) -> str:
        """An Oracle-style SYS_Cnnnnnnn name for an unnamed constraint."""
        n = conn.execute("SELECT COUNT(*) FROM _ORA_CONSTRAINTS").fetchone()[0] + 10000
        while True:
            name = f"SYS_C{n:07d}"
            taken = conn.execute(
                "SELECT 1 FROM _ORA_CONSTRAINTS WHERE CONSTRAINT_NAME = ?", (name,)
            ).fetchone()
            if taken is None and name not in self._allocated:
                self._allocated.add(name)
                return name
            n += 1

    def create_table(self, conn: sqlite3.Connection, c: _Cursor) -> None:
        name = c.qualified()
        if dd.object_exists(conn, name):
            raise OracleError(955, "name is already used by an existing object")
        if c.at("AS"):
            raise OracleError(900, f"invalid SQL statement: CREATE TABLE … AS SELECT: {_short(c.sql)}")
        t = TableDef(name)
        for item in _split_commas(c.group()):
            if item[0].is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
                t.constraints.append(self._table_constraint(conn, _Cursor(item, c.sql)))
            else:
                self._column(conn, t, _Cursor(item, c.sql), None)
        if not t.columns:
            raise OracleError(904, "invalid identifier")
        self._check_names(conn, t)
        self._build(conn, t, copy_from=None)

    def _column(
        self, conn: sqlite3.Connection, t: TableDef, c: _Cursor, existing: ColumnDef | None
    ) -> ColumnDef:
        """Parse ``name [type] [column clauses]``; for MODIFY, ``existing`` is updated in place."""
        name = c.ident()
        col = existing or ColumnDef(name, parse_type("VARCHAR2(4000)"))
        type_toks: list[Token] = []
        depth = 0
        while not c.done():
            tok = c.peek()
            assert tok is not None
            if depth == 0 and tok.kind is Tok.WORD and tok.value in _COL_KEYWORDS:
                break
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                depth -= 1
            type_toks.append(c.take())
        if type_toks:
            col.type = parse_type(_text(type_toks))
        elif existing is None:
            raise OracleError(902, f"invalid datatype: {_short(c.sql)}")
        pending: str | None = None
        last: ConstraintDef | None = None
        while not c.done():
            if c.accept("GENERATED"):
                if not c.accept("ALWAYS"):
                    c.expect("BY")
                    c.expect("DEFAULT")
                    if c.accept("ON"):
                        c.expect("NULL")
                c.expect("AS")
                if c.peek() is not None and c.peek().text == "(":  # type: ignore[union-attr]
                    col.default = "(" + _text(c.group()) + ")"  # a virtual column's expression
                    col.virtual = True
                    c.accept("VIRTUAL")
                    continue
                c.expect("IDENTITY")
                if c.peek() is not None and c.peek().text == "(":  # type: ignore[union-attr]
                    c.group()
                col.identity = True
            elif c.accept("DEFAULT"):
                if c.accept("ON"):
                    c.expect("NULL")
                col.default = self._default(c)
            elif c.accept("NOT"):
                c.expect("NULL")
                col.nullable = False
            elif c.accept("NULL"):
                col.nullable = True
            elif c.accept("CONSTRAINT"):
                pending = c.ident()
            elif c.accept("PRIMARY"):
                c.expect("KEY")
                last = ConstraintDef(pending or self._new_name(conn), "P", [name], generated=pending is None)
                t.constraints.append(last)
                col.nullable = False
                pending = None
            elif c.accept("UNIQUE"):
                last = ConstraintDef(pending or self._new_name(conn), "U", [name], generated=pending is None)
                t.constraints.append(last)
                pending = None
            elif c.accept("CHECK"):
                last = ConstraintDef(
                    pending or self._new_name(conn),
                    "C",
                    [name],
                    check=_text(c.group()),
                    generated=pending is None,
                )
                t.constraints.append(last)
                pending = None
            elif c.accept("REFERENCES"):
                last = self._references(
                    conn,
                    c,
                    ConstraintDef(pending or self._new_name(conn), "R", [name], generated=pending is None),
                )
                t.constraints.append(last)
                pending = None
            elif c.at("DEFERRABLE", "INITIALLY"):
                self._deferrable(c, last)
            elif c.accept("DROP"):
                c.expect("IDENTITY")
                col.identity = False
            elif c.accept("COLLATE"):
                collation = c.ident()  # not `name`: the constraints that follow name the column
                if collations.collation(collation) is None:
                    raise OracleError(
                        900, f"invalid SQL statement: collation {collation} is not modelled: {_short(c.sql)}"
                    )
                col.collation = None if collation.upper() == "USING_NLS_COMP" else collation.upper()
            elif c.accept("ENABLE", "DISABLE", "VISIBLE", "INVISIBLE", "VALIDATE", "NOVALIDATE"):
                pass
            elif c.accept("USING"):
                c.expect("INDEX")
                self._skip_storage(c)
            else:
                raise OracleError(907, f"missing right parenthesis: {_short(c.sql)}")
        if existing is None:
            if t.column(name) is not None:
                raise OracleError(957, "duplicate column name")
            t.columns.append(col)
        return col

    def _skip_storage(self, c: _Cursor) -> None:
        while c.accept("TABLESPACE", "COMPUTE", "STATISTICS"):
            if not c.done() and not c.at("ENABLE", "DISABLE", "DEFERRABLE", "INITIALLY"):
                c.take()

    def _default(self, c: _Cursor) -> str | None:
        tok = c.peek()
        if tok is None:
            return None
        if tok.is_word("NULL"):
            c.take()
            return None
        if tok.text == "(":
            return "(" + _text(c.group()) + ")"
        out = [c.take()]
        if out[0].text in ("-", "+") and not c.done():
            out.append(c.take())
        if out[-1].kind is Tok.WORD and c.peek() is not None and c.peek().text == "(":  # type: ignore[union-attr]
            return _text(out) + "(" + _text(c.group()) + ")"
        return _text(out)

    def _deferrable(self, c: _Cursor, con: ConstraintDef | None) -> None:
        while c.at("DEFERRABLE", "INITIALLY", "NOT"):
            if c.accept("NOT"):
                c.expect("DEFERRABLE")
                if con:
                    con.deferrable = False
            elif c.accept("DEFERRABLE"):
                if con:
                    con.deferrable = True
            else:
                c.expect("INITIALLY")
                deferred = c.take().is_word("DEFERRED")
                if con:
                    con.deferred = deferred
                    con.deferrable = con.deferrable or deferred

    def _references(self, conn: sqlite3.Connection, c: _Cursor, con: ConstraintDef) -> ConstraintDef:
        con.ref_table = c.qualified()
        if c.peek() is not None and c.peek().text == "(":  # type: ignore[union-attr]
            con.ref_columns = _names(c.group())
        if c.accept("ON"):
            c.expect("DELETE")
            if c.accept("CASCADE"):
                con.on_delete = "CASCADE"
            else:
                c.expect("SET")
                c.expect("NULL")
                con.on_delete = "SET NULL"
        self._deferrable(c, con)
        ref = dd.load_table(conn, con.ref_table)
        if ref is None:
            raise OracleError(942, f"table or view does not exist: {con.ref_table}")
        if not con.ref_columns:
            pk = next((k for k in ref.constraints if k.kind == "P"), None)
            if pk is None:
                raise OracleError(2268, "referenced table does not have a primary key")
            con.ref_columns = list(pk.columns)
        keys = [k for k in ref.constraints if k.kind in ("P", "U") and k.columns == con.ref_columns]
        if not keys:
            raise OracleError(2270, "no matching unique or primary key for this column-list")
        con.ref_constraint = keys[0].name
        return con

    def _table_constraint(self, conn: sqlite3.Connection, c: _Cursor) -> ConstraintDef:
        name = c.ident() if c.accept("CONSTRAINT") else None
        generated = name is None
        name = name or self._new_name(conn)
        if c.accept("PRIMARY"):
            c.expect("KEY")
            con = ConstraintDef(name, "P", _names(c.group()), generated=generated)
        elif c.accept("UNIQUE"):
            con = ConstraintDef(name, "U", _names(c.group()), generated=generated)
        elif c.accept("CHECK"):
            group = c.group()
            cols = [t.value for t in group if t.kind is Tok.QUOTED]
            con = ConstraintDef(name, "C", cols[:1], check=_text(group), generated=generated)
        elif c.accept("FOREIGN"):
            c.expect("KEY")
            cols = _names(c.group())
            c.expect("REFERENCES")
            con = self._references(conn, c, ConstraintDef(name, "R", cols, generated=generated))
        else:
            raise OracleError(902, f"invalid constraint: {_short(c.sql)}")
        while not c.done():
            if c.at("DEFERRABLE", "INITIALLY", "NOT"):
                self._deferrable(c, con)
            elif c.accept("USING"):
                c.expect("INDEX")
                self._skip_storage(c)
            elif c.accept("ENABLE", "VALIDATE", "NOVALIDATE", "RELY", "NORELY", "DISABLE"):
                pass
            else:
                raise OracleError(907, f"missing right parenthesis: {_short(c.sql)}")
        return con

    def _check_names(self, conn: sqlite3.Connection, t: TableDef) -> None:
        seen: set[str] = set()
        for k in t.constraints:
            for col in k.columns:
                if k.kind != "C" and t.column(col) is None:
                    raise OracleError(904, f'"{col}": invalid identifier')
            if k.name in seen:
                raise OracleError(2264, "name already used by an existing constraint")
            seen.add(k.name)
            row = conn.execute(
                "SELECT TABLE_NAME FROM _ORA_CONSTRAINTS WHERE CONSTRAINT_NAME = ?", (k.name,)
            ).fetchone()
            if row is not None and row[0] != t.name:
                raise OracleError(2264, "name already used by an existing constraint")
        if sum(1 for k in t.constraints if k.kind == "P") > 1:
            raise OracleError(2260, "table can have only one primary key")

    # --- building SQLite tables from the catalog model ------------------------------------------

    def _build(
        self,
        conn: sqlite3.Connection,
        t: TableDef,
        copy_from: dict[str, str] | None,
        old_name: str | None = None,
    ) -> None:
        """(Re)create the SQLite table for ``t``; ``copy_from`` maps new columns to old-column SQL."""
        pk = next((k for k in t.constraints if k.kind == "P"), None)
        inline_pk: str | None = None
        key_columns = set(pk.columns) if pk is not None else set()
        if pk is not None and len(pk.columns) == 1:
            col = t.column(pk.columns[0])
            if col is not None and col.identity and col.type.name in ("NUMBER", "INTEGER", "INT", "SMALLINT"):
                # INTEGER PRIMARY KEY: the rowid, numbered when NULL, which only an identity may be.
                inline_pk = col.name
        parts: list[str] = []
        for col in t.columns:
            affinity = "INTEGER" if col.name == inline_pk else col.type.affinity
            if affinity == "INTEGER" and col.name in key_columns and col.name != inline_pk:
                affinity = "INT"  # same affinity, but not a rowid alias: NULL is ORA-01400, not 1, 2, …
            sql = f"{_q(col.name)} {affinity}"
            if col.collation is not None:
                sql += f" COLLATE {_q(col.collation)}"
            if col.name == inline_pk:
                sql += f" CONSTRAINT {_q(pk.name)} PRIMARY KEY AUTOINCREMENT"  # type: ignore[union-attr]
            elif not col.nullable or col.name in key_columns:
                sql += " NOT NULL"  # a primary key's columns are NOT NULL in Oracle, not in SQLite
            if col.name in key_columns:
                col.nullable = False  # and USER_TAB_COLUMNS says so
            if col.virtual and col.default is not None:
                sql += f" GENERATED ALWAYS AS ({expression(col.default)}) VIRTUAL"
            elif col.default is not None:
                # A default SQLite cannot evaluate is kept in the catalog only.
                with contextlib.suppress(OracleError):
                    sql += f" DEFAULT ({expression(col.default)})"
            if col.type.wide_number and col.name != inline_pk:
                # Text affinity: a NUMBER is kept exactly as text; text that is no number is ORA-01722.
                check = numeric.TEXT_CHECK.format(col=_q(col.name))
                sql += f" CONSTRAINT {_q(NUMBER_CHECK + col.name)} CHECK ({check})"
            elif col.type.affinity in ("INTEGER", "NUMERIC", "REAL") and col.name != inline_pk:
                # Text that does not look like a number stays text in SQLite: Oracle says ORA-01722.
                check = numeric.SQL_CHECK.format(col=_q(col.name))
                sql += f" CONSTRAINT {_q(NUMBER_CHECK + col.name)} CHECK ({check})"
            if col.type.name in ("VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR") and col.type.length:
                # ORA-12899 "value too large for column" (errors.py decodes the constraint name).
                limit = f"length({_q(col.name)}) <= {col.type.length}"
                sql += f" CONSTRAINT {_q(LENGTH_CHECK + col.name)} CHECK ({limit})"
            parts.append(sql)
        for k in t.constraints:
            cols = ", ".join(_q(x) for x in k.columns)
            if k.kind == "P" and k.columns != [inline_pk]:
                parts.append(f"CONSTRAINT {_q(k.name)} PRIMARY KEY ({cols})")
            elif k.kind == "U":
                parts.append(f"CONSTRAINT {_q(k.name)} UNIQUE ({cols})")
            elif k.kind == "C" and k.check:
                with contextlib.suppress(OracleError):  # e.g. IS JSON: not enforced
                    parts.append(f"CONSTRAINT {_q(k.name)} CHECK ({expression(k.check)})")
            elif k.kind == "R":
                ref = ", ".join(_q(x) for x in k.ref_columns)
                sql = (
                    f"CONSTRAINT {_q(k.name)} FOREIGN KEY ({cols}) REFERENCES {_q(k.ref_table or '')} ({ref})"
                )
                if k.on_delete:
                    sql += f" ON DELETE {k.on_delete}"
                if k.deferred:
                    sql += " DEFERRABLE INITIALLY DEFERRED"
                parts.append(sql)
        body = ",\n  ".join(parts)
        source = old_name or t.name
        if copy_from is None:
            conn.execute(f"CREATE TABLE {_q(t.name)} (\n  {body}\n)")
        else:
            tmp = "__REBUILD_" + t.name
            conn.execute(f"DROP TABLE IF EXISTS {_q(tmp)}")
            conn.execute(f"CREATE TABLE {_q(tmp)} (\n  {body}\n)")
            virtual = {col.name for col in t.columns if col.virtual}
            copy_from = {k: v for k, v in copy_from.items() if k not in virtual}  # computed, not copied
            if copy_from:
                targets = ", ".join(_q(k) for k in copy_from)
                sources = ", ".join(copy_from.values())
                conn.execute(f"INSERT INTO {_q(tmp)} ({targets}) SELECT {sources} FROM {_q(source)}")
            # An identity never goes back: keep the old high-water mark (deleted ids stay used).
            mark = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (source,)).fetchone()
            conn.execute(f"DROP TABLE {_q(source)}")
            conn.execute("PRAGMA legacy_alter_table = ON")
            try:
                conn.execute(f"ALTER TABLE {_q(tmp)} RENAME TO {_q(t.name)}")
            finally:
                conn.execute("PRAGMA legacy_alter_table = OFF")
            if mark is not None:
                conn.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (mark[0], t.name))
        for ix in t.indexes:
            self._sqlite_index(conn, t.name, ix)
        for col in t.columns:
            self._rounding_triggers(conn, t.name, col)
        if old_name and old_name != t.name:
            dd.forget_table(conn, old_name)
        dd.save_table(conn, t)
        bad = conn.execute(f"PRAGMA foreign_key_check({_q(t.name)})").fetchone()
        if bad is not None:
            raise OracleError(2298, f"cannot validate ({t.name}) - parent keys not found")

    @staticmethod
    def _rounding_triggers(conn: sqlite3.Connection, table: str, col: ColumnDef) -> None:
        """NUMBER(p,s): a value with more than s decimals is rounded to s when stored, one needing
        more than p digits is ORA-01438 (SQL Language Reference, "NUMBER Data Type"). SQLite keeps
        what it is given, so triggers round after each INSERT and UPDATE that needs it."""
        ty = col.type
        if ty.name != "NUMBER" or ty.precision is None or col.virtual or col.identity:
            return
        p, s, c = ty.precision, ty.scale or 0, _q(col.name)
        for event in ("INSERT", f"UPDATE OF {c}"):
            name = _q(f"__ORA_ROUND_{event[:6]}_{table}_{col.name}")
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            conn.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {_q(table)} FOR EACH ROW"
                f" WHEN NEW.{c} IS NOT NULL AND NOT ORA_NUMBER_FITS(NEW.{c}, {p}, {s})"
                f" BEGIN UPDATE {_q(table)} SET {c} = ORA_CAST_NUMBER(NEW.{c}, {p}, {s})"
                f" WHERE rowid = NEW.rowid; END"
            )

    def _sqlite_index(self, conn: sqlite3.Connection, table: str, ix: IndexDef) -> None:
        cols = ", ".join(
            (_q(col) if dd.is_identifier(col) else f"({expression(col)})") + (" DESC" if desc else "")
            for col, desc in ix.columns
        )
        unique = "UNIQUE " if ix.unique else ""
        conn.execute(f"CREATE {unique}INDEX {_q(ix.name)} ON {_q(table)} ({cols})")

    def _rebuild(self, conn: sqlite3.Connection, t: TableDef, mapping: dict[str, str] | None = None) -> None:
        if mapping is None:
            mapping = {c.name: _q(c.name) for c in t.columns}
        self._check_names(conn, t)
        self._build(conn, t, copy_from=mapping)

    # --- ALTER TABLE -----------------------------------------------------------------------------

    def alter_table(self, conn: sqlite3.Connection, c: _Cursor) -> None:
        name = c.qualified()
        t = self._require_table(conn, name)
        mapping = {col.name: _q(col.name) for col in t.columns}
        if c.accept("ADD"):
            if c.at("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
                t.constraints.append(self._table_constraint(conn, c))
            elif c.peek() is not None and c.peek().text == "(":  # type: ignore[union-attr]
                for item in _split_commas(c.group()):
                    if item[0].is_word("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
                        t.constraints.append(self._table_constraint(conn, _Cursor(item, c.sql)))
                    else:
                        self._add_column(conn, t, _Cursor(item, c.sql), mapping)
            else:
                c.accept("COLUMN")
                self._add_column(conn, t, c, mapping)
            self._rebuild(conn, t, mapping)
        elif c.accept("MODIFY"):
            if c.accept("CONSTRAINT"):
                c.rest()  # MODIFY CONSTRAINT … ENABLE/DISABLE: not modelled
                return
            items = _split_commas(c.group()) if c.peek() is not None and c.peek().text == "(" else [c.rest()]  # type: ignore[union-attr]
            for item in items:
                ic = _Cursor(item, c.sql)
                col_name = ic.peek().value if ic.peek() else ""  # type: ignore[union-attr]
                col = t.column(col_name)
                if col is None:
                    raise OracleError(904, f'"{col_name}": invalid identifier')
                was_nullable, old_type = col.nullable, col.type
                self._column(conn, t, ic, col)
                if (old_type.name in _LOB_TYPES) != (col.type.name in _LOB_TYPES):
                    # A LOB column cannot become another type in place, nor another type a LOB
                    # (Django's schema editor then copies through a new column).
                    raise OracleError(22858, "invalid alteration of datatype")
                if was_nullable and not col.nullable:
                    nulls = conn.execute(f"SELECT 1 FROM {_q(name)} WHERE {_q(col.name)} IS NULL LIMIT 1")
                    if nulls.fetchone() is not None:
                        raise OracleError(2296, f"cannot enable ({name}.{col.name}) - null values found")
            self._rebuild(conn, t, mapping)
        elif c.accept("DROP"):
            if c.accept("CONSTRAINT"):
                cname = c.ident()
                if not any(k.name == cname for k in t.constraints):
                    raise OracleError(2443, f"Cannot drop constraint - nonexistent constraint: {cname}")
                t.constraints = [k for k in t.constraints if k.name != cname]
                self._rebuild(conn, t, mapping)
            elif c.accept("PRIMARY"):
                c.expect("KEY")
                t.constraints = [k for k in t.constraints if k.kind != "P"]
                self._rebuild(conn, t, mapping)
            elif c.accept("UNIQUE"):
                cols = _names(c.group())
                t.constraints = [k for k in t.constraints if not (k.kind == "U" and k.columns == cols)]
                self._rebuild(conn, t, mapping)
            else:
                cols = [c.ident()] if c.accept("COLUMN") else _names(c.group())
                for col_name in cols:
                    if t.column(col_name) is None:
                        raise OracleError(904, f'"{col_name}": invalid identifier')
                    t.columns = [x for x in t.columns if x.name != col_name]
                    mapping.pop(col_name, None)
                    t.constraints = [k for k in t.constraints if col_name not in k.columns]
                    t.indexes = [ix for ix in t.indexes if all(col_name != x for x, _ in ix.columns)]
                if not t.columns:
                    raise OracleError(12983, "cannot drop all columns in a table")
                self._rebuild(conn, t, mapping)
        elif c.accept("RENAME"):
            if c.accept("COLUMN"):
                old = c.ident()
                c.expect("TO")
                new = c.ident()
                col = t.column(old)
                if col is None:
                    raise OracleError(904, f'"{old}": invalid identifier')
                if t.column(new) is not None:
                    raise OracleError(957, "duplicate column name")
                col.name = new
                mapping[new] = mapping.pop(old)
                for k in t.constraints:
                    k.columns = [new if x == old else x for x in k.columns]
                    if k.kind == "R" and k.ref_table == t.name:  # a self-referencing key follows too
                        k.ref_columns = [new if x == old else x for x in k.ref_columns]
                    if k.check:
                        k.check = k.check.replace(f'"{old}"', f'"{new}"')
                for ix in t.indexes:
                    ix.columns = [(new if x == old else x, d) for x, d in ix.columns]
                self._rebuild(conn, t, mapping)
                self._rename_referenced_column(conn, name, old, new)
            elif c.accept("CONSTRAINT"):
                old = c.ident()
                c.expect("TO")
                new = c.ident()
                for k in t.constraints:
                    if k.name == old:
                        k.name = new
                self._rebuild(conn, t, mapping)
                conn.execute(
                    "UPDATE _ORA_CONSTRAINTS SET R_CONSTRAINT_NAME = ? WHERE R_CONSTRAINT_NAME = ?",
                    (new, old),
                )
            else:
                c.expect("TO")
                self.rename_table(conn, name, c.qualified())
        elif c.accept("DISABLE", "ENABLE"):
            c.rest()  # Django's flush disables FKs around TRUNCATE; DDL runs with FKs off anyway
        else:
            raise OracleError(900, f"invalid SQL statement: {_short(c.sql)}")

    def _add_column(self, conn: sqlite3.Connection, t: TableDef, c: _Cursor, mapping: dict[str, str]) -> None:
        col = self._column(conn, t, c, None)
        if not col.nullable:
            has_rows = conn.execute(f"SELECT 1 FROM {_q(t.name)} LIMIT 1").fetchone() is not None
            if has_rows:
                if col.default is None:
                    raise OracleError(1758, "table must be empty to add mandatory (NOT NULL) column")
                mapping[col.name] = f"({expression(col.default)})"
        elif col.default is not None:
            mapping[col.name] = f"({expression(col.default)})"

    def _rename_referenced_column(self, conn: sqlite3.Connection, table: str, old: str, new: str) -> None:
        """Children's FOREIGN KEY clauses name the parent column: rebuild them with the new name."""
        rows = conn.execute(
            "SELECT DISTINCT c.TABLE_NAME FROM _ORA_CONSTRAINTS c JOIN _ORA_CONSTRAINTS p "
            "ON p.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME WHERE p.TABLE_NAME = ? AND c.CONSTRAINT_TYPE = 'R'",
            (table,),
        ).fetchall()
        for (child,) in rows:
            ct = dd.load_table(conn, child)
            if ct is not None:
                self._rebuild(conn, ct)

    def rename_table(self, conn: sqlite3.Connection, old: str, new: str) -> None:
        t = self._require_table(conn, old)
        if dd.object_exists(conn, new):
            raise OracleError(955, "name is already used by an existing object")
        t.name = new
        dd.forget_table(conn, old)  # its constraints move to the new name
        self._check_names(conn, t)
        self._build(conn, t, copy_from={c.name: _q(c.name) for c in t.columns}, old_name=old)
        # Children reference the parent by name in SQLite: rebuild them against the new name.
        for (child,) in conn.execute(
            "SELECT DISTINCT c.TABLE_NAME FROM _ORA_CONSTRAINTS c JOIN _ORA_CONSTRAINTS p "
            "ON p.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME WHERE p.TABLE_NAME = ? AND c.CONSTRAINT_TYPE = 'R' "
            "AND c.TABLE_NAME <> ?",
            (new, new),
        ).fetchall():
            ct = dd.load_table(conn, child)
            if ct is not None:
                self._rebuild(conn, ct)

    def drop_table(self, conn: sqlite3.Connection, c: _Cursor) -> None:
        name = c.qualified()
        cascade = c.accept("CASCADE")
        if cascade:
            c.accept("CONSTRAINTS")
        self._require_table(conn, name)
        children = conn.execute(
            "SELECT DISTINCT c.TABLE_NAME FROM _ORA_CONSTRAINTS c JOIN _ORA_CONSTRAINTS p "
            "ON p.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME WHERE p.TABLE_NAME = ? AND c.CONSTRAINT_TYPE = 'R' "
            "AND c.TABLE_NAME <> ?",
            (name, name),
        ).fetchall()
        if children and not cascade:
            raise OracleError(2449, "unique/primary keys in table referenced by foreign keys")
        parent_keys = {
            r[0]
            for r in conn.execute(
                "SELECT CONSTRAINT_NAME FROM _ORA_CONSTRAINTS WHERE TABLE_NAME = ?", (name,)
            )
        }
        for (child,) in children:
            ct = dd.load_table(conn, child)
            if ct is not None:
                ct.constraints = [
                    k for k in ct.constraints if not (k.kind == "R" and k.ref_constraint in parent_keys)
                ]
                self._rebuild(conn, ct)
        conn.execute(f"DROP TABLE {_q(name)}")
        dd.forget_table(conn, name)

    # --- indexes, views, sequences, comments -----------------------------------------------------

    def create_index(self, conn: sqlite3.Connection, c: _Cursor, unique: bool) -> None:
        name = c.qualified()
        c.expect("ON")
        table = c.qualified()
        t = self._require_table(conn, table)
        if conn.execute(
            "SELECT 1 FROM _ORA_INDEXES WHERE INDEX_NAME = ?", (name,)
        ).fetchone() or dd.object_exists(conn, name):
            raise OracleError(955, "name is already used by an existing object")
        cols: list[tuple[str, bool]] = []
        items = _split_commas(c.group())
        if not items:
            raise OracleError(904, "invalid identifier")
        for item in items:
            desc = False
            if item[-1].is_word("DESC", "ASC"):
                desc = item[-1].is_word("DESC")
                item = item[:-1]
            if len(item) == 1 and item[0].kind in (Tok.WORD, Tok.QUOTED):
                col = item[0].value
                if t.column(col) is None:
                    raise OracleError(904, f'"{col}": invalid identifier')
                cols.append((col, desc))
            else:
                cols.append((_text(item), desc))
        ix = IndexDef(name, cols, unique)
        self._sqlite_index(conn, table, ix)
        t.indexes.append(ix)
        dd.save_table(conn, t)

    def drop_index(self, conn: sqlite3.Connection, name: str) -> None:
        row = conn.execute(
            "SELECT TABLE_NAME, CONSTRAINT_INDEX FROM _ORA_INDEXES WHERE INDEX_NAME = ?", (name,)
        ).fetchone()
        if row is None:
            raise OracleError(1418, "specified index does not exist")
        if row[1] == "YES":
            raise OracleError(2429, "cannot drop index used for enforcement of unique/primary key")
        conn.execute(f"DROP INDEX IF EXISTS {_q(name)}")
        conn.execute("DELETE FROM _ORA_IND_COLUMNS WHERE INDEX_NAME = ?", (name,))
        conn.execute("DELETE FROM _ORA_INDEXES WHERE INDEX_NAME = ?", (name,))

    def alter_index(self, conn: sqlite3.Connection, c: _Cursor) -> None:
        name = c.qualified()
        if not c.accept("RENAME"):
            c.rest()  # REBUILD, VISIBLE…: nothing to do
            return
        c.expect("TO")
        new = c.ident()
        row = conn.execute("SELECT TABLE_NAME FROM _ORA_INDEXES WHERE INDEX_NAME = ?", (name,)).fetchone()
        if row is None:
            raise OracleError(1418, "specified index does not exist")
        t = self._require_table(conn, row[0])
        for ix in t.indexes:
            if ix.name == name:
                conn.execute(f"DROP INDEX IF EXISTS {_q(name)}")
                ix.name = new
                self._sqlite_index(conn, t.name, ix)
        dd.save_table(conn, t)

    def create_view(self, conn: sqlite3.Connection, c: _Cursor, or_replace: bool) -> None:
        name = c.qualified()
        cols = ""
        if c.peek() is not None and c.peek().text == "(":  # type: ignore[union-attr]
            cols = "(" + ", ".join(_q(x) for x in _names(c.group())) + ")"
        c.expect("AS")
        body = c.rest()
        text = " ".join(t.text for t in body)
        tr = translate(text)
        if tr.bind_names:
            raise OracleError(1027, "bind variables not allowed for data definition operations")
        exists = conn.execute("SELECT KIND FROM _ORA_TABLES WHERE TABLE_NAME = ?", (name,)).fetchone()
        if exists is not None:
            if not or_replace or exists[0] != "VIEW":
                raise OracleError(955, "name is already used by an existing object")
            conn.execute(f"DROP VIEW IF EXISTS {_q(name)}")
            conn.execute("DELETE FROM _ORA_TABLES WHERE TABLE_NAME = ?", (name,))
            conn.execute("DELETE FROM _ORA_COLUMNS WHERE TABLE_NAME = ?", (name,))
        items = tr.select.expressions if isinstance(tr.select, exp.Select) else []
        if not cols and items and not any(i.find(exp.Star) for i in items):
            # The names Oracle gives the columns (unquoted aliases in upper case), not SQLite's.
            cols = "(" + ", ".join(_q(oracle_name(i)) for i in items) + ")"
        conn.execute(f"CREATE VIEW {_q(name)}{cols} AS {tr.sql}")
        conn.execute(
            "INSERT INTO _ORA_TABLES (TABLE_NAME, KIND, VIEW_TEXT) VALUES (?, 'VIEW', ?)", (name, text)
        )
        _view_columns(conn, name, tr.select)

    def create_procedure(self, conn: sqlite3.Connection, c: _Cursor, or_replace: bool) -> None:
        source = _text(c.rest()) + ";"
        proc = procedures.parse(source)
        kind = conn.execute("SELECT TYPE FROM _ORA_SOURCE WHERE NAME = ?", (proc.name,)).fetchone()
        if kind is not None and or_replace and kind[0] == "PROCEDURE":
            conn.execute("DELETE FROM _ORA_SOURCE WHERE NAME = ?", (proc.name,))
        elif dd.object_exists(conn, proc.name):
            raise OracleError(955, "name is already used by an existing object")
        conn.execute(
            "INSERT INTO _ORA_SOURCE (NAME, TYPE, TEXT) VALUES (?, 'PROCEDURE', ?)", (proc.name, source)
        )

    def create_sequence(self, conn: sqlite3.Connection, c: _Cursor) -> None:
        name = c.qualified()
        if dd.object_exists(conn, name):
            raise OracleError(955, "name is already used by an existing object")
        start, inc = 1, 1
        while not c.done():
            if c.accept("START"):
                c.expect("WITH")
                start = int(c.take().text)
            elif c.accept("INCREMENT"):
                c.expect("BY")
                inc = int(c.take().text)
            else:
                c.take()
        conn.execute(
            "INSERT INTO _ORA_SEQUENCES (SEQUENCE_NAME, INCREMENT_BY, LAST_NUMBER) VALUES (?, ?, ?)",
            (name, inc, start),
        )

    def comment(self, conn: sqlite3.Connection, c: _Cursor) -> None:
        c.expect("ON")
        if c.accept("TABLE"):
            name = c.qualified()
            self._require_table(conn, name)
            c.expect("IS")
            text = c.take().value or None
            conn.execute("UPDATE _ORA_TABLES SET COMMENTS = ? WHERE TABLE_NAME = ?", (text, name))
        elif c.accept("COLUMN"):
            table = c.ident()
            c.punct(".")
            column = c.ident()
            while c.punct("."):  # schema.table.column
                table, column = column, c.ident()
            c.expect("IS")
            text = c.take().value or None
            if (
                conn.execute(
                    "UPDATE _ORA_COLUMNS SET COMMENTS = ? WHERE TABLE_NAME = ? AND COLUMN_NAME = ?",
                    (text, table, column),
                ).rowcount
                == 0
            ):
                raise OracleError(904, f'"{column}": invalid identifier')
        else:
            raise OracleError(900, f"invalid SQL statement: {_short(c.sql)}")


def _ddl_error(e: sqlite3.Error, sql: str) -> OracleError:
    msg = str(e)
    if msg.startswith("UNIQUE constraint failed"):
        return OracleError(2299, "cannot validate - duplicate keys found")
    if msg.startswith("NOT NULL constraint failed"):
        return OracleError(2296, "cannot enable - null values found")
    if msg.startswith("CHECK constraint failed"):
        return OracleError(2293, "cannot validate - check constraint violated")
    if "already exists" in msg:
        return OracleError(955, "name is already used by an existing object")
    return from_sqlite(e, sql)


def _password(token: Token) -> str:
    """A password as typed: since 12c passwords are case-sensitive, so an unquoted one keeps its case."""
    return token.text if token.kind is Tok.WORD else token.value


_COLUMN_FIELDS = (
    "TYPE_DDL, DATA_TYPE, DATA_LENGTH, DATA_PRECISION, DATA_SCALE, CHAR_LENGTH, CHAR_USED, NULLABLE,"
    " COLLATION"
)


def _view_columns(conn: sqlite3.Connection, view: str, select: exp.Expression | None) -> None:
    """A view's columns in the catalog (``USER_TAB_COLS`` lists them, as on Oracle; Django's introspection
    reads them): a select item that is a table's column has that column's type, nullability and
    collation; an expression is not listed (a limit)."""
    names = [row[1] for row in conn.execute(f"PRAGMA table_info({_q(view)})")]
    items: list[exp.Expression] = []
    sources: dict[str, str] = {}
    first = select if isinstance(select, exp.Select) else None
    if first is not None:
        items = list(first.expressions)
        from_ = first.args.get("from_")
        for src in [from_.this] if from_ is not None else []:
            sources.update(_source_tables(src))
        for join in first.args.get("joins") or []:
            sources.update(_source_tables(join.this))
    for position, column in enumerate(names, 1):
        item = items[position - 1] if position - 1 < len(items) else None
        target = item.this if isinstance(item, exp.Alias) else item
        row = None
        if isinstance(target, exp.Column) and not isinstance(target.this, exp.Star):
            ident = target.this
            col = ident.name if ident.quoted else ident.name.upper()
            qualifier = target.args.get("table")
            tables = (
                [sources.get(qualifier.name if qualifier.quoted else qualifier.name.upper(), "")]
                if qualifier is not None
                else list(dict.fromkeys(sources.values()))
            )
            for table in tables:
                row = conn.execute(
                    f"SELECT {_COLUMN_FIELDS} FROM _ORA_COLUMNS WHERE TABLE_NAME = ? AND COLUMN_NAME = ?",
                    (table, col),
                ).fetchone()
                if row is not None:
                    break
        if row is None:
            continue  # an expression: not listed (a limit; the describe of a query reads its values)
        conn.execute(
            f"INSERT INTO _ORA_COLUMNS (TABLE_NAME, COLUMN_NAME, COLUMN_ID, {_COLUMN_FIELDS})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (view, column, position, *row),
        )


def _source_tables(src: exp.Expression) -> dict[str, str]:
    """{name or alias: table} of one FROM source that is a table."""
    if not isinstance(src, exp.Table):
        return {}
    table = src.name if src.this.quoted else src.name.upper()
    out = {table: table}
    if src.alias:
        out[src.alias if src.args["alias"].this.quoted else src.alias.upper()] = table
    return out
