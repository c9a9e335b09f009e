"""Oracle data types: parsing DDL type text, describing columns, converting SQLite values back."""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..results import Column, ColumnType, OracleError, Value
from . import numeric


@dataclass(frozen=True)
class OraType:
    """An Oracle column type as written in DDL, e.g. NUMBER(11), NVARCHAR2(150), TIMESTAMP(6)."""

    name: str  # NUMBER, VARCHAR2, NVARCHAR2, CHAR, NCHAR, CLOB, NCLOB, BLOB, RAW, DATE, TIMESTAMP, ...
    precision: int | None = None
    scale: int | None = None
    length: int | None = None

    @property
    def ddl(self) -> str:
        if self.name in ("NUMBER", "FLOAT") and self.precision is not None:
            if self.scale:
                return f"{self.name}({self.precision},{self.scale})"
            return f"{self.name}({self.precision})"
        if self.length is not None:
            return f"{self.name}({self.length})"
        if self.name.startswith("TIMESTAMP") and self.scale is not None:
            return f"TIMESTAMP({self.scale})" + self.name[len("TIMESTAMP") :]
        return self.name

    @property
    def wide_number(self) -> bool:
        """A NUMBER that can hold values beyond a 64-bit integer or a double (see :mod:`.numeric`)."""
        if self.name != "NUMBER":
            return False
        if self.precision is None:
            return True
        if not self.scale:
            return self.precision >= 19
        return self.precision > 15

    @property
    def affinity(self) -> str:
        """The SQLite declared type, chosen for its affinity."""
        if self.wide_number:
            # TEXT affinity (the name has TEXT and no INT), compared as numbers by the collation.
            return f"NUMBER_TEXT COLLATE {numeric.COLLATION}"
        if self.name in ("NUMBER", "INTEGER", "INT", "SMALLINT"):
            if self.name != "NUMBER" or (self.precision and not self.scale):
                return "INTEGER"
            return "NUMERIC"
        if self.name in ("FLOAT", "BINARY_DOUBLE", "BINARY_FLOAT"):
            return "REAL"
        if self.name in ("BLOB", "RAW", "LONG RAW"):
            return "BLOB"
        return "TEXT"  # strings, NCLOB, DATE/TIMESTAMP (ISO text), INTERVAL (fixed-width text)

    @property
    def data_length(self) -> int:
        """DATA_LENGTH as USER_TAB_COLUMNS reports it (bytes)."""
        if self.name in ("NUMBER", "FLOAT", "INTEGER"):
            return 22
        if self.name in ("NVARCHAR2", "NCHAR"):
            return 2 * (self.length or 1)
        if self.name in ("VARCHAR2", "CHAR", "RAW"):
            return self.length or 1
        if self.name == "DATE":
            return 7
        if self.name.startswith("TIMESTAMP"):
            return 11
        if self.name in ("CLOB", "NCLOB", "BLOB"):
            return 4000
        return self.length or 22

    def column(self, name: str, nullable: bool = True) -> Column:
        n = self.name
        if n in ("NUMBER", "INTEGER", "INT", "SMALLINT"):
            if n != "NUMBER":
                return Column(name, ColumnType.NUMBER, 38, 0, 22, nullable)
            return Column(
                name,
                ColumnType.NUMBER,
                self.precision or 0,
                (self.scale or 0) if self.precision else -127,
                22,
                nullable,
            )
        if n == "FLOAT":
            return Column(name, ColumnType.NUMBER, self.precision or 126, -127, 22, nullable)
        if n in ("BINARY_DOUBLE",):
            return Column(name, ColumnType.BINARY_DOUBLE, 0, 0, 8, nullable)
        if n in ("BINARY_FLOAT",):
            return Column(name, ColumnType.BINARY_FLOAT, 0, 0, 4, nullable)
        if n in ("VARCHAR2", "VARCHAR", "NVARCHAR2"):
            return Column(name, ColumnType.VARCHAR, 0, 0, self.length or 4000, nullable, n == "NVARCHAR2")
        if n in ("CHAR", "NCHAR"):
            return Column(name, ColumnType.CHAR, 0, 0, self.length or 1, nullable, n == "NCHAR")
        if n in ("CLOB", "NCLOB"):
            return Column(name, ColumnType.CLOB, 0, 0, 4000, nullable, n == "NCLOB")
        if n == "LONG":
            return Column(name, ColumnType.LONG, 0, 0, 0, nullable)
        if n in ("BLOB",):
            return Column(name, ColumnType.BLOB, 0, 0, 4000, nullable)
        if n in ("RAW", "LONG RAW"):
            return Column(name, ColumnType.RAW, 0, 0, self.length or 2000, nullable)
        if n == "DATE":
            return Column(name, ColumnType.DATE, 0, 0, 7, nullable)
        if n.startswith("TIMESTAMP"):
            return Column(
                name, ColumnType.TIMESTAMP, 0, self.scale if self.scale is not None else 6, 11, nullable
            )
        if n.startswith("INTERVAL"):
            return Column(name, ColumnType.INTERVAL_DS, 0, 0, 11, nullable)
        return Column(name, ColumnType.VARCHAR, 0, 0, 4000, nullable)


