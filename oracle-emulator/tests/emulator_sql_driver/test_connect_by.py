"""Hierarchical queries: the forms Django emits (flush cascade, Reverse()) and Oracle's loop rules."""

from __future__ import annotations

import oracledb
import pytest

# Django's DatabaseOperations._foreign_key_constraints(recursive=True) (django/db/backends/oracle).
FLUSH_CASCADE = """
    SELECT user_tables.table_name, rcons.constraint_name
    FROM user_tables
    JOIN user_constraints cons
        ON (user_tables.table_name = cons.table_name AND cons.constraint_type = ANY('P', 'U'))
    LEFT JOIN user_constraints rcons
        ON (user_tables.table_name = rcons.table_name AND rcons.constraint_type = 'R')
    START WITH user_tables.table_name = UPPER(:1)
    CONNECT BY NOCYCLE PRIOR cons.constraint_name = rcons.r_constraint_name
    GROUP BY user_tables.table_name, rcons.constraint_name
    HAVING user_tables.table_name != UPPER(:2)
    ORDER BY MAX(level) DESC
"""

# django.db.models.functions.Reverse.as_oracle
REVERSE = (
    "SELECT w.id, (SELECT LISTAGG(s) WITHIN GROUP (ORDER BY n DESC) FROM "
    "(SELECT LEVEL n, SUBSTR(w.word, LEVEL, 1) s FROM DUAL CONNECT BY LEVEL <= LENGTH(w.word)) "
    "GROUP BY w.word) FROM words w ORDER BY w.id"
)


@pytest.fixture
def emp(cur: oracledb.Cursor) -> oracledb.Cursor:
    cur.execute("CREATE TABLE emp (id NUMBER(11) PRIMARY KEY, boss NUMBER(11), name VARCHAR2(20))")
    cur.executemany(
        "INSERT INTO emp VALUES (:1, :2, :3)",
        [(1, None, "king"), (2, 1, "jones"), (3, 2, "scott"), (4, 1, "blake"), (5, 3, "adams")],
    )
    return cur


def test_flush_cascade_lists_referencing_tables_deepest_first(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE parent (id NUMBER(11) PRIMARY KEY)")
    cur.execute("CREATE TABLE child (id NUMBER(11) PRIMARY KEY, p NUMBER(11) REFERENCES parent(id))")
    cur.execute("CREATE TABLE grandchild (id NUMBER(11) PRIMARY KEY, c NUMBER(11) REFERENCES child(id))")
    cur.execute("CREATE TABLE unrelated (id NUMBER(11) PRIMARY KEY)")
    cur.execute(FLUSH_CASCADE, ["parent", "parent"])
    assert [table for table, _ in cur.fetchall()] == ["GRANDCHILD", "CHILD"]
    cur.execute(FLUSH_CASCADE, ["unrelated", "unrelated"])
    assert cur.fetchall() == []


def test_reverse_row_generator(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE words (id NUMBER(11) PRIMARY KEY, word NVARCHAR2(20))")
    cur.executemany("INSERT INTO words VALUES (:1, :2)", [(1, "hello"), (2, "ñandú"), (3, None)])
    cur.execute(REVERSE)
    assert cur.fetchall() == [(1, "olleh"), (2, "údnañ"), (3, None)]
    # Reverse() of an expression (Reverse(Trim("name"))): GROUP BY an expression of the outer columns.
    cur.execute(REVERSE.replace("w.word", "TRIM(w.word)"))
    assert cur.fetchall() == [(1, "olleh"), (2, "údnañ"), (3, None)]
    reversed_word = REVERSE.removeprefix("SELECT w.id, ").removesuffix(" FROM words w ORDER BY w.id")
    cur.execute(f"SELECT w.id FROM words w WHERE LENGTH({reversed_word}) > 4 ORDER BY w.id")
    assert cur.fetchall() == [(1,), (2,)]
    cur.execute("SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 3")
    assert cur.fetchall() == [(1,), (2,), (3,)]
    cur.execute("SELECT LEVEL FROM DUAL CONNECT BY LEVEL <= 0")  # the START rows are always level 1
    assert cur.fetchall() == [(1,)]


def test_tree_walk_is_depth_first_with_levels(emp: oracledb.Cursor) -> None:
    emp.execute("SELECT name, LEVEL FROM emp START WITH boss IS NULL CONNECT BY PRIOR id = boss")
    rows = emp.fetchall()
    assert sorted(rows) == [("adams", 4), ("blake", 2), ("jones", 2), ("king", 1), ("scott", 3)]
    names = [name for name, _ in rows]
    # Depth first: each row comes after its parent, a subtree is not interleaved with a sibling's.
    assert names[0] == "king"
    assert (
        names.index("scott") == names.index("jones") + 1 and names.index("adams") == names.index("scott") + 1
    )
    emp.execute(
        "SELECT name FROM emp WHERE LEVEL = 2 START WITH id = 1 CONNECT BY PRIOR id = boss ORDER BY 1"
    )
    assert emp.fetchall() == [("blake",), ("jones",)]


def test_loop_is_ora_01436_and_nocycle_stops_it(emp: oracledb.Cursor) -> None:
    emp.execute("UPDATE emp SET boss = 5 WHERE id = 1")  # king reports to adams: a loop
    with pytest.raises(oracledb.DatabaseError, match="ORA-01436"):
        emp.execute("SELECT name FROM emp START WITH id = 1 CONNECT BY PRIOR id = boss")
    emp.execute(
        "SELECT name, LEVEL FROM emp START WITH id = 1 CONNECT BY NOCYCLE PRIOR id = boss ORDER BY 2, 1"
    )
    assert emp.fetchall() == [("king", 1), ("blake", 2), ("jones", 2), ("scott", 3), ("adams", 4)]
    emp.execute("SELECT 1 FROM DUAL")  # the session survived
    assert emp.fetchall() == [(1,)]


def test_level_without_connect_by_and_unsupported_operators(emp: oracledb.Cursor) -> None:
    with pytest.raises(oracledb.DatabaseError, match="ORA-01788"):
        emp.execute("SELECT LEVEL FROM DUAL")
    with pytest.raises(oracledb.DatabaseError, match=r"ORA-00900.*SYS_CONNECT_BY_PATH"):
        emp.execute(
            "SELECT SYS_CONNECT_BY_PATH(name, '/') FROM emp START WITH id = 1 CONNECT BY PRIOR id = boss"
        )
