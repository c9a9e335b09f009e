"""INTERVAL DAY TO SECOND arithmetic and aggregates: what Django's DurationField sends on Oracle."""

from __future__ import annotations

import datetime

import oracledb
import pytest

# django.db.backends.oracle.functions.IntervalToSeconds / SecondsToInterval around SUM and AVG.
TO_SECONDS = (
    "EXTRACT(day from {0}) * 86400 + EXTRACT(hour from {0}) * 3600"
    " + EXTRACT(minute from {0}) * 60 + EXTRACT(second from {0})"
)


@pytest.fixture
def durations(cur: oracledb.Cursor) -> oracledb.Cursor:
    cur.execute("CREATE TABLE dur (id NUMBER(11), d INTERVAL DAY(9) TO SECOND(6))")
    cur.executemany(
        "INSERT INTO dur VALUES (:1, :2)",
        [(1, datetime.timedelta(days=1)), (2, datetime.timedelta(days=2, seconds=1.5)), (3, None)],
    )
    return cur


def test_sum_and_avg_through_seconds(durations: oracledb.Cursor) -> None:
    seconds = TO_SECONDS.format("d")
    durations.execute(
        f"SELECT NUMTODSINTERVAL(SUM({seconds}), 'SECOND'),"
        f" NUMTODSINTERVAL(AVG({seconds}), 'SECOND') FROM dur"
    )
    assert durations.fetchone() == (
        datetime.timedelta(days=3, seconds=1.5),
        datetime.timedelta(days=1, seconds=43200.75),
    )


def test_extract_fields_carry_the_sign(cur: oracledb.Cursor) -> None:
    cur.execute("CREATE TABLE neg (d INTERVAL DAY(9) TO SECOND(6), h INTERVAL DAY(9) TO SECOND(6))")
    cur.execute(
        "INSERT INTO neg VALUES (:1, :2)",
        [datetime.timedelta(days=-1, hours=-2, seconds=-0.5), datetime.timedelta(hours=-3)],
    )
    cur.execute(f"SELECT {TO_SECONDS.format('d')}, EXTRACT(HOUR FROM h) FROM neg")
    # The driver sends a timedelta's own fields (days -1, hours 21 for -3 hours) and Oracle keeps the
    # fields it is sent; an interval Oracle computes has every field with its sign.
    assert cur.fetchone() == (-(86400 + 7200 + 0.5), 21)
    cur.execute("SELECT EXTRACT(HOUR FROM (h - INTERVAL '0 00:00:00' DAY TO SECOND)) FROM neg")
    assert cur.fetchone() == (-3,)


def test_negative_intervals_order_before_positive_ones(cur: oracledb.Cursor) -> None:
    # Data Types, "INTERVAL DAY TO SECOND": intervals compare by their value, negatives included.
    cur.execute("CREATE TABLE ord (id NUMBER(11), d INTERVAL DAY(9) TO SECOND(6))")
    values = [-366.5, -1, -0.25, 0, 0.25, 1, 400]
    cur.executemany(
        "INSERT INTO ord VALUES (:1, :2)", [(i, datetime.timedelta(days=v)) for i, v in enumerate(values)]
    )
    cur.execute("SELECT id FROM ord ORDER BY d")
    assert [i for (i,) in cur.fetchall()] == list(range(len(values)))
    cur.execute("SELECT id FROM ord WHERE d > :1 ORDER BY id", [datetime.timedelta(days=-1)])
    assert [i for (i,) in cur.fetchall()] == [2, 3, 4, 5, 6]
    cur.execute("SELECT id FROM ord WHERE d < INTERVAL '-0 12:00:00' DAY TO SECOND ORDER BY id")
    assert [i for (i,) in cur.fetchall()] == [0, 1]
    cur.execute("SELECT d FROM ord WHERE id = 0")
    assert cur.fetchone() == (datetime.timedelta(days=-366.5),)
    cur.execute("SELECT MIN(d), MAX(d) FROM ord")
    assert cur.fetchone() == (datetime.timedelta(days=-366.5), datetime.timedelta(days=400))


