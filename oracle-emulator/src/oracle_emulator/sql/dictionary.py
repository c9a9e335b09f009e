"""The data dictionary: Oracle's catalog of a schema, kept in ``_ORA_*`` tables of its SQLite file.

The catalog is the source of truth for Oracle types (describe), constraints and indexes; the SQLite
tables are generated from it (:mod:`.ddl`). The ``USER_*`` views Django's introspection and schema
editor query are SQLite views over these tables, with Oracle's column names, so those queries run
through the ordinary translator. Rows are inserted in position order, which keeps LISTAGG (SQLite
GROUP_CONCAT without ORDER BY before 3.44) in column order.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from .types import OraType, parse_type

CATALOG_DDL = """
-- Makes SQLite create sqlite_sequence (identity high-water marks), which USER_SEQUENCES reads.
CREATE TABLE IF NOT EXISTS _ORA_AUTOINC (ID INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE TABLE IF NOT EXISTS _ORA_TABLES (
    TABLE_NAME TEXT PRIMARY KEY, KIND TEXT NOT NULL DEFAULT 'TABLE', COMMENTS TEXT, VIEW_TEXT TEXT);
CREATE TABLE IF NOT EXISTS _ORA_COLUMNS (
    TABLE_NAME TEXT NOT NULL, COLUMN_NAME TEXT NOT NULL, COLUMN_ID INTEGER NOT NULL,
    TYPE_DDL TEXT NOT NULL, DATA_TYPE TEXT NOT NULL, DATA_LENGTH INTEGER, DATA_PRECISION INTEGER,
    DATA_SCALE INTEGER, CHAR_LENGTH INTEGER, CHAR_USED TEXT, NULLABLE TEXT NOT NULL DEFAULT 'Y',
    DATA_DEFAULT TEXT, IDENTITY_COLUMN TEXT NOT NULL DEFAULT 'NO', COMMENTS TEXT,
    VIRTUAL_COLUMN TEXT NOT NULL DEFAULT 'NO', COLLATION TEXT,
    PRIMARY KEY (TABLE_NAME, COLUMN_NAME));
CREATE TABLE IF NOT EXISTS _ORA_CONSTRAINTS (
    CONSTRAINT_NAME TEXT PRIMARY KEY, TABLE_NAME TEXT NOT NULL, CONSTRAINT_TYPE TEXT NOT NULL,
    R_CONSTRAINT_NAME TEXT, SEARCH_CONDITION TEXT, "DEFERRABLE" TEXT DEFAULT 'NOT DEFERRABLE',
    DEFERRED TEXT DEFAULT 'IMMEDIATE', INDEX_NAME TEXT, DELETE_RULE TEXT, GENERATED TEXT DEFAULT 'USER NAME');
CREATE TABLE IF NOT EXISTS _ORA_CONS_COLUMNS (
    CONSTRAINT_NAME TEXT NOT NULL, TABLE_NAME TEXT NOT NULL, COLUMN_NAME TEXT NOT NULL, POSITION INTEGER);
CREATE TABLE IF NOT EXISTS _ORA_INDEXES (
    INDEX_NAME TEXT PRIMARY KEY, TABLE_NAME TEXT NOT NULL, UNIQUENESS TEXT NOT NULL DEFAULT 'NONUNIQUE',
    INDEX_TYPE TEXT NOT NULL DEFAULT 'NORMAL', CONSTRAINT_INDEX TEXT NOT NULL DEFAULT 'NO');
CREATE TABLE IF NOT EXISTS _ORA_IND_COLUMNS (
    INDEX_NAME TEXT NOT NULL, TABLE_NAME TEXT NOT NULL, COLUMN_NAME TEXT NOT NULL,
    COLUMN_POSITION INTEGER NOT NULL, DESCEND TEXT NOT NULL DEFAULT 'ASC');
CREATE TABLE IF NOT EXISTS _ORA_SEQUENCES (
    SEQUENCE_NAME TEXT PRIMARY KEY, MIN_VALUE INTEGER DEFAULT 1,
    MAX_VALUE INTEGER DEFAULT 9999999999999999999999999999,
    INCREMENT_BY INTEGER DEFAULT 1, LAST_NUMBER INTEGER DEFAULT 1);

CREATE VIEW IF NOT EXISTS USER_TABLES AS
    SELECT TABLE_NAME, 'USERS' AS TABLESPACE_NAME, 'USING_NLS_COMP' AS DEFAULT_COLLATION,
           'N' AS TEMPORARY, 'NO' AS DROPPED, 'VALID' AS STATUS, NULL AS NUM_ROWS
    FROM _ORA_TABLES WHERE KIND = 'TABLE';
CREATE VIEW IF NOT EXISTS USER_VIEWS AS
    SELECT TABLE_NAME AS VIEW_NAME, VIEW_TEXT AS TEXT, 'USING_NLS_COMP' AS DEFAULT_COLLATION
    FROM _ORA_TABLES WHERE KIND = 'VIEW';
CREATE VIEW IF NOT EXISTS USER_MVIEWS AS
    SELECT NULL AS MVIEW_NAME, NULL AS DEFAULT_COLLATION, NULL AS QUERY WHERE 0;
CREATE VIEW IF NOT EXISTS USER_TAB_COLS AS
    SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, DATA_LENGTH, DATA_PRECISION, DATA_SCALE, NULLABLE,
           COLUMN_ID, DATA_DEFAULT, CHAR_LENGTH, CHAR_USED,
           CASE WHEN DATA_TYPE IN ('VARCHAR2','NVARCHAR2','CHAR','NCHAR','CLOB','NCLOB')
                THEN COALESCE(COLLATION, 'USING_NLS_COMP') END AS COLLATION,
           IDENTITY_COLUMN, VIRTUAL_COLUMN, 'NO' AS HIDDEN_COLUMN, 'NO' AS DEFAULT_ON_NULL
    FROM _ORA_COLUMNS;
CREATE VIEW IF NOT EXISTS USER_TAB_COLUMNS AS SELECT * FROM USER_TAB_COLS;
CREATE VIEW IF NOT EXISTS USER_TAB_IDENTITY_COLS AS
    SELECT TABLE_NAME, COLUMN_NAME, 'BY DEFAULT' AS GENERATION_TYPE,
           'ISEQ$$_' || TABLE_NAME || '_' || COLUMN_NAME AS SEQUENCE_NAME,
           'START WITH: 1, INCREMENT BY: 1' AS IDENTITY_OPTIONS
    FROM _ORA_COLUMNS WHERE IDENTITY_COLUMN = 'YES';
CREATE VIEW IF NOT EXISTS USER_CONSTRAINTS AS
    SELECT ORA_USER() AS OWNER, CONSTRAINT_NAME, CONSTRAINT_TYPE, TABLE_NAME, R_CONSTRAINT_NAME,
           ORA_USER() AS R_OWNER, SEARCH_CONDITION, SEARCH_CONDITION AS SEARCH_CONDITION_VC,
           "DEFERRABLE", DEFERRED, INDEX_NAME, DELETE_RULE, 'ENABLED' AS STATUS, 'VALIDATED' AS VALIDATED,
           GENERATED
    FROM _ORA_CONSTRAINTS;
CREATE VIEW IF NOT EXISTS USER_CONS_COLUMNS AS
    SELECT ORA_USER() AS OWNER, CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, POSITION FROM _ORA_CONS_COLUMNS;
CREATE VIEW IF NOT EXISTS USER_INDEXES AS
    SELECT INDEX_NAME, TABLE_NAME, UNIQUENESS, INDEX_TYPE, 'USERS' AS TABLESPACE_NAME,
           'TABLE' AS TABLE_TYPE, 'VALID' AS STATUS, 'N' AS GENERATED
    FROM _ORA_INDEXES;
CREATE VIEW IF NOT EXISTS USER_IND_COLUMNS AS
    SELECT INDEX_NAME, TABLE_NAME, COLUMN_NAME, COLUMN_POSITION, DESCEND FROM _ORA_IND_COLUMNS;
CREATE VIEW IF NOT EXISTS USER_SEQUENCES AS
    SELECT SEQUENCE_NAME, MIN_VALUE, MAX_VALUE, INCREMENT_BY, 'N' AS CYCLE_FLAG, 'N' AS ORDER_FLAG,
           20 AS CACHE_SIZE, LAST_NUMBER
    FROM _ORA_SEQUENCES
    UNION ALL
    SELECT 'ISEQ$$_' || c.TABLE_NAME || '_' || c.COLUMN_NAME, 1, 9999999999999999999999999999, 1, 'N', 'N',
           20, COALESCE((SELECT s.seq FROM sqlite_sequence s WHERE s.name = c.TABLE_NAME), 0) + 21
    FROM _ORA_COLUMNS c WHERE c.IDENTITY_COLUMN = 'YES';
CREATE VIEW IF NOT EXISTS USER_TAB_COMMENTS AS
    SELECT TABLE_NAME, KIND AS TABLE_TYPE, COMMENTS FROM _ORA_TABLES;
CREATE VIEW IF NOT EXISTS USER_COL_COMMENTS AS
    SELECT TABLE_NAME, COLUMN_NAME, COMMENTS FROM _ORA_COLUMNS;
CREATE VIEW IF NOT EXISTS USER_JSON_COLUMNS AS
    SELECT NULL AS TABLE_NAME, NULL AS COLUMN_NAME, NULL AS FORMAT, NULL AS DATA_TYPE WHERE 0;
CREATE TABLE IF NOT EXISTS _ORA_SOURCE (NAME TEXT PRIMARY KEY, TYPE TEXT NOT NULL, TEXT TEXT NOT NULL);
CREATE VIEW IF NOT EXISTS USER_SOURCE AS SELECT NAME, TYPE, 1 AS LINE, TEXT FROM _ORA_SOURCE;
CREATE VIEW IF NOT EXISTS USER_PROCEDURES AS
    SELECT NAME AS OBJECT_NAME, NULL AS PROCEDURE_NAME, TYPE AS OBJECT_TYPE FROM _ORA_SOURCE;
CREATE VIEW IF NOT EXISTS USER_OBJECTS AS
    SELECT TABLE_NAME AS OBJECT_NAME, KIND AS OBJECT_TYPE, 'VALID' AS STATUS FROM _ORA_TABLES
    UNION ALL SELECT INDEX_NAME, 'INDEX', 'VALID' FROM _ORA_INDEXES
    UNION ALL SELECT SEQUENCE_NAME, 'SEQUENCE', 'VALID' FROM _ORA_SEQUENCES
    UNION ALL SELECT NAME, TYPE, 'VALID' FROM _ORA_SOURCE;
CREATE VIEW IF NOT EXISTS TABS AS SELECT * FROM USER_TABLES;
CREATE VIEW IF NOT EXISTS CAT AS
    SELECT TABLE_NAME, KIND AS TABLE_TYPE FROM _ORA_TABLES
    UNION ALL SELECT SEQUENCE_NAME, 'SEQUENCE' FROM _ORA_SEQUENCES;
"""

# Names a user may not create (they are dictionary views here).
RESERVED = {
    "USER_TABLES",
    "USER_VIEWS",
    "USER_MVIEWS",
    "USER_TAB_COLS",
    "USER_TAB_COLUMNS",
    "USER_TAB_IDENTITY_COLS",
    "USER_CONSTRAINTS",
    "USER_CONS_COLUMNS",
    "USER_INDEXES",
    "USER_IND_COLUMNS",
    "USER_SEQUENCES",
    "USER_TAB_COMMENTS",
    "USER_COL_COMMENTS",
    "USER_JSON_COLUMNS",
    "USER_OBJECTS",
    "USER_SOURCE",
    "USER_PROCEDURES",
    "TABS",
    "CAT",
    "DUAL",
}


def create_catalog(conn: sqlite3.Connection) -> None:
    conn.executescript("BEGIN;\n" + CATALOG_DDL + "\nCOMMIT;")  # one transaction: one write
    columns = {row[1] for row in conn.execute("PRAGMA table_info(_ORA_COLUMNS)")}
    if "VIRTUAL_COLUMN" not in columns:  # a schema file from before virtual columns
        conn.execute("ALTER TABLE _ORA_COLUMNS ADD COLUMN VIRTUAL_COLUMN TEXT NOT NULL DEFAULT 'NO'")
    if "COLLATION" not in columns:  # … or before collations
        conn.execute("ALTER TABLE _ORA_COLUMNS ADD COLUMN COLLATION TEXT")


def lookup(conn: sqlite3.Connection, table: str, column: str) -> tuple[OraType, bool] | None:
    if table == "DUAL":
        return (OraType("VARCHAR2", length=1), True) if column == "DUMMY" else None
    row = conn.execute(
        "SELECT TYPE_DDL, NULLABLE FROM _ORA_COLUMNS WHERE TABLE_NAME = ? AND COLUMN_NAME = ?",
        (table, column),
    ).fetchone()
    if row is None:
        return None
    return parse_type(row[0]), row[1] == "Y"


def table_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, OraType, bool]] | None:
    if table == "DUAL":
        return [("DUMMY", OraType("VARCHAR2", length=1), True)]
    rows = conn.execute(
        "SELECT COLUMN_NAME, TYPE_DDL, NULLABLE FROM _ORA_COLUMNS WHERE TABLE_NAME = ? ORDER BY COLUMN_ID",
        (table,),
    ).fetchall()
    return [(n, parse_type(t), nl == "Y") for n, t, nl in rows] or None


def constraint_by_columns(conn: sqlite3.Connection, table: str, columns: list[str]) -> str | None:
    rows = conn.execute(
        "SELECT c.CONSTRAINT_NAME, GROUP_CONCAT(cc.COLUMN_NAME, ',') FROM _ORA_CONSTRAINTS c "
        "JOIN _ORA_CONS_COLUMNS cc ON cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME "
        "WHERE c.TABLE_NAME = ? AND c.CONSTRAINT_TYPE IN ('P', 'U') GROUP BY c.CONSTRAINT_NAME",
        (table,),
    ).fetchall()
    want = sorted(columns)
    for name, cols in rows:
        if sorted(cols.split(",")) == want:
            return str(name)
    row = conn.execute(
        "SELECT i.INDEX_NAME, GROUP_CONCAT(ic.COLUMN_NAME, ',') FROM _ORA_INDEXES i "
        "JOIN _ORA_IND_COLUMNS ic ON ic.INDEX_NAME = i.INDEX_NAME "
        "WHERE i.TABLE_NAME = ? AND i.UNIQUENESS = 'UNIQUE' GROUP BY i.INDEX_NAME",
        (table,),
    ).fetchall()
    for name, cols in row:
        if sorted(cols.split(",")) == want:
            return str(name)
    return None


# --- in-memory model of one table, used by DDL to regenerate the SQLite table ----------------------


@dataclass
class ColumnDef:
    name: str
    type: OraType
    nullable: bool = True
    default: str | None = None  # Oracle default expression text
    identity: bool = False
    comment: str | None = None
    virtual: bool = False  # GENERATED ALWAYS AS (expr) VIRTUAL: ``default`` holds expr, as DATA_DEFAULT does
    collation: str | None = None  # COLLATE name (None: the default, USING_NLS_COMP)


@dataclass
class ConstraintDef:
    name: str
    kind: str  # P U R C
    columns: list[str] = field(default_factory=list)
    ref_table: str | None = None
    ref_columns: list[str] = field(default_factory=list)
    ref_constraint: str | None = None
    check: str | None = None  # Oracle text of the CHECK condition
    deferrable: bool = False
    deferred: bool = False
    on_delete: str | None = None  # CASCADE / SET NULL
    generated: bool = False


@dataclass
class IndexDef:
    name: str
    columns: list[tuple[str, bool]]  # (column or expression, descending)
    unique: bool = False


@dataclass
class TableDef:
    name: str
    columns: list[ColumnDef] = field(default_factory=list)
    constraints: list[ConstraintDef] = field(default_factory=list)
    indexes: list[IndexDef] = field(default_factory=list)
    comment: str | None = None

    def column(self, name: str) -> ColumnDef | None:
        return next((c for c in self.columns if c.name == name), None)


def load_table(conn: sqlite3.Connection, name: str) -> TableDef | None:
    row = conn.execute(
        "SELECT COMMENTS FROM _ORA_TABLES WHERE TABLE_NAME = ? AND KIND = 'TABLE'", (name,)
    ).fetchone()
    if row is None:
        return None
    t = TableDef(name, comment=row[0])
    for cname, ddl, nullable, default, identity, comment, virtual, collation in conn.execute(
        "SELECT COLUMN_NAME, TYPE_DDL, NULLABLE, DATA_DEFAULT, IDENTITY_COLUMN, COMMENTS, VIRTUAL_COLUMN, "
        "COLLATION FROM _ORA_COLUMNS WHERE TABLE_NAME = ? ORDER BY COLUMN_ID",
        (name,),
    ):
        t.columns.append(
            ColumnDef(
                cname,
                parse_type(ddl),
                nullable == "Y",
                default,
                identity == "YES",
                comment,
                virtual == "YES",
                collation,
            )
        )
    for cname, kind, rcons, cond, deferrable, deferred, rule, generated in conn.execute(
        "SELECT CONSTRAINT_NAME, CONSTRAINT_TYPE, R_CONSTRAINT_NAME, SEARCH_CONDITION, "
        '"DEFERRABLE", DEFERRED, '
        "DELETE_RULE, GENERATED FROM _ORA_CONSTRAINTS WHERE TABLE_NAME = ? ORDER BY rowid",
        (name,),
    ):
        cols = [
            r[0]
            for r in conn.execute(
                "SELECT COLUMN_NAME FROM _ORA_CONS_COLUMNS WHERE CONSTRAINT_NAME = ? ORDER BY POSITION",
                (cname,),
            )
        ]
        c = ConstraintDef(
            cname,
            kind,
            cols,
            check=cond,
            deferrable=deferrable == "DEFERRABLE",
            deferred=deferred == "DEFERRED",
            on_delete=rule if rule not in (None, "NO ACTION") else None,
            ref_constraint=rcons,
            generated=generated == "GENERATED NAME",
        )
        if kind == "R" and rcons:
            ref = conn.execute(
                "SELECT TABLE_NAME FROM _ORA_CONSTRAINTS WHERE CONSTRAINT_NAME = ?", (rcons,)
            ).fetchone()
            c.ref_table = ref[0] if ref else None
            c.ref_columns = [
                r[0]
                for r in conn.execute(
                    "SELECT COLUMN_NAME FROM _ORA_CONS_COLUMNS WHERE CONSTRAINT_NAME = ? ORDER BY POSITION",
                    (rcons,),
                )
            ]
        t.constraints.append(c)
    for iname, unique in conn.execute(
        "SELECT INDEX_NAME, UNIQUENESS FROM _ORA_INDEXES WHERE TABLE_NAME = ? AND CONSTRAINT_INDEX = 'NO' "
        "ORDER BY rowid",
        (name,),
    ).fetchall():
        cols = [
            (r[0], r[1] == "DESC")
            for r in conn.execute(
                "SELECT COLUMN_NAME, DESCEND FROM _ORA_IND_COLUMNS WHERE INDEX_NAME = ? "
                "ORDER BY COLUMN_POSITION",
                (iname,),
            )
        ]
        t.indexes.append(IndexDef(iname, cols, unique == "UNIQUE"))
    return t


def save_table(conn: sqlite3.Connection, t: TableDef) -> None:
    """Replace the catalog rows of table ``t`` (constraints' FK references are resolved here)."""
    forget_table(conn, t.name, keep_table_row=False)
    conn.execute(
        "INSERT INTO _ORA_TABLES (TABLE_NAME, KIND, COMMENTS) VALUES (?, 'TABLE', ?)", (t.name, t.comment)
    )
    for i, c in enumerate(t.columns, 1):
        ty = c.type
        char = ty.name in ("VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR")
        base = ty.name if not ty.name.startswith("TIMESTAMP") else ty.ddl
        conn.execute(
            "INSERT INTO _ORA_COLUMNS (TABLE_NAME, COLUMN_NAME, COLUMN_ID, TYPE_DDL, DATA_TYPE, DATA_LENGTH, "
            "DATA_PRECISION, DATA_SCALE, CHAR_LENGTH, CHAR_USED, NULLABLE, DATA_DEFAULT, IDENTITY_COLUMN, "
            "COMMENTS, VIRTUAL_COLUMN, COLLATION) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                t.name,
                c.name,
                i,
                ty.ddl,
                base,
                ty.data_length,
                ty.precision if ty.name in ("NUMBER", "FLOAT") else None,
                ty.scale
                if ty.name == "NUMBER" and ty.precision is not None
                else (ty.scale if ty.name.startswith("TIMESTAMP") else None),
                (ty.length or 0) if char else 0,
                "C" if char else None,
                "Y" if c.nullable else "N",
                c.default,
                "YES" if c.identity else "NO",
                c.comment,
                "YES" if c.virtual else "NO",
                c.collation,
            ),
        )
    for k in t.constraints:
        rcons = k.ref_constraint
        if k.kind == "R" and k.ref_table and not rcons:
            rcons = referenced_constraint(conn, k.ref_table, k.ref_columns)
            k.ref_constraint = rcons
        conn.execute(
            "INSERT INTO _ORA_CONSTRAINTS (CONSTRAINT_NAME, TABLE_NAME, CONSTRAINT_TYPE, R_CONSTRAINT_NAME, "
            'SEARCH_CONDITION, "DEFERRABLE", DEFERRED, INDEX_NAME, DELETE_RULE, GENERATED) '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                k.name,
                t.name,
                k.kind,
                rcons,
                k.check,
                "DEFERRABLE" if k.deferrable else "NOT DEFERRABLE",
                "DEFERRED" if k.deferred else "IMMEDIATE",
                k.name if k.kind in ("P", "U") else None,
                (k.on_delete or "NO ACTION") if k.kind == "R" else None,
                "GENERATED NAME" if k.generated else "USER NAME",
            ),
        )
        for pos, col in enumerate(k.columns, 1):
            conn.execute(
                "INSERT INTO _ORA_CONS_COLUMNS VALUES (?, ?, ?, ?)",
                (k.name, t.name, col, pos if k.kind != "C" else None),
            )
        if k.kind in ("P", "U"):
            conn.execute(
                "INSERT INTO _ORA_INDEXES VALUES (?, ?, 'UNIQUE', 'NORMAL', 'YES')", (k.name, t.name)
            )
            for pos, col in enumerate(k.columns, 1):
                conn.execute(
                    "INSERT INTO _ORA_IND_COLUMNS VALUES (?, ?, ?, ?, 'ASC')", (k.name, t.name, col, pos)
                )
    for ix in t.indexes:
        conn.execute(
            "INSERT INTO _ORA_INDEXES VALUES (?, ?, ?, ?, 'NO')",
            (
                ix.name,
                t.name,
                "UNIQUE" if ix.unique else "NONUNIQUE",
                "NORMAL" if all(is_identifier(c) for c, _ in ix.columns) else "FUNCTION-BASED NORMAL",
            ),
        )
        for pos, (col, desc) in enumerate(ix.columns, 1):
            conn.execute(
                "INSERT INTO _ORA_IND_COLUMNS VALUES (?, ?, ?, ?, ?)",
                (ix.name, t.name, col, pos, "DESC" if desc else "ASC"),
            )


