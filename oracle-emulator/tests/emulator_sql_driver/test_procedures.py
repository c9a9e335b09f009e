"""CREATE PROCEDURE and ``cursor.callproc`` (Django's CursorWrapper.callproc and its test procedures)."""

from __future__ import annotations

from collections.abc import Iterator

import oracledb
import pytest


@pytest.fixture
def procs(cur: oracledb.Cursor) -> Iterator[oracledb.Cursor]:
    yield cur
    cur.execute("SELECT name FROM user_source WHERE type = 'PROCEDURE'")
    for (name,) in cur.fetchall():
        cur.execute(f'DROP PROCEDURE "{name}"')


def test_django_test_procedures_through_callproc(procs: oracledb.Cursor) -> None:
    procs.execute("CREATE TABLE calls (n NUMBER(11))")
    procs.execute(
        'CREATE PROCEDURE "TEST_PROCEDURE" (P_I INTEGER) AS\n    V_I INTEGER;\nBEGIN\n'
        "    V_I := P_I;\n    INSERT INTO calls (n) VALUES (V_I);\nEND;"
    )
    procs.callproc("test_procedure", [1])
    procs.callproc("test_procedure", [], {"P_I": 2})
    procs.execute("BEGIN test_procedure(P_I => 3); END;")
    procs.execute("SELECT n FROM calls ORDER BY n")
    assert procs.fetchall() == [(1,), (2,), (3,)]
    procs.execute("SELECT object_type, status FROM user_objects WHERE object_name = 'TEST_PROCEDURE'")
    assert procs.fetchall() == [("PROCEDURE", "VALID")]
    procs.execute('DROP PROCEDURE "TEST_PROCEDURE"')
    with pytest.raises(oracledb.DatabaseError, match="PLS-00201"):
        procs.callproc("test_procedure", [1])


def test_out_parameters_defaults_and_replace(procs: oracledb.Cursor) -> None:
    procs.execute(
        "CREATE PROCEDURE twice (p_in IN NUMBER, p_out OUT NUMBER, p_add IN NUMBER DEFAULT 0) IS "
        "BEGIN p_out := p_in * 2 + p_add; END twice;"
    )
    out = procs.var(int)
    procs.callproc("twice", [21, out])
    assert out.getvalue() == 42
    procs.callproc("twice", [1, out, 5])
    assert out.getvalue() == 7
    with pytest.raises(oracledb.DatabaseError, match="ORA-00955"):
        procs.execute("CREATE PROCEDURE twice AS BEGIN NULL; END;")
    procs.execute(
        "CREATE OR REPLACE PROCEDURE twice (p_in IN NUMBER, p_out OUT NUMBER) AS BEGIN p_out := -p_in; END;"
    )
    procs.callproc("twice", [3, out])
    assert out.getvalue() == -3
    with pytest.raises(oracledb.DatabaseError, match="PLS-00306"):
        procs.callproc("twice", [1])
    with pytest.raises(oracledb.DatabaseError, match="ORA-04043"):
        procs.execute("DROP PROCEDURE missing")