_TYPE_RE = re.compile(
    r"^\s*(?P<name>LONG\s+RAW|DOUBLE\s+PRECISION|INTERVAL\s+DAY(?:\s*\(\s*\d+\s*\))?\s+TO\s+SECOND"
    r"|[A-Z_][A-Z0-9_]*)\s*(?:\(\s*(?P<a>\*|\d+)\s*(?:CHAR|BYTE)?\s*(?:,\s*(?P<b>-?\d+)\s*)?\))?"
    r"(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)


def parse_type(text: str) -> OraType:
    """Parse an Oracle type such as ``NUMBER(10, 2)`` or ``TIMESTAMP(6) WITH TIME ZONE``."""
    m = _TYPE_RE.match(text)
    if not m:
        return OraType(text.strip().upper() or "VARCHAR2")
    name = re.sub(r"\s+", " ", m["name"].upper())
    a = None if m["a"] in (None, "*") else int(m["a"])
    b = None if m["b"] is None else int(m["b"])
    rest = (m["rest"] or "").strip().upper()
    if name.startswith("INTERVAL"):
        return OraType("INTERVAL DAY TO SECOND", scale=a)
    if name in ("NUMBER", "DECIMAL", "NUMERIC"):
        return OraType("NUMBER", a, b if a is not None else None)
    if name in ("INTEGER", "INT", "SMALLINT"):
        return OraType("NUMBER", 38, 0)
    if name == "FLOAT":
        return OraType("FLOAT", a or 126)
    if name == "DOUBLE PRECISION":
        return OraType("FLOAT", 126)
    if name == "TIMESTAMP":
        suffix = ""
        if "LOCAL TIME ZONE" in rest:
            suffix = " WITH LOCAL TIME ZONE"
        elif "TIME ZONE" in rest:
            suffix = " WITH TIME ZONE"
        return OraType("TIMESTAMP" + suffix, scale=6 if a is None else a)
    if name in ("VARCHAR2", "VARCHAR", "NVARCHAR2", "CHAR", "NCHAR", "RAW"):
        if name in ("CHAR", "NCHAR") and a is None:
            a = 1
        return OraType("VARCHAR2" if name == "VARCHAR" else name, length=a)
    return OraType(name)


NUMBER_ANY = Column("", ColumnType.NUMBER, 0, -127, 22)


def infer_column(name: str, values: Sequence[object]) -> Column:
    """Describe a computed column from its values (no catalog information available)."""
    kind: type | None = None
    max_len = 1
    intervals = 0
    for v in values:
        if v is None:
            continue
        if isinstance(v, str) and _INTERVAL.match(v):
            intervals += 1
            continue
        if isinstance(v, bool | int | float | decimal.Decimal) or numeric.is_encoded(v):
            kind = kind or int
        elif isinstance(v, bytes):
            kind = bytes
            max_len = max(max_len, len(v))
        else:
            kind = str
            max_len = max(max_len, len(str(v)))
    if intervals and kind is None:
        return Column(name, ColumnType.INTERVAL_DS, 9, 6, 11)
    if kind is int:
        return Column(name, ColumnType.NUMBER, 0, -127, 22)
    if kind is bytes:
        return Column(name, ColumnType.RAW, 0, 0, max(max_len, 1))
    return Column(name, ColumnType.VARCHAR, 0, 0, max(max_len * 4, 4000) if max_len > 1000 else 4000)


def bind_column(value: Value) -> Column | None:
    """The type a bind value is described with when it is selected (``SELECT :x FROM DUAL``).

    The thin driver binds ``datetime`` as DATE unless it has a fraction of a second or a zone
    (``setinputsizes`` makes it TIMESTAMP), ``int`` / ``float`` / ``Decimal`` as NUMBER, ``timedelta``
    as INTERVAL DAY TO SECOND; strings and NULL are left to the fetched values.
    """
    if isinstance(value, bool | int | float | decimal.Decimal):
        return Column("", ColumnType.NUMBER, 0, -127, 22)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            return Column("", ColumnType.TIMESTAMP_TZ, 0, 6, 13)
        if value.microsecond:
            return Column("", ColumnType.TIMESTAMP, 0, 6, 11)
        return Column("", ColumnType.DATE, 0, 0, 7)
    if isinstance(value, datetime.date):
        return Column("", ColumnType.DATE, 0, 0, 7)
    if isinstance(value, datetime.timedelta):
        return Column("", ColumnType.INTERVAL_DS, 9, 6, 11)
    return None


def with_name(col: Column, name: str) -> Column:
    return Column(name, col.type, col.precision, col.scale, col.size, col.nullable, col.national)


def parse_datetime(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        return None


def from_sqlite(value: object, col: Column) -> Value:
    """Convert a SQLite value to the Python value the protocol encodes for ``col``."""
    if value is None:
        return None
    t = col.type
    if t in (ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.TIMESTAMP_TZ, ColumnType.TIMESTAMP_LTZ):
        if isinstance(value, str):
            dt = parse_datetime(value)
            if dt is None:
                return value
            if t is ColumnType.DATE:
                dt = dt.replace(microsecond=0)
            return dt
        return value  # type: ignore[return-value]
    if numeric.is_encoded(value):
        return numeric.to_python(numeric.decode(value))  # type: ignore[arg-type]
    if t is ColumnType.NUMBER:
        if isinstance(value, float) and not abs(value) < 1e126:
            raise OracleError(1426, "numeric overflow")  # beyond NUMBER's range (or inf / NaN)
        if isinstance(value, str):
            try:
                d = decimal.Decimal(value)
            except decimal.InvalidOperation:
                return value
            return int(d) if d == d.to_integral_value() and "." not in value else d
        if isinstance(value, float) and col.scale == 0 and col.precision:
            return int(decimal.Decimal(repr(value)))  # int(9.99e125) would be 9990…354…
        if isinstance(value, float) and value.is_integer() and col.scale == -127 and not col.precision:
            # Oracle NUMBER has no float/int distinction; integral values look like integers.
            return int(decimal.Decimal(repr(value)))  # int(9.99e125) would be 9990…354…
        return value  # type: ignore[return-value]
    if t in (ColumnType.BINARY_DOUBLE, ColumnType.BINARY_FLOAT):
        return float(value) if isinstance(value, int | float) else value  # type: ignore[return-value]
    if t in (ColumnType.VARCHAR, ColumnType.CHAR, ColumnType.CLOB, ColumnType.LONG):
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value if isinstance(value, str) else str(value)
    if t in (ColumnType.RAW, ColumnType.BLOB):
        if isinstance(value, str):
            try:
                return bytes.fromhex(value)
            except ValueError:
                return value.encode()
        return value  # type: ignore[return-value]
    if t is ColumnType.INTERVAL_DS:
        if isinstance(value, str):
            td = parse_interval(value)
            return td if td is not None else value  # type: ignore[return-value]
        if isinstance(value, int):
            return datetime.timedelta(microseconds=value)  # type: ignore[return-value]
    return value  # type: ignore[return-value]


_INTERVAL = re.compile(r"^([+!-])(\d+) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(~?)$")
_INTERVAL_SPAN = 10**9 * 86_400_000_000  # microseconds (binds.format_interval)


def parse_interval(text: str) -> datetime.timedelta | None:
    """'+000000002 00:00:05.000007', '!999999998 23:59:59.000000' (see binds.format_interval) → timedelta;
    the Oracle literal form '-000000001 00:00:01' is read too."""
    m = _INTERVAL.match(text)
    if m is None:
        return None
    frac = (m.group(6) or "0").ljust(6, "0")[:6]
    seconds = ((int(m.group(2)) * 24 + int(m.group(3))) * 60 + int(m.group(4))) * 60 + int(m.group(5))
    micros = seconds * 1_000_000 + int(frac)
    if m.group(1) == "!":
        micros -= _INTERVAL_SPAN
    elif m.group(1) == "-":
        micros = -micros
    return datetime.timedelta(microseconds=micros)


def interval_as_sent(text: str) -> bool:
    """A stored interval whose fields are the client's (negative days, positive rest; see
    binds.format_interval), not Oracle's own (every field with the sign)."""
    return text.endswith("~")
