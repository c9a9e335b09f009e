"""CLOB / NCLOB / BLOB query columns travel as LOB locators, as on Oracle.

python-oracledb returns ``oracledb.LOB`` objects for them (``fetch_lobs`` defaults to True) whose
``read()`` / ``size()`` are LOB_OP round trips on the locator; with ``fetch_lobs = False`` or an
output type handler asking for str / bytes, the driver defines the columns as LONG / LONG RAW and
the data comes inline.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import oracledb
import pytest

# Over 32 KB, multi-byte in UTF-8, with a supplementary character (two UCS-2 code units).
LONG_TEXT = "Grüße, 世界 € \U0001d11e " * 2500
LONG_TEXT_UCS2 = len(LONG_TEXT) + 2500


@pytest.fixture
def lobs(cur: oracledb.Cursor) -> oracledb.Cursor:
    cur.execute("CREATE TABLE lobs (id NUMBER(5), c CLOB, n NCLOB, b BLOB)")
    cur.execute("INSERT INTO lobs VALUES (1, 'short', 'ñandú', :1)", [b"\x00\x01\xff"])
    cur.setinputsizes(oracledb.DB_TYPE_CLOB, oracledb.DB_TYPE_NCLOB, oracledb.DB_TYPE_BLOB)
    cur.execute("INSERT INTO lobs VALUES (2, :1, :2, :3)", [LONG_TEXT, LONG_TEXT, bytes(range(256)) * 300])
    cur.execute("INSERT INTO lobs VALUES (3, NULL, NULL, NULL)")
    return cur


@pytest.fixture
def no_fetch_lobs() -> Iterator[None]:
    oracledb.defaults.fetch_lobs = False
    try:
        yield
    finally:
        oracledb.defaults.fetch_lobs = True


def test_lob_columns_are_described_with_their_own_types(lobs: oracledb.Cursor) -> None:
    lobs.execute("SELECT id, c, n, b FROM lobs WHERE id = 1")
    assert lobs.description[1:] == [
        ("C", oracledb.DB_TYPE_CLOB, None, None, None, None, True),
        ("N", oracledb.DB_TYPE_NCLOB, None, None, None, None, True),
        ("B", oracledb.DB_TYPE_BLOB, None, None, None, None, True),
    ]


def test_values_are_lob_objects_that_read_and_size(lobs: oracledb.Cursor) -> None:
    lobs.execute("SELECT c, n, b FROM lobs WHERE id = 1")
    c, n, b = lobs.fetchone()
    assert all(isinstance(v, oracledb.LOB) for v in (c, n, b))
    assert (c.type, n.type, b.type) == (oracledb.DB_TYPE_CLOB, oracledb.DB_TYPE_NCLOB, oracledb.DB_TYPE_BLOB)
    assert (c.read(), n.read(), b.read()) == ("short", "ñandú", b"\x00\x01\xff")
    assert (c.size(), n.size(), b.size()) == (5, 5, 3)
    assert (c.read(2, 3), n.read(4), b.read(2, 1)) == ("hor", "dú", b"\x01")
    assert c.getchunksize() > 0
    assert str(c) == "short"


def test_large_multibyte_lobs_read_whole_and_in_pieces(lobs: oracledb.Cursor) -> None:
    lobs.execute("SELECT c, n, b FROM lobs WHERE id = 2")
    c, n, b = lobs.fetchone()
    assert c.read() == LONG_TEXT
    assert n.read() == LONG_TEXT
    assert b.read() == bytes(range(256)) * 300
    # Sizes and offsets count UCS-2 code units, as Oracle's do: the supplementary character is two.
    assert (c.size(), n.size(), b.size()) == (LONG_TEXT_UCS2, LONG_TEXT_UCS2, 76800)
    assert c.read(1, 10) == LONG_TEXT[:10]
    assert n.read(8, 5) == LONG_TEXT[7:12]


def test_null_lobs_are_none(lobs: oracledb.Cursor) -> None:
    lobs.execute("SELECT c, n, b FROM lobs WHERE id = 3")
    assert lobs.fetchone() == (None, None, None)


def test_many_rows_fetch_over_several_round_trips(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE many (id NUMBER(5), n NCLOB)")
    cur.executemany("INSERT INTO many VALUES (:1, :2)", [(i, f"row {i} ü") for i in range(250)])
    cur.arraysize = 40
    cur.execute("SELECT id, n FROM many ORDER BY id")
    rows = cur.fetchall()
    assert [(i, n.read()) for i, n in rows] == [(i, f"row {i} ü") for i in range(250)]


def test_fetch_lobs_false_gives_str_and_bytes(lobs: oracledb.Cursor, no_fetch_lobs: None) -> None:
    cursor = lobs.connection.cursor()
    sql = "SELECT id, c, n, b FROM lobs ORDER BY id"
    for _ in range(2):  # a re-execute keeps the defines (the driver sends none the second time)
        cursor.execute(sql)
        assert [d[1] for d in cursor.description[1:]] == [
            oracledb.DB_TYPE_LONG,
            oracledb.DB_TYPE_LONG_NVARCHAR,
            oracledb.DB_TYPE_LONG_RAW,
        ]
        assert cursor.fetchall() == [
            (1, "short", "ñandú", b"\x00\x01\xff"),
            (2, LONG_TEXT, LONG_TEXT, bytes(range(256)) * 300),
            (3, None, None, None),
        ]


def test_an_output_type_handler_can_fetch_str_and_bytes(lobs: oracledb.Cursor) -> None:
    def handler(cursor: oracledb.Cursor, metadata: Any) -> Any:
        if metadata.type_code in (oracledb.DB_TYPE_CLOB, oracledb.DB_TYPE_NCLOB):
            return cursor.var(oracledb.DB_TYPE_LONG, arraysize=cursor.arraysize)
        if metadata.type_code is oracledb.DB_TYPE_BLOB:
            return cursor.var(oracledb.DB_TYPE_LONG_RAW, arraysize=cursor.arraysize)
        return None

    cursor = lobs.connection.cursor()
    cursor.outputtypehandler = handler
    cursor.execute("SELECT c, n, b FROM lobs WHERE id IN (1, 2) ORDER BY id")
    assert cursor.fetchall() == [
        ("short", "ñandú", b"\x00\x01\xff"),
        (LONG_TEXT, LONG_TEXT, bytes(range(256)) * 300),
    ]


def test_a_handler_returning_nclob_vars_gives_lobs_as_djangos_does(lobs: oracledb.Cursor) -> None:
    def handler(cursor: oracledb.Cursor, name: str, default_type: Any, *args: Any) -> Any:
        if default_type == oracledb.DB_TYPE_NCLOB:
            return cursor.var(oracledb.DB_TYPE_NCLOB, arraysize=cursor.arraysize)
        return None

    cursor = lobs.connection.cursor()
    cursor.outputtypehandler = handler
    cursor.execute("SELECT n FROM lobs WHERE id = 2")
    (value,) = cursor.fetchone()
    assert isinstance(value, oracledb.LOB) and value.read() == LONG_TEXT


def test_a_fetched_lob_binds_back_and_dml_is_unaffected(lobs: oracledb.Cursor) -> None:
    lobs.execute("SELECT n FROM lobs WHERE id = 2")
    (fetched,) = lobs.fetchone()
    lobs.execute(
        "CREATE TABLE copy (id NUMBER(5) GENERATED BY DEFAULT ON NULL AS IDENTITY PRIMARY KEY, n NCLOB)"
    )
    out = lobs.var(int)
    lobs.execute("INSERT INTO copy (n) VALUES (:1) RETURNING id INTO :2", [fetched, out])
    assert out.getvalue() == [1]
    lobs.executemany("INSERT INTO copy (n) VALUES (:1)", [("a",), ("b",)])
    assert lobs.rowcount == 2
    lobs.execute("SELECT n FROM copy ORDER BY id")
    assert [n.read() for (n,) in lobs] == [LONG_TEXT, "a", "b"]


def test_writing_through_a_fetched_locator_is_refused(lobs: oracledb.Cursor) -> None:
    lobs.execute("SELECT c FROM lobs WHERE id = 1")
    (c,) = lobs.fetchone()
    with pytest.raises(oracledb.DatabaseError, match="ORA-22920"):
        c.write("x")
    assert c.read() == "short"


def test_a_cache_table_round_trip_reads_the_nclob(cur: oracledb.Cursor) -> None:
    # What Django's DatabaseCache does: a long pickled value bound as NCLOB, read back with .read().
    cur.execute(
        "CREATE TABLE cache (cache_key VARCHAR2(255) PRIMARY KEY, value NCLOB NOT NULL, expires TIMESTAMP)"
    )
    value = "gASV" + "QUJD" * 5000
    cur.setinputsizes(None, oracledb.DB_TYPE_NCLOB, None)
    cur.execute(
        "INSERT INTO cache VALUES (:1, :2, TO_TIMESTAMP(:3, 'YYYY-MM-DD HH24:MI:SS'))",
        ["k1", value, "2099-01-01 00:00:00"],
    )
    cur.execute("SELECT cache_key, value, expires FROM cache WHERE cache_key IN (:1)", ["k1"])
    rows = cur.fetchall()
    assert [(key, lob.read()) for key, lob, _ in rows] == [("k1", value)]


def test_long_columns_are_described_as_long(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE longs (id NUMBER(5), l LONG)")
    cur.execute("INSERT INTO longs VALUES (1, :1)", ["x" * 5000])
    cur.execute("INSERT INTO longs VALUES (2, NULL)")
    cur.execute("SELECT l FROM longs ORDER BY id")
    assert cur.description == [("L", oracledb.DB_TYPE_LONG, None, None, None, None, True)]
    assert cur.fetchall() == [("x" * 5000,), (None,)]


def test_a_clob_out_bind_reports_its_size_in_characters(cur: oracledb.Cursor) -> None:
    var = cur.var(oracledb.DB_TYPE_CLOB)
    cur.execute("BEGIN :1 := 'ünï€'; END;", [var])
    lob = var.getvalue()
    assert (lob.size(), lob.read()) == (4, "ünï€")
