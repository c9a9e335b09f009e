"""Django's Oracle bulk insert (``SELECT … FROM DUAL UNION ALL …``) of any size."""

from __future__ import annotations

import datetime

import oracledb


def bulk_insert_sql(rows: int) -> str:
    """What django.db.backends.oracle.operations.bulk_insert_sql builds for two fields."""
    members = [f"SELECT :{2 * r + 1}, TO_DATE(:{2 * r + 2}) FROM DUAL" for r in range(rows)]
    members[0] = "SELECT :1 col_0, TO_DATE(:2) col_1 FROM DUAL"  # the first member names its columns
    return 'INSERT INTO "BULK" ("N", "D") SELECT * FROM (' + " UNION ALL ".join(members) + ")"


def test_bulk_insert_beyond_sqlite_compound_select_limit(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE bulk (n NUMBER(11), d DATE)")
    day = datetime.datetime(2024, 1, 1)
    for rows in (1, 499, 501, 5000):
        params = [v for r in range(rows) for v in (r, day + datetime.timedelta(days=r % 30))]
        cur.execute(bulk_insert_sql(rows), params)
        assert cur.rowcount == rows
    cur.execute("SELECT COUNT(*), SUM(n), MAX(d) FROM bulk")
    assert cur.fetchone() == (
        6001,
        0 + 498 * 499 // 2 + 500 * 501 // 2 + 4999 * 5000 // 2,
        datetime.datetime(2024, 1, 30),
    )


def test_union_all_insert_with_a_real_query_is_left_alone(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE src (n NUMBER(11))")
    cur.execute("CREATE TABLE dst (n NUMBER(11))")
    cur.executemany("INSERT INTO src VALUES (:1)", [(1,), (2,)])
    cur.execute(
        "INSERT INTO dst (n) SELECT * FROM (SELECT n FROM src WHERE n > 1 UNION ALL SELECT 7 FROM DUAL)"
    )
    cur.execute("SELECT n FROM dst ORDER BY n")
    assert cur.fetchall() == [(2,), (7,)]
