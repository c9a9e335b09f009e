"""Answers Oracle documents, asked through the real thin driver and the wire server's SQL engine.

Each test is one semantics of the SQL Language Reference that the engine once got wrong (issue #11):
the value, the described type, or the ORA error, as the driver sees them. A wrong answer here would make
a user's own tests lie; a crash would close their session.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterator

import oracledb
import pytest

from oracle_emulator import EmulatorServer

from .conftest import PASSWORD, USER

pytest.importorskip("oracle_emulator.sql")


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(users={USER: PASSWORD}) as srv:
        yield srv


@pytest.fixture
def cur(server: EmulatorServer) -> Iterator[oracledb.Cursor]:
    conn = oracledb.connect(user=USER, password=PASSWORD, dsn=server.dsn)
    cursor = conn.cursor()
    yield cursor
    for (name,) in cursor.execute("SELECT table_name FROM user_tables").fetchall():
        cursor.execute(f'DROP TABLE "{name}" CASCADE CONSTRAINTS')
    conn.close()


def one(cur: oracledb.Cursor, sql: str, binds: list[object] | None = None) -> tuple[object, ...]:
    cur.execute(sql, binds or [])
    row = cur.fetchone()
    assert row is not None
    return tuple(row)


def test_replace_with_empty_or_omitted_replacement_removes_the_search_string(cur: oracledb.Cursor) -> None:
    assert one(
        cur, "SELECT REPLACE('abcb', 'b', ''), REPLACE('abcb', 'b'), REPLACE('abcb', 'b', NULL) FROM dual"
    ) == (
        "ac",
        "ac",
        "ac",
    )
    assert one(
        cur, "SELECT REPLACE('abcb', NULL, 'x'), REPLACE(NULL, 'b', 'x'), REPLACE('bb', 'b') FROM dual"
    ) == (
        "abcb",
        None,
        None,  # nothing left: the zero-length string is NULL
    )
    # Django's Replace() and its UUID lookups bind the pieces.
    assert one(cur, "SELECT REPLACE(:s, :x, :y) FROM dual", ["a-b-c", "-", ""]) == ("abc",)


def test_concat_and_double_pipe_treat_null_as_the_empty_string(cur: oracledb.Cursor) -> None:
    assert one(cur, "SELECT CONCAT('a', NULL), CONCAT(NULL, 'b'), 'a' || NULL, NULL || 'b' FROM dual") == (
        "a",
        "b",
        "a",
        "b",
    )
    assert one(cur, "SELECT CONCAT(NULL, NULL), NULL || NULL, CONCAT(1, 'x') FROM dual") == (None, None, "1x")


def test_lpad_and_rpad_repeat_a_multi_character_pad_from_its_start(cur: oracledb.Cursor) -> None:
    assert one(
        cur,
        "SELECT LPAD('ab', 7, 'xyz'), RPAD('ab', 7, 'xyz'), LPAD('ab', 5), RPAD('ab', 4.9, '*') FROM dual",
    ) == (
        "xyzxyab",
        "abxyzxy",
        "   ab",
        "ab**",
    )
    assert one(
        cur, "SELECT LPAD('abcdef', 3), LPAD('ab', 0), LPAD('ab', 5, NULL), RPAD(NULL, 3, 'x') FROM dual"
    ) == (
        "abc",
        None,
        None,
        None,
    )


def test_substr_of_length_zero_is_null_as_in_djangos_right(cur: oracledb.Cursor) -> None:
    # Django's Right(s, n) on Oracle is SUBSTR(s, n * -1, n): Right of 0 is NULL there.
    assert one(
        cur, "SELECT SUBSTR('abc', 0 * -1, 0), SUBSTR('abc', -2, 2), SUBSTR('abc', 0, 2) FROM dual"
    ) == (
        None,
        "bc",
        "ab",
    )
    assert one(
        cur, "SELECT SUBSTR('abc', -5), SUBSTR('abcdef', 2, -1), SUBSTR('abcdef', 2.7, 2.9) FROM dual"
    ) == (
        None,
        None,
        "bc",
    )


def test_character_compared_with_a_number_is_converted_to_a_number(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE ev (d TIMESTAMP)")
    cur.execute("INSERT INTO ev VALUES (:1)", [datetime.datetime(2024, 6, 5, 12)])  # a Wednesday
    # Django's week_day and iso_year lookups.
    assert one(cur, "SELECT COUNT(*) FROM ev WHERE TO_CHAR(d, 'D') = :1", [4]) == (1,)
    assert one(cur, "SELECT COUNT(*) FROM ev WHERE TO_CHAR(d, 'D') IN (:1, :2)", [1, 4]) == (1,)
    assert one(cur, "SELECT COUNT(*) FROM ev WHERE TO_CHAR(d, 'IYYY') >= :1", [2024]) == (1,)
    assert one(cur, "SELECT COUNT(*) FROM ev WHERE TO_CHAR(d, 'IYYY') BETWEEN :1 AND :2", [2023, 2025]) == (
        1,
    )
    assert one(cur, "SELECT COUNT(*) FROM ev WHERE 4 = TO_CHAR(d, 'D')") == (1,)
    # As text against text, no conversion; as a number, '5' < 9 (text would sort after any number).
    assert one(cur, "SELECT COUNT(*) FROM ev WHERE TO_CHAR(d, 'D') = :1", ["4"]) == (1,)
    assert one(cur, "SELECT COUNT(*) FROM dual WHERE '5' > 9") == (0,)
    with pytest.raises(oracledb.DatabaseError, match="ORA-01722"):
        cur.execute("SELECT COUNT(*) FROM ev WHERE TO_CHAR(d, 'DY') = :1", [4])


def test_datetimes_of_every_year_cross_the_wire(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE cal (d DATE, t TIMESTAMP)")
    years = (1, 99, 999, 1000, 2024, 9999)
    for y in years:
        t = datetime.datetime(y, 12, 31, 23, 59, 59, 999999)
        cur.setinputsizes(None, oracledb.DB_TYPE_TIMESTAMP)
        cur.execute("INSERT INTO cal VALUES (:1, :2)", [datetime.datetime(y, 2, 3, 4, 5, 6), t])
    cur.execute("SELECT d, t, TO_CHAR(d, 'YYYY') FROM cal ORDER BY d")
    assert cur.fetchall() == [
        (datetime.datetime(y, 2, 3, 4, 5, 6), datetime.datetime(y, 12, 31, 23, 59, 59, 999999), f"{y:04d}")
        for y in years
    ]
    assert one(cur, "SELECT DATE '0500-03-04', TIMESTAMP '0005-01-02 03:04:05' FROM dual") == (
        datetime.datetime(500, 3, 4),
        datetime.datetime(5, 1, 2, 3, 4, 5),
    )
    assert one(cur, "SELECT :1 FROM dual", [datetime.datetime(5, 1, 1)]) == (datetime.datetime(5, 1, 1),)
    assert cur.description is not None and cur.description[0][1] is oracledb.DB_TYPE_DATE


def test_datetime_expressions_are_described_as_datetimes(cur: oracledb.Cursor) -> None:
    cur.execute(
        "SELECT GREATEST(DATE '2020-01-01', DATE '2021-01-01'), LEAST(SYSTIMESTAMP, SYSTIMESTAMP),"
        " CASE WHEN 1 = 1 THEN DATE '2020-01-01' END, COALESCE(NULL, DATE '2020-01-02'),"
        " NVL(NULL, TIMESTAMP '2020-01-01 00:00:00') FROM dual"
    )
    row = cur.fetchone()
    assert cur.description is not None
    types = [d[1] for d in cur.description]
    assert types == [
        oracledb.DB_TYPE_DATE,
        oracledb.DB_TYPE_TIMESTAMP,
        oracledb.DB_TYPE_DATE,
        oracledb.DB_TYPE_DATE,
        oracledb.DB_TYPE_TIMESTAMP,
    ]
    assert row is not None and row[0] == datetime.datetime(2021, 1, 1)
    assert all(isinstance(v, datetime.datetime) for v in row)


def test_greatest_converts_to_the_first_arguments_type(cur: oracledb.Cursor) -> None:
    assert one(
        cur, "SELECT GREATEST(2, 10), GREATEST('2', '10'), GREATEST(1, '3', 2), LEAST(1, NULL) FROM dual"
    ) == (
        10,
        "2",
        3,
        None,
    )


def test_cast_honours_length_and_scale(cur: oracledb.Cursor) -> None:
    row = one(
        cur,
        "SELECT CAST('abcdef' AS VARCHAR2(3)), CAST(1.256 AS NUMBER(5,2)), CAST(-1.255 AS NUMBER(4,2)),"
        " CAST(2.5 AS INTEGER), CAST('ab' AS CHAR(4)), CAST(' 12 ' AS NUMBER) FROM dual",
    )
    assert row == ("abc", 1.26, -1.26, 3, "ab  ", 12)  # the driver fetches NUMBER(p,s) as float
    assert cur.description is not None
    assert [(d[1], d[4], d[5]) for d in cur.description[1:3]] == [
        (oracledb.DB_TYPE_NUMBER, 5, 2),
        (oracledb.DB_TYPE_NUMBER, 4, 2),
    ]
    with pytest.raises(oracledb.DatabaseError, match="ORA-01438"):
        cur.execute("SELECT CAST(1234.5 AS NUMBER(4,1)) FROM dual")
    with pytest.raises(oracledb.DatabaseError, match="ORA-01722"):
        cur.execute("SELECT CAST('x' AS NUMBER) FROM dual")


def test_null_into_a_primary_key_is_ora_01400(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE k1 (id NUMBER(11) NOT NULL PRIMARY KEY, v VARCHAR2(10))")
    for sql in ("INSERT INTO k1 (id, v) VALUES (NULL, 'a')", "INSERT INTO k1 (v) VALUES ('a')"):
        with pytest.raises(oracledb.IntegrityError, match="ORA-01400"):
            cur.execute(sql)
    cur.execute("CREATE TABLE k2 (a VARCHAR2(5), b NUMBER, CONSTRAINT k2_pk PRIMARY KEY (a, b))")
    with pytest.raises(oracledb.IntegrityError, match="ORA-01400"):
        cur.execute("INSERT INTO k2 VALUES ('x', NULL)")
    cur.execute("SELECT column_name, nullable FROM user_tab_columns WHERE table_name = 'K2' ORDER BY 1")
    assert cur.fetchall() == [("A", "N"), ("B", "N")]
    # An identity ON NULL still numbers NULLs, as Oracle does.
    cur.execute(
        "CREATE TABLE k3 (id NUMBER(19) GENERATED BY DEFAULT ON NULL AS IDENTITY PRIMARY KEY, v NUMBER)"
    )
    cur.execute("INSERT INTO k3 (id, v) VALUES (NULL, 1)")
    cur.execute("INSERT INTO k3 (v) VALUES (2)")
    assert cur.execute("SELECT id, v FROM k3 ORDER BY v").fetchall() == [(1, 1), (2, 2)]
    cur.execute("INSERT INTO k1 (id, v) VALUES (5, 'a')")
    with pytest.raises(oracledb.IntegrityError, match="ORA-00001"):
        cur.execute("INSERT INTO k1 (id, v) VALUES (5, 'b')")


def _decimals(cursor: oracledb.Cursor, metadata: oracledb.FetchInfo) -> oracledb.Var | None:
    if metadata.type_code is oracledb.DB_TYPE_NUMBER:
        return cursor.var(decimal.Decimal, arraysize=cursor.arraysize)
    return None


def test_numbers_to_38_digits_cross_the_wire_without_loss(cur: oracledb.Cursor) -> None:
    # 2**63 once crashed the session (ORA-00600, then DPY-4011).
    assert one(cur, "SELECT :1, :2, :3 FROM dual", [2**63, -(10**38 - 1), 10**37 + 1]) == (
        2**63,
        -(10**38 - 1),
        10**37 + 1,
    )
    cur.outputtypehandler = _decimals
    exact = decimal.Decimal("12345678.901234567890123456789012345678")
    assert one(cur, "SELECT :1, 9.99E125, -1E-129 FROM dual", [exact]) == (
        exact,
        decimal.Decimal("9.99E125"),
        decimal.Decimal("-1E-129"),
    )
    cur.execute("CREATE TABLE wide (n NUMBER(19), d NUMBER(38,30))")
    tiny = decimal.Decimal(".100000000000000000000000000005")  # Django's DecimalField test value
    cur.execute("INSERT INTO wide (d) VALUES (:1)", [tiny])
    double = decimal.Decimal(".20000000000000000000000000001")
    assert one(cur, "SELECT d, d * 2, d + d FROM wide WHERE d IS NOT NULL") == (tiny, double, double)
    assert one(cur, "SELECT COUNT(*) FROM wide WHERE d = :1", [tiny]) == (1,)


def test_wide_integers_compare_and_sort_as_numbers(cur: oracledb.Cursor) -> None:
    # Django's BigIntegerField is NUMBER(19): its range is +-9999999999999999999, beyond 64 bits.
    big = 9999999999999999999
    cur.execute("CREATE TABLE bigs (n NUMBER(19))")
    values = [big, -big, 2**63, 5, -5, 0]
    cur.executemany("INSERT INTO bigs VALUES (:1)", [[v] for v in values])
    assert [r[0] for r in cur.execute("SELECT n FROM bigs ORDER BY n").fetchall()] == sorted(values)
    assert one(cur, "SELECT COUNT(*) FROM bigs WHERE n > 0") == (3,)
    assert one(cur, "SELECT COUNT(*) FROM bigs WHERE n <= :1", [-big]) == (1,)
    assert one(cur, "SELECT COUNT(*) FROM bigs WHERE n >= :1", [big]) == (1,)
    assert one(cur, "SELECT COUNT(*) FROM bigs WHERE n BETWEEN :1 AND :2", [-5, 2**63]) == (4,)
    assert one(cur, "SELECT MIN(n), MAX(n), SUM(n), COUNT(DISTINCT n) FROM bigs") == (-big, big, 2**63, 6)
    assert one(cur, "SELECT n + 1, n - 1, n * 2, -n, ABS(-n), TO_CHAR(n) FROM bigs WHERE n = :1", [big]) == (
        big + 1,
        big - 1,
        2 * big,
        -big,
        big,
        str(big),
    )
    assert one(cur, "SELECT COUNT(*) FROM bigs WHERE n IN (5, -9999999999999999999)") == (2,)
    with pytest.raises(oracledb.DatabaseError, match="ORA-01722"):
        cur.execute("INSERT INTO bigs VALUES ('abc')")


def test_numbers_beyond_number_range_are_ora_01426_and_the_session_survives(cur: oracledb.Cursor) -> None:
    for sql in (
        "SELECT 1E126 FROM dual",
        "SELECT 9.99E125 * 10 FROM dual",
        "SELECT POWER(10, 200.5) FROM dual",
    ):
        with pytest.raises(oracledb.DatabaseError, match="ORA-01426"):
            cur.execute(sql)
    assert one(cur, "SELECT 1 FROM dual") == (1,)


def test_number_columns_round_to_their_scale_and_refuse_beyond_their_precision(cur: oracledb.Cursor) -> None:
    # Django's IntegerField is NUMBER(11): F("integer") / 42 stored there is rounded, not truncated.
    cur.execute("CREATE TABLE num (i NUMBER(11), b NUMBER(19), d NUMBER(5,2))")
    cur.execute("INSERT INTO num VALUES (15.7, 640 / 42, 1.005)")
    assert one(cur, "SELECT i, b, d FROM num") == (16, 15, 1.01)
    cur.execute("UPDATE num SET i = i + 0.4, d = d * 2.675")
    assert one(cur, "SELECT i, d FROM num") == (16, 2.7)
    for sql in ("INSERT INTO num (d) VALUES (1234.5)", "INSERT INTO num (i) VALUES (123456789012)"):
        with pytest.raises(oracledb.IntegrityError, match="ORA-01438"):
            cur.execute(sql)


def test_character_compared_with_a_numeric_expression_is_converted(cur: oracledb.Cursor) -> None:
    # Django's end_datetime__iso_year__gte=F("start_year"): TO_CHAR(…, 'IYYY') >= EXTRACT(YEAR …).
    cur.execute("CREATE TABLE dt (s TIMESTAMP, e TIMESTAMP)")
    cur.execute("INSERT INTO dt VALUES (TIMESTAMP '2015-06-15 14:10:00', TIMESTAMP '2016-06-15 14:10:00')")
    cur.execute("INSERT INTO dt VALUES (TIMESTAMP '2016-06-15 14:10:00', TIMESTAMP '2015-06-15 14:10:00')")
    assert one(cur, "SELECT COUNT(*) FROM dt WHERE TO_CHAR(e, 'IYYY') >= EXTRACT(YEAR FROM s)") == (1,)


def test_to_date_and_to_timestamp_read_the_format_model(cur: oracledb.Cursor) -> None:
    # Django's TextField -> DateTimeField / TimeField migration converts the text this way.
    assert one(
        cur,
        "SELECT TO_TIMESTAMP('1988-05-05 3:16:17.4567', 'YYYY-MM-DD HH24:MI:SS.FF'),"
        " TO_TIMESTAMP(CONCAT('1900-01-01 ', '3:16:17'), 'YYYY-MM-DD HH24:MI:SS.FF'),"
        " TO_DATE('05/06/2024', 'DD/MM/YYYY') FROM dual",
    ) == (
        datetime.datetime(1988, 5, 5, 3, 16, 17, 456700),
        datetime.datetime(1900, 1, 1, 3, 16, 17),
        datetime.datetime(2024, 6, 5),
    )
    # Text that fits no date is an error, never a garbled value on the wire.
    for text, code in (("garbage", "ORA-01861"), ("2024-13-01", "ORA-01843"), ("2024-02-30", "ORA-01847")):
        with pytest.raises(oracledb.DatabaseError, match=code):
            cur.execute("SELECT TO_DATE(:1, 'YYYY-MM-DD') FROM dual", [text])
    assert one(cur, "SELECT 1 FROM dual") == (1,)
