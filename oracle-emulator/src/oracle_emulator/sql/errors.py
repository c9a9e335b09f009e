"""sqlite3 exceptions → the ORA errors Django's Oracle backend maps to its exception classes."""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

from ..results import OracleError

if TYPE_CHECKING:
    from .storage import SessionDb

_ORA = re.compile(r"ORA-(\d{5}):\s*(.*)", re.DOTALL)


def _short(sql: str) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= 300 else text[:300] + "…"


def from_sqlite(
    e: sqlite3.Error, sql: str, db: SessionDb | None = None, table: str | None = None
) -> OracleError:
    msg = str(e)
    schema = db.schema if db is not None else "UNKNOWN"
    head = sql.lstrip()[:6].upper()
    if db is not None and db.udf_error is not None:
        failure = db.udf_error
        inner = str(failure)
        db.udf_error = None
        m = _ORA.match(inner)
        if m:
            return OracleError(int(m.group(1)), m.group(2))
        return _udf_error(failure, inner, sql)
    if msg.startswith("UNIQUE constraint failed") or msg.startswith("PRIMARY KEY"):
        name = _constraint_for(db, msg)
        return OracleError(1, f"unique constraint ({schema}.{name}) violated")
    if msg.startswith("NOT NULL constraint failed"):
        target = msg.split(":", 1)[1].strip()
        tbl, _, col = target.partition(".")
        if head.startswith("UPDATE"):
            return OracleError(1407, f'cannot update ("{schema}"."{tbl}"."{col}") to NULL')
        return OracleError(1400, f'cannot insert NULL into ("{schema}"."{tbl}"."{col}")')
    if msg.startswith("FOREIGN KEY constraint failed"):
        if head.startswith("DELETE") or head.startswith("DROP"):
            name = _fk_name(db, table, children=True)
            return OracleError(2292, f"integrity constraint ({schema}.{name}) violated - child record found")
        name = _fk_name(db, table, children=False) if head != "COMMIT" else pending_fk_name(db)
        return OracleError(2291, f"integrity constraint ({schema}.{name}) violated - parent key not found")
    if msg.startswith("CHECK constraint failed") and "__ORA_NUM__" in msg:
        return OracleError(1722, "invalid number")
    if msg.startswith("CHECK constraint failed") and "__ORA_LEN__" in msg:
        column = msg.split("__ORA_LEN__", 1)[1].strip()
        return OracleError(12899, f'value too large for column "{schema}"."{table or "?"}"."{column}"')
    if msg.startswith("CHECK constraint failed"):
        name = msg.split(":", 1)[1].strip() if ":" in msg else "CHECK"
        return OracleError(2290, f"check constraint ({schema}.{name.upper()}) violated")
    if msg.startswith("cannot INSERT into generated column"):
        return OracleError(54013, "INSERT operation disallowed on virtual columns")
    if msg.startswith("cannot UPDATE generated column"):
        return OracleError(54017, "UPDATE operation disallowed on virtual columns")
    if msg.startswith("unknown database"):
        # A schema-qualified name of another schema: each session sees only its own schema.
        name = msg.split(" ", 2)[-1].strip().upper()
        return OracleError(942, f"table or view does not exist: {name}")
    if msg.startswith("no such table") or msg.startswith("no such view"):
        name = msg.split(":", 1)[1].strip().upper() if ":" in msg else ""
        return OracleError(942, f"table or view does not exist: {name}")
    if " has no column named " in msg:
        return OracleError(904, f'"{msg.rsplit(" ", 1)[-1].upper()}": invalid identifier')
    if msg.startswith("no such column") or msg.startswith("no such function"):
        name = msg.split(":", 1)[1].strip().upper() if ":" in msg else ""
        return OracleError(904, f'"{name}": invalid identifier')
    if "already exists" in msg:
        return OracleError(955, "name is already used by an existing object")
    if "locked" in msg or "busy" in msg:
        return OracleError(54, "resource busy and acquire with NOWAIT specified or timeout expired")
    if "null character" in msg or "unrecognized token" in msg:
        return OracleError(911, "invalid character")
    if "syntax error" in msg or "incomplete input" in msg:
        return OracleError(900, f"invalid SQL statement: {_short(sql)} ({msg})")
    if "ambiguous column" in msg:
        return OracleError(918, "column ambiguously defined")
    if "too many terms in compound SELECT" in msg or "SELECTs to the left and right" in msg:
        return OracleError(1789, "query block has incorrect number of result columns")
    if "integer overflow" in msg or "datatype mismatch" in msg:
        return OracleError(1722, "invalid number")
    if "misuse of aggregate" in msg or "GROUP BY" in msg:
        return OracleError(979, f"not a GROUP BY expression ({msg})")
    if "no tables specified" in msg:
        return OracleError(923, "FROM keyword not found where expected")
    if isinstance(e, sqlite3.OperationalError):
        # SQLite rejected what the translation produced: a statement we cannot run.
        return OracleError(900, f"invalid SQL statement: {_short(sql)} (sqlite: {msg})")
    return OracleError(600, f"internal error code, arguments: [sqlite: {msg}], [{_short(sql)}]")


