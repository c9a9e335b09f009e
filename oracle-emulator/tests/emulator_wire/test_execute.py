"""Statements through the real driver: fetch paging, binds, out binds, errors, markers."""

from __future__ import annotations

import asyncio
import datetime
import decimal

import oracledb
import pytest

from oracle_emulator import EmulatorServer

from .conftest import PASSWORD, USER


@pytest.fixture
def conn(server: EmulatorServer) -> oracledb.Connection:
    connection = oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn)
    yield connection
    connection.close()


def test_fetch_larger_than_prefetch_and_arraysize(conn: oracledb.Connection, server: EmulatorServer) -> None:
    cur = conn.cursor()
    cur.arraysize = 7
    cur.execute("select n from rows250")
    assert [r[0] for r in cur.fetchall()] == list(range(1, 251))
    # prefetch 2 rows with the execute, then FETCH calls of 7 rows each
    server.reset_stats()
    cur.execute("select n from rows250")
    assert len(cur.fetchall()) == 250
    assert server.stats()["round_trips"] == 1 + -(-(250 - 2) // 7)


def test_fetch_without_prefetch(conn: oracledb.Connection) -> None:
    cur = conn.cursor()
    cur.prefetchrows = 0
    cur.arraysize = 50
    cur.execute("select n from rows120")
    assert len(cur.fetchall()) == 120
    cur.execute("select n from rows3")
    assert cur.fetchone() == (1,)
    assert cur.fetchmany(5) == [(2,), (3,)]


def test_reexecute_uses_cached_cursor(conn: oracledb.Connection, server: EmulatorServer) -> None:
    cur = conn.cursor()
    for i in range(20):
        cur.execute("select :a, :b from dual", a=i, b=f"v{i}")
        assert cur.fetchone() == (i, f"v{i}")
    assert len(server.statements()) == 20


def test_bind_types_round_trip(conn: oracledb.Connection) -> None:
    cur = conn.cursor()
    ts = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)
    cur.setinputsizes(t=oracledb.DB_TYPE_TIMESTAMP)
    cur.execute(
        "select :i, :d, :f, :s, :t, :r, :neg, :n from dual",
        i=12345678901234567890,
        d=decimal.Decimal("12.34"),
        f=2.5,
        s="héllo",
        t=ts,
        r=b"\x00\x01\xff",
        neg=-123,
        n=None,
    )
    assert cur.fetchone() == (12345678901234567890, 12.34, 2.5, "héllo", ts, b"\x00\x01\xff", -123, None)


def test_long_binds_are_reordered(conn: oracledb.Connection) -> None:
    # Strings over 1,000 bytes are written after the short binds in each row (brief §8.3).
    cur = conn.cursor()
    long_a = "a" * 1500
    long_b = "b" * 3999
    cur.execute("select :x, :la, :y, :lb from dual", x=1, la=long_a, y="short", lb=long_b)
    assert cur.fetchone() == (1, long_a, "short", long_b)


def test_clob_bind_over_4000_chars(conn: oracledb.Connection) -> None:
    # Values over 4,000 characters must be bound as CLOB (as Django does): temp LOB round trips.
    cur = conn.cursor()
    text = "x" * 50000 + "é"
    cur.setinputsizes(c=oracledb.DB_TYPE_CLOB)
    cur.execute("select :c from dual", c=text)
    assert cur.fetchone() == (text,)
    cur.setinputsizes(c=oracledb.DB_TYPE_CLOB)
    cur.execute("select :c from dual", c="second")
    assert cur.fetchone() == ("second",)


def test_returning_into(conn: oracledb.Connection) -> None:
    cur = conn.cursor()
    out = cur.var(int)
    cur.execute("insert into t values (:v) returning id into :id", v=10, id=out)
    assert out.getvalue() == [1]
    assert cur.rowcount == 1
    cur.execute("insert into t values (:v) returning id into :id", v=11, id=out)
    assert out.getvalue() == [2]


def test_executemany_returning(conn: oracledb.Connection) -> None:
    cur = conn.cursor()
    out = cur.var(int, arraysize=3)
    cur.setinputsizes(None, out)
    cur.executemany("insert into t values (:v) returning id into :id", [(1,), (2,), (3,)])
    assert cur.rowcount == 3
    assert [out.getvalue(i) for i in range(3)] == [[1], [2], [3]]


def test_plsql_out_bind(conn: oracledb.Connection) -> None:
    cur = conn.cursor()
    out = cur.var(int)
    for value in (21, 50):
        cur.execute("begin :out := :in * 2; end;", {"out": out, "in": value})
        assert out.getvalue() == value * 2


def test_integrity_error_keeps_connection(conn: oracledb.Connection) -> None:
    cur = conn.cursor()
    with pytest.raises(oracledb.IntegrityError) as info:
        cur.execute("insert dup")
    error = info.value.args[0]
    assert error.code == 1
    assert error.full_code == "ORA-00001"
    assert error.offset == 7
    assert cur.execute("select 1 from dual").fetchall() == [(1,)]


def test_unknown_sql_is_database_error(conn: oracledb.Connection) -> None:
    with pytest.raises(oracledb.DatabaseError) as info:
        conn.cursor().execute("select nothing from nowhere")
    assert info.value.args[0].code == 900
    assert conn.cursor().execute("select 1 from dual").fetchall() == [(1,)]