def is_identifier(text: str) -> bool:
    return text.replace("_", "").replace("$", "").replace("#", "").isalnum()


def forget_table(conn: sqlite3.Connection, name: str, keep_table_row: bool = False) -> None:
    conn.execute("DELETE FROM _ORA_COLUMNS WHERE TABLE_NAME = ?", (name,))
    conn.execute("DELETE FROM _ORA_CONS_COLUMNS WHERE TABLE_NAME = ?", (name,))
    conn.execute("DELETE FROM _ORA_CONSTRAINTS WHERE TABLE_NAME = ?", (name,))
    conn.execute("DELETE FROM _ORA_IND_COLUMNS WHERE TABLE_NAME = ?", (name,))
    conn.execute("DELETE FROM _ORA_INDEXES WHERE TABLE_NAME = ?", (name,))
    if not keep_table_row:
        conn.execute("DELETE FROM _ORA_TABLES WHERE TABLE_NAME = ?", (name,))


def referenced_constraint(conn: sqlite3.Connection, table: str, columns: list[str]) -> str | None:
    """The PK/unique constraint of ``table`` over ``columns`` (for R_CONSTRAINT_NAME)."""
    rows = conn.execute(
        "SELECT c.CONSTRAINT_NAME, GROUP_CONCAT(cc.COLUMN_NAME, ',') FROM _ORA_CONSTRAINTS c "
        "JOIN _ORA_CONS_COLUMNS cc ON cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME "
        "WHERE c.TABLE_NAME = ? AND c.CONSTRAINT_TYPE IN ('P', 'U') GROUP BY c.CONSTRAINT_NAME "
        "ORDER BY c.CONSTRAINT_TYPE",
        (table,),
    ).fetchall()
    for name, cols in rows:
        if not columns or cols.split(",") == columns:
            return str(name)
    return None


def object_exists(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM _ORA_TABLES WHERE TABLE_NAME = ?", (name,)).fetchone() is not None
        or conn.execute("SELECT 1 FROM _ORA_INDEXES WHERE INDEX_NAME = ?", (name,)).fetchone() is not None
        or conn.execute("SELECT 1 FROM _ORA_SEQUENCES WHERE SEQUENCE_NAME = ?", (name,)).fetchone()
        is not None
        or conn.execute("SELECT 1 FROM _ORA_SOURCE WHERE NAME = ?", (name,)).fetchone() is not None
        or name in RESERVED
    )
