"""Whatever the text, the engine answers with a result or an OracleError, never another exception."""

from __future__ import annotations

import logging
import random

from oracle_emulator.results import OracleError

from .conftest import B

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # it warns about every unparsable fragment

FRAGMENTS = [
    "SELECT",
    "FROM",
    "DUAL",
    "WHERE",
    "(",
    ")",
    ",",
    "'x'",
    "'",
    '"',
    '"T"',
    ":a",
    ":1",
    "1",
    "NULL",
    "=",
    "||",
    "+",
    "BEGIN",
    "END",
    ";",
    "DECLARE",
    "INTO",
    "RETURNING",
    "FOR UPDATE",
    "CREATE TABLE",
    "ALTER TABLE",
    "DROP",
    "INSERT INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE",
    "ORDER BY",
    "GROUP BY",
    "FETCH FIRST 1 ROWS ONLY",
    "TRANSLATE(",
    "USING NCHAR_CS",
    "SYS_CONTEXT(",
    "EXECUTE IMMEDIATE",
    "IF",
    "THEN",
    "LOOP",
    "WHILE",
    "JSON_VALUE(",
    "q'[",
    "]'",
    "/*",
    "*/",
    "--",
    "V$SESSION",
    "USER_TABLES",
    "COMMIT",
    "ROLLBACK TO",
    "SAVEPOINT",
    "CASE WHEN",
    "ELSE",
    "NUMBER(11)",
    "NVARCHAR2(10)",
    "PRIMARY KEY",
    "REFERENCES",
    "DEFERRABLE",
    "\x00",
    "é",
]

FIXED = [
    "",
    " ",
    "-- only a comment",
    "/* only */",
    "SELECT",
    "SELECT * FROM",
    "BEGIN",
    "BEGIN END;",
    "DECLARE",
    "CREATE TABLE",
    "CREATE TABLE t (",
    "ALTER TABLE",
    "ALTER SESSION SET",
    "SELECT ((1 FROM DUAL",
    "SELECT 'a FROM DUAL",
    'SELECT "a FROM DUAL',
    "INSERT INTO",
    "UPDATE t SET",
    "DELETE",
    "COMMENT ON",
    "ROLLBACK TO",
    "SAVEPOINT",
    "SELECT 1/0 FROM DUAL",
    "SELECT TO_NUMBER('x') FROM DUAL",
    "SELECT TO_DATE('not a date') FROM DUAL",
    "SELECT JSON_VALUE('{', '$.a') FROM DUAL",
    "BEGIN EXECUTE IMMEDIATE 42; END;",
    "BEGIN :x := ; END;",
    "SELECT SYS_CONTEXT() FROM DUAL",
    'CREATE TABLE "T" ("A" NUMBER(11) REFERENCES nope)',
    "DROP TABLE nope",
    "TRUNCATE TABLE nope",
    "SELECT * FROM V$NOPE",
    "SELECT FROM_TZ(SYSTIMESTAMP, 'Mars/Olympus') FROM DUAL",
]


STARTS = [
    "SELECT",
    "BEGIN",
    "INSERT INTO",
    "CREATE TABLE",
    "ALTER TABLE",
    "UPDATE",
    "DELETE",
    "SELECT * FROM T WHERE",
    "UPDATE T SET A =",
    "ALTER TABLE T",
    "CREATE INDEX I ON T (",
    "DECLARE x INT; BEGIN",
    "ROLLBACK TO",
    "ALTER SESSION SET",
]


def check(engine, ctx, sql: str, binds=()) -> None:
    """Only OracleError may escape, and never ORA-00600 (that would be an engine bug)."""
    try:
        engine.execute(ctx, sql, list(binds))
    except OracleError as e:
        assert e.code != 600, (sql, e.message)


def test_fixed_bad_statements(engine, ctx):
    for sql in FIXED:
        check(engine, ctx, sql)
        check(engine, ctx, sql, [B("v")])
    engine.commit(ctx)
    engine.rollback(ctx)


def test_random_fragments(engine, ctx):
    engine.execute(ctx, 'CREATE TABLE "T" ("A" NUMBER(11), "B" NVARCHAR2(10))', [])
    rng = random.Random(1234)
    for _ in range(1500):
        words = [rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 14))]
        if rng.random() < 0.7:
            words.insert(0, rng.choice(STARTS))
        check(engine, ctx, " ".join(words), [B(rng.choice([None, 1, "s", 2.5]))] * rng.randint(0, 2))
    # The session still works afterwards.
    engine.rollback(ctx)
    assert engine.execute(ctx, "SELECT 1 FROM DUAL", []).rows == [(1,)]