def test_engine_crash_becomes_ora_00600(server: EmulatorServer) -> None:
    conn = oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn)
    with pytest.raises(oracledb.DatabaseError) as info:
        conn.cursor().execute("crash")
    # The driver treats ORA-00600 as fatal for its connection; the server logs and carries on.
    assert "ORA-00600" in str(info.value)
    assert server.statements()[-1].error_code == 600
    with oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn) as other:
        assert other.cursor().execute("select 1 from dual").fetchall() == [(1,)]


def test_client_decode_error_uses_break_reset_markers(conn: oracledb.Connection) -> None:
    cur = conn.cursor()
    with pytest.raises(UnicodeDecodeError):
        cur.execute("select x from badutf8")
        cur.fetchall()
    assert cur.execute("select 1 from dual").fetchall() == [(1,)]
    assert conn.is_healthy()


def test_asyncio_markers_and_binds(server: EmulatorServer) -> None:
    async def main() -> None:
        async with oracledb.connect_async(user=USER, password=PASSWORD, dsn=server.dsn) as aconn:
            cur = aconn.cursor()
            with pytest.raises(UnicodeDecodeError):
                await cur.execute("select x from badutf8")
                await cur.fetchall()
            await cur.execute("select :a from dual", a="z" * 2000)
            assert await cur.fetchone() == ("z" * 2000,)

    asyncio.run(main())


def test_piggybacks_reach_the_session(conn: oracledb.Connection) -> None:
    conn.module = "mod"
    conn.action = "act"
    conn.client_identifier = "cid"
    cur = conn.cursor()
    assert cur.execute("select ctx from session").fetchall() == [("cid", "mod", "act")]
    conn.client_identifier = None
    assert cur.execute("select ctx from session").fetchall() == [(None, "mod", "act")]


def test_empty_string_piggybacks_clear_attributes(conn: oracledb.Connection) -> None:
    # The driver sends "" as a zero-length string after the header (None sends none): both clear.
    conn.module = "mod"
    conn.client_identifier = "cid"
    cur = conn.cursor()
    assert cur.execute("select ctx from session").fetchall() == [("cid", "mod", None)]
    conn.client_identifier = ""
    conn.module = ""
    conn.action = "act"
    assert cur.execute("select ctx from session").fetchall() == [(None, None, "act")]
    conn.action = ""
    conn.client_identifier = "again"
    assert cur.execute("select ctx from session").fetchall() == [("again", None, None)]


def test_many_cursors_are_closed_by_piggyback(conn: oracledb.Connection, server: EmulatorServer) -> None:
    conn.stmtcachesize = 2
    for i in range(400):
        cur = conn.cursor()
        cur.execute(f"select n from rows{i % 50 + 1}")
        cur.fetchall()
        cur.close()
    assert conn.cursor().execute("select 1 from dual").fetchall() == [(1,)]


def test_executemany_with_array_dml_row_counts(conn: oracledb.Connection) -> None:
    cur = conn.cursor()
    for _ in range(2):  # a full execute, then a re-execute of the cached statement
        cur.executemany(
            "insert into t values (:v) returning id into :id", [(1, None), (2, None)], arraydmlrowcounts=True
        )
        assert cur.getarraydmlrowcounts() == [1, 1]


def test_temporary_lob_operations(conn: oracledb.Connection) -> None:
    lob = conn.createlob(oracledb.DB_TYPE_CLOB, "hello wörld")
    assert (lob.size(), lob.read(), lob.read(7, 3), lob.getchunksize()) == (11, "hello wörld", "wör", 8060)
    lob.write("XY", 1)
    lob.trim(4)
    assert lob.read() == "XYll"
    assert conn.createlob(oracledb.DB_TYPE_BLOB, b"\x00\x01").read() == b"\x00\x01"
    assert conn.createlob(oracledb.DB_TYPE_NCLOB, "nç").read() == "nç"
    cur = conn.cursor()
    cur.execute("select :c from dual", c=lob)
    assert cur.fetchone() == ("XYll",)


def test_scrollable_cursor(conn: oracledb.Connection) -> None:
    if int(oracledb.__version__.split(".")[0]) < 3:
        pytest.skip("thin-mode scrollable cursors arrived in python-oracledb 3.0")
    cur = conn.cursor(scrollable=True)
    cur.arraysize = 4
    cur.execute("select n from rows25")
    assert cur.fetchone() == (1,)
    cur.scroll(10, "absolute")
    assert cur.fetchone() == (10,)
    cur.scroll(mode="last")
    assert cur.fetchone() == (25,)
    assert cur.rowcount == 25
    cur.scroll(mode="first")
    assert cur.fetchone() == (1,)
    assert [r[0] for r in cur.fetchall()] == list(range(2, 26))
    with pytest.raises(oracledb.DatabaseError):
        cur.scroll(100, "absolute")
    cur.execute("select n from rows25")  # a re-execute starts over
    assert cur.fetchmany(3) == [(1,), (2,), (3,)]
    # The driver's own scenario: differing array and fetch sizes, relative moves both ways.
    for arraysize in range(1, 6):
        cur = conn.cursor(scrollable=True)
        cur.arraysize = arraysize
        cur.execute("select n from rows30")
        for num_rows in range(1, arraysize + 1):
            cur.scroll(15, "absolute")
            rows = cur.fetchmany(num_rows)
            assert rows[0][0] == 15
            assert cur.rowcount == 15 + num_rows - 1
            cur.scroll(9)
            rows = cur.fetchmany(num_rows)
            fetched = len(rows)
            assert rows[0][0] == 15 + num_rows + 8
            assert cur.rowcount == 15 + num_rows + fetched + 7
            cur.scroll(-12)
            rows = cur.fetchmany(num_rows)
            assert rows[0][0] == 15 + num_rows + fetched - 5