def test_extract_second_of_a_bound_negative_interval(cur: oracledb.Cursor) -> None:
    # Django's ExtractSecond of a negative DurationField: FLOOR(EXTRACT(SECOND …)) of the fields the
    # driver sent (days -366, 00:20:00.000198) is 0.
    cur.execute("CREATE TABLE ex (d INTERVAL DAY(9) TO SECOND(6))")
    cur.execute("INSERT INTO ex VALUES (:1)", [datetime.timedelta(days=-366, seconds=1200, microseconds=198)])
    cur.execute("SELECT FLOOR(EXTRACT(SECOND FROM d)), EXTRACT(MINUTE FROM d), EXTRACT(DAY FROM d) FROM ex")
    assert cur.fetchone() == (0, 20, -366)


def test_interval_times_and_divided_by_a_number(durations: oracledb.Cursor) -> None:
    durations.execute("SELECT d * 2, 3 * d, d / 4 FROM dur WHERE id = 2")
    two_days = datetime.timedelta(days=2, seconds=1.5)
    assert durations.fetchone() == (two_days * 2, two_days * 3, two_days / 4)
    with pytest.raises(oracledb.DatabaseError, match="ORA-00932"):
        durations.execute("SELECT 4 / d FROM dur WHERE id = 2")
    with pytest.raises(oracledb.DatabaseError, match="ORA-01476"):
        durations.execute("SELECT d / 0 FROM dur WHERE id = 2")


def test_cast_to_interval_with_precisions(cur: oracledb.Cursor) -> None:
    value = datetime.timedelta(days=5, microseconds=7)
    cur.execute("SELECT CAST(:1 as INTERVAL DAY(9) TO SECOND(6)) FROM DUAL", [value])
    assert cur.fetchone() == (value,)


def test_systimestamp_is_read_once_per_statement(cur: oracledb.Cursor) -> None:
    cur.execute(
        "SELECT SYSTIMESTAMP - SYSTIMESTAMP, COUNT(DISTINCT SYSTIMESTAMP) FROM DUAL CONNECT BY LEVEL <= 50"
    )
    assert cur.fetchone() == (datetime.timedelta(0), 1)


def test_day_to_second_literals_in_queries_and_check_constraints(cur: oracledb.Cursor) -> None:
    # Django inlines a timedelta CHECK parameter as an interval literal with precisions.
    cur.execute(
        "CREATE TABLE chk (d INTERVAL DAY(9) TO SECOND(6),"
        " CONSTRAINT five_minutes CHECK (d >= INTERVAL '0 00:05:00.000000' DAY(9) TO SECOND(6)))"
    )
    cur.execute("INSERT INTO chk VALUES (:1)", [datetime.timedelta(minutes=10)])
    with pytest.raises(oracledb.IntegrityError, match="ORA-02290"):
        cur.execute("INSERT INTO chk VALUES (:1)", [datetime.timedelta(minutes=1)])
    cur.execute("SELECT INTERVAL '-1 02:03:04.5' DAY TO SECOND FROM DUAL")
    assert cur.fetchone() == (-datetime.timedelta(days=1, hours=2, minutes=3, seconds=4.5),)


def test_iso_duration_text_compared_with_an_interval(cur: oracledb.Cursor) -> None:
    # Django inlines a timedelta CHECK parameter as 'P0DT00H05M00S'; compared with an interval column it
    # is converted as TO_DSINTERVAL reads its ds_iso_format (SQL Language Reference, "Implicit Data
    # Conversion"; TO_DSINTERVAL).
    cur.execute(
        "CREATE TABLE chk_iso (d INTERVAL DAY(9) TO SECOND(6), s VARCHAR2(20),"
        " CONSTRAINT five_minutes_iso CHECK (d > 'P0DT00H05M00S'))"
    )
    cur.execute("INSERT INTO chk_iso VALUES (:1, 'P1D')", [datetime.timedelta(minutes=10)])
    with pytest.raises(oracledb.IntegrityError, match="ORA-02290"):
        cur.execute("INSERT INTO chk_iso VALUES (:1, NULL)", [datetime.timedelta(minutes=4)])
    cur.execute("SELECT COUNT(*) FROM chk_iso WHERE d < 'P0DT00H10M00.5S' AND 'PT1S' < d AND s = 'P1D'")
    assert cur.fetchone() == (1,)