def _udf_error(failure: BaseException, text: str, sql: str) -> OracleError:
    """A built-in function failed on its arguments: the ORA error Oracle gives for such input."""
    if isinstance(failure, TypeError):
        if "argument" in text:
            return OracleError(909, "invalid number of arguments")
        return OracleError(932, "inconsistent datatypes")
    if isinstance(failure, ZeroDivisionError):
        return OracleError(1476, "divisor is equal to zero")
    if isinstance(failure, OverflowError):
        return OracleError(1426, "numeric overflow")
    if isinstance(failure, ValueError | ArithmeticError):
        return OracleError(1722, "invalid number")
    return OracleError(600, f"internal error code, arguments: [{text}], [{_short(sql)}]")


def _constraint_for(db: SessionDb | None, msg: str) -> str:
    """Name the unique constraint SQLite reports as ``T.C1, T.C2``, from the catalog if possible."""
    cols = [c.strip() for c in msg.split(":", 1)[1].split(",")] if ":" in msg else []
    if not cols:
        return "SYS_C0000"
    table = cols[0].split(".")[0].upper()
    names = [c.split(".")[-1].upper() for c in cols]
    if db is not None:
        try:
            from .dictionary import constraint_by_columns

            found = constraint_by_columns(db.conn, table, names)
            if found:
                return found
        except sqlite3.Error:
            pass
    return f"{table}_{'_'.join(names)}_UNIQ"[:128]


def _fk_name(db: SessionDb | None, table: str | None, children: bool) -> str:
    """The foreign key a statement on ``table`` violated, when the catalog makes it unambiguous."""
    if db is None or not table:
        return "FK"
    if children:
        sql = (
            "SELECT c.CONSTRAINT_NAME FROM _ORA_CONSTRAINTS c JOIN _ORA_CONSTRAINTS p "
            "ON p.CONSTRAINT_NAME = c.R_CONSTRAINT_NAME WHERE c.CONSTRAINT_TYPE = 'R' AND p.TABLE_NAME = ?"
        )
    else:
        sql = "SELECT CONSTRAINT_NAME FROM _ORA_CONSTRAINTS WHERE CONSTRAINT_TYPE = 'R' AND TABLE_NAME = ?"
    try:
        names = [r[0] for r in db.conn.execute(sql, (table,))]
    except sqlite3.Error:
        return "FK"
    return names[0] if len(names) == 1 else "FK"


def pending_fk_name(db: SessionDb | None) -> str:
    """At a failed COMMIT (deferred keys), the transaction is still open: find the violated key."""
    if db is None:
        return "FK"
    try:
        row = db.conn.execute("PRAGMA foreign_key_check").fetchone()
        if row is None:
            return "FK"
        table, _rowid, _parent, fkid = row
        cols = [r[3] for r in db.conn.execute(f'PRAGMA foreign_key_list("{table}")') if r[0] == fkid]
        for (name,) in db.conn.execute(
            "SELECT CONSTRAINT_NAME FROM _ORA_CONSTRAINTS WHERE CONSTRAINT_TYPE = 'R' AND TABLE_NAME = ?",
            (str(table).upper(),),
        ):
            key = [
                r[0]
                for r in db.conn.execute(
                    "SELECT COLUMN_NAME FROM _ORA_CONS_COLUMNS WHERE CONSTRAINT_NAME = ? ORDER BY POSITION",
                    (name,),
                )
            ]
            if [c.upper() for c in cols] == key:
                return str(name)
    except sqlite3.Error:
        pass
    return "FK"
