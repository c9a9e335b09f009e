"""A parenthesised query as the whole statement, as Django sends a union with an empty queryset."""

from __future__ import annotations

import oracledb


def test_parenthesised_query_as_the_statement(cur: oracledb.Cursor) -> None:
    # Django's union()/difference() with an empty queryset sends the remaining member in parentheses.
    cur.execute("CREATE TABLE num (n NUMBER(11))")
    cur.executemany("INSERT INTO num VALUES (:1)", [(2,), (1,)])
    cur.execute('(SELECT "NUM"."N" AS "COL1" FROM "NUM")')
    assert sorted(cur.fetchall()) == [(1,), (2,)]
    assert cur.description[0][0] == "COL1"
