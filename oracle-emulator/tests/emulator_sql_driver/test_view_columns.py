"""A view's columns in USER_TAB_COLS (Oracle lists them; Django's get_table_description reads them)."""

from __future__ import annotations

import oracledb


def test_view_columns_of_table_columns_are_listed(cur: oracledb.Cursor) -> None:
    cur.execute(
        "CREATE TABLE person (id NUMBER(11) PRIMARY KEY,"
        ' first_name NVARCHAR2(20) COLLATE "BINARY_CI" NOT NULL, age NUMBER(5,2))'
    )
    cur.execute('CREATE VIEW pv AS SELECT "FIRST_NAME", p.age a, id + 1 AS nxt FROM person p')
    cur.execute(
        "SELECT column_name, data_type, data_precision, data_scale, nullable, collation"
        " FROM user_tab_cols WHERE table_name = 'PV' ORDER BY column_id"
    )
    assert cur.fetchall() == [
        ("FIRST_NAME", "NVARCHAR2", None, None, "N", "BINARY_CI"),
        ("A", "NUMBER", 5, 2, "Y", None),
    ]
    cur.execute("INSERT INTO person VALUES (1, 'x', 1.5)")
    cur.execute("SELECT * FROM pv")  # unquoted aliases are upper case, as Oracle names them
    assert [d[0] for d in cur.description] == ["FIRST_NAME", "A", "NXT"]
    assert cur.fetchall() == [("x", 1.5, 2)]
    cur.execute("CREATE OR REPLACE VIEW pv AS SELECT id FROM person")
    cur.execute("SELECT column_name FROM user_tab_cols WHERE table_name = 'PV'")
    assert cur.fetchall() == [("ID",)]
    cur.execute("DROP VIEW pv")
    cur.execute("SELECT COUNT(*) FROM user_tab_cols WHERE table_name = 'PV'")
    assert cur.fetchone() == (0,)
