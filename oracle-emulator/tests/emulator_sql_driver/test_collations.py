"""Collations: column ``COLLATE`` (Django's db_collation) and the ``COLLATE`` operator (Collate())."""

from __future__ import annotations

import oracledb
import pytest


@pytest.fixture
def authors(cur: oracledb.Cursor) -> oracledb.Cursor:
    cur.execute(
        'CREATE TABLE au (id NUMBER(11), alias NVARCHAR2(20) COLLATE "BINARY_CI", name NVARCHAR2(20))'
    )
    cur.executemany(
        "INSERT INTO au VALUES (:1, :2, :3)", [(1, "a", "z"), (2, "A", "ö"), (3, "ä", "å"), (4, "b", "a")]
    )
    return cur


def test_column_collation_applies_to_comparison_and_dictionary(authors: oracledb.Cursor) -> None:
    authors.execute("SELECT id FROM au WHERE alias = 'A' ORDER BY id")
    assert authors.fetchall() == [(1,), (2,)]
    authors.execute(
        "SELECT column_name, collation FROM user_tab_cols WHERE table_name = 'AU' ORDER BY column_id"
    )
    assert authors.fetchall() == [("ID", None), ("ALIAS", "BINARY_CI"), ("NAME", "USING_NLS_COMP")]


def test_collate_operator_and_linguistic_order(authors: oracledb.Cursor) -> None:
    authors.execute("SELECT id FROM au WHERE name = ('Z' COLLATE \"BINARY_CI\")")
    assert authors.fetchall() == [(1,)]
    authors.execute('SELECT name FROM au ORDER BY name COLLATE "SWEDISH_CI"')
    assert [n for (n,) in authors.fetchall()] == ["a", "z", "å", "ö"]  # Swedish: … z å ä ö
    authors.execute('SELECT alias FROM au ORDER BY alias COLLATE "BINARY_AI", id')
    assert [n for (n,) in authors.fetchall()] == ["a", "A", "ä", "b"]  # accents and case ignored


def test_unknown_collation_is_refused(cur: oracledb.Cursor) -> None:
    with pytest.raises(oracledb.DatabaseError, match=r"ORA-00900.*KLINGON_CI"):
        cur.execute('CREATE TABLE k (a NVARCHAR2(5) COLLATE "KLINGON_CI")')


def test_like_follows_the_column_collation(authors: oracledb.Cursor) -> None:
    # SQL Language Reference, "Pattern-matching Conditions": LIKE uses the collation determined for
    # the condition, so on a BINARY_CI column it ignores case; on BINARY columns it stays exact.
    authors.execute("SELECT id FROM au WHERE alias LIKE 'A' ORDER BY id")
    assert authors.fetchall() == [(1,), (2,)]
    authors.execute("SELECT id FROM au WHERE alias NOT LIKE :p ORDER BY id", ["a%"])
    assert authors.fetchall() == [(3,), (4,)]
    authors.execute("SELECT id FROM au WHERE name LIKE 'Z'")
    assert authors.fetchall() == []
    authors.execute("SELECT id FROM au WHERE (name COLLATE \"BINARY_CI\") LIKE 'Z'")
    assert authors.fetchall() == [(1,)]
    authors.execute("SELECT id FROM au WHERE (alias COLLATE \"BINARY_AI\") LIKE 'A' ORDER BY id")
    assert authors.fetchall() == [(1,), (2,), (3,)]
    authors.execute("SELECT id FROM au WHERE alias LIKE :p ESCAPE '\\'", ["\\%"])
    assert authors.fetchall() == []
    with pytest.raises(oracledb.DatabaseError, match="ORA-01424"):
        authors.execute("SELECT id FROM au WHERE alias LIKE 'a\\b' ESCAPE '\\'")


def test_collated_primary_key_column(cur: oracledb.Cursor) -> None:
    # Django's db_collation on a primary key: COLLATE before NOT NULL PRIMARY KEY.
    cur.execute('CREATE TABLE pony (id NVARCHAR2(10) COLLATE "SWEDISH_CI" NOT NULL PRIMARY KEY)')
    cur.execute("INSERT INTO pony VALUES ('a')")
    with pytest.raises(oracledb.IntegrityError, match="ORA-00001"):
        cur.execute("INSERT INTO pony VALUES ('A')")  # equal under SWEDISH_CI
    cur.execute(
        "SELECT c.column_name FROM user_constraints k JOIN user_cons_columns c"
        " ON c.constraint_name = k.constraint_name WHERE k.table_name = 'PONY' AND k.constraint_type = 'P'"
    )
    assert cur.fetchall() == [("ID",)]
