"""Value codecs and the bind scanner, checked without a socket."""

from __future__ import annotations

import datetime
import decimal
import random

import pytest

from oracle_emulator import wire
from oracle_emulator.sqlscan import scan_statement


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "80"),
        (1, "C102"),
        (5, "C106"),
        (10, "C10B"),
        (100, "C202"),
        (123, "C20218"),
        (-1, "3E6466"),
        (-123, "3D644E66"),
        (decimal.Decimal("2.5"), "C10333"),
        (decimal.Decimal("12.34"), "C10D23"),
        (decimal.Decimal("0.001"), "BF0B"),
        (10**30, "D002"),
    ],
)
def test_number_known_encodings(value: int | decimal.Decimal, encoded: str) -> None:
    assert wire.encode_number(value).hex().upper() == encoded
    assert wire.decode_number(bytes.fromhex(encoded)) == value


def test_number_round_trips() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        digits = rng.randint(1, 38)
        text = str(rng.randrange(10**digits))
        scale = rng.randint(0, digits)
        sign = "-" if rng.random() < 0.5 else ""
        value = decimal.Decimal(f"{sign}{text}").scaleb(-scale)
        decoded = wire.decode_number(wire.encode_number(value))
        assert decimal.Decimal(decoded) == value


def test_number_rejects_nan() -> None:
    with pytest.raises(wire.NumberOverflow):
        wire.encode_number(float("nan"))


def test_dates_and_doubles() -> None:
    dt = datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)
    assert wire.encode_date(dt).hex().upper() == "787C0102040506"
    assert wire.decode_date(wire.encode_date(dt, with_fraction=True)) == dt
    assert wire.decode_date(wire.encode_date(datetime.date(1999, 12, 31))) == datetime.datetime(1999, 12, 31)
    aware = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=-3)))
    assert wire.decode_date(wire.encode_timestamp_tz(aware)) == aware
    for x in (0.0, 1.5, -2.25, 1e300, -1e-300):
        assert wire.decode_binary_double(wire.encode_binary_double(x)) == x
    td = datetime.timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7)
    assert wire.decode_interval_ds(wire.encode_interval_ds(td)) == td


def test_ttc_integers_and_chunked_bytes() -> None:
    w = wire.TTCWriter().ub4(0).ub4(300).sb4(-127).ub8(2**40).bytes_(b"x" * 70000).bytes_(None)
    r = wire.TTCReader(w.getvalue())
    assert (r.ub4(), r.ub4(), r.sb4(), r.ub8()) == (0, 300, -127, 2**40)
    assert r.bytes_() == b"x" * 70000
    assert r.bytes_() is None
    assert r.at_end()
    with pytest.raises(wire.ProtocolError):
        wire.TTCReader(b"\x05\x01").ub4()


def test_scanner_matches_the_client() -> None:
    s = scan_statement(
        "select :a, ':b', \"c:d\", :a, q'[:x]' -- :y\n from t where x = :\"Quoted\" /* :z */ and :1 = 1"
    )
    assert s.is_query and s.bind_names == ["A", "A", "Quoted", "1"]
    d = scan_statement('INSERT INTO "T" ("A") VALUES (:arg0) RETURNING "T"."ID" INTO :arg1')
    assert d.is_dml and d.bind_names == ["ARG0", "ARG1"] and d.return_positions == [1]
    p = scan_statement("begin :out := :in * 2; :out := :out + 1; end;")
    assert p.is_plsql and p.bind_names == ["OUT", "IN"] and p.out_hint(0) and not p.out_hint(1)
    assert scan_statement("CREATE TABLE t (x VARCHAR2(10) DEFAULT ':x')").bind_names == []
    assert scan_statement("  with q as (select 1 from dual) select * from q").is_query
