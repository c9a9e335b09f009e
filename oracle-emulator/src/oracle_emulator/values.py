"""Value conversion between engine values (``results.Value``) and TTC wire bytes.

Part of the TTC message layer: the engine never sees bytes, the transport never sees values.
"""

from __future__ import annotations

import datetime
import decimal

from . import wire
from .results import Column, ColumnType, OracleError, Value


def decode_value(ora_type: int, csfrm: int, data: bytes) -> Value:
    """Decode a bind value sent by the client."""
    if ora_type in (wire.ORA_VARCHAR, wire.ORA_CHAR, wire.ORA_LONG):
        return data.decode("utf-16-be" if csfrm == wire.CSFRM_NCHAR else "utf-8", "replace")
    if ora_type in (wire.ORA_NUMBER, wire.ORA_BINARY_INTEGER):
        return wire.decode_number(data)
    if ora_type in (wire.ORA_DATE, wire.ORA_TIMESTAMP, wire.ORA_TIMESTAMP_TZ, wire.ORA_TIMESTAMP_LTZ):
        return wire.decode_date(data)
    if ora_type == wire.ORA_BINARY_DOUBLE:
        return wire.decode_binary_double(data)
    if ora_type == wire.ORA_BINARY_FLOAT:
        return wire.decode_binary_float(data)
    if ora_type == wire.ORA_INTERVAL_DS:
        return wire.decode_interval_ds(data)  # type: ignore[return-value]
    return data  # RAW, LONG RAW, ROWID bytes and anything unknown


def encode_typed(ora_type: int, csfrm: int, value: Value) -> bytes:
    """Encode a Python value as the given Oracle wire type."""
    if ora_type in (wire.ORA_VARCHAR, wire.ORA_CHAR, wire.ORA_LONG):
        if isinstance(value, bytes):
            return value  # passed through untouched (lets tests provoke client decode errors)
        text = _to_text(value)
        return text.encode("utf-16-be" if csfrm == wire.CSFRM_NCHAR else "utf-8")
    if ora_type in (wire.ORA_NUMBER, wire.ORA_BINARY_INTEGER):
        return _number_bytes(value)
    if ora_type in (wire.ORA_DATE,):
        return wire.encode_date(_to_datetime(value))
    if ora_type in (wire.ORA_TIMESTAMP, wire.ORA_TIMESTAMP_LTZ):
        return wire.encode_date(_to_datetime(value), with_fraction=True)
    if ora_type == wire.ORA_TIMESTAMP_TZ:
        return wire.encode_timestamp_tz(_to_datetime(value))
    if ora_type == wire.ORA_BINARY_DOUBLE:
        return wire.encode_binary_double(float(value))  # type: ignore[arg-type]
    if ora_type == wire.ORA_BINARY_FLOAT:
        return wire.encode_binary_float(float(value))  # type: ignore[arg-type]
    if ora_type == wire.ORA_INTERVAL_DS and isinstance(value, datetime.timedelta):
        return wire.encode_interval_ds(value)
    if isinstance(value, bytes):
        return value
    return _to_text(value).encode("utf-8")


def _number_bytes(value: Value) -> bytes:
    if isinstance(value, bool | int | float | decimal.Decimal):
        try:
            return wire.encode_number(value)
        except wire.NumberOverflow as exc:
            raise OracleError(1426, "numeric overflow") from exc
    if isinstance(value, str):
        try:
            return wire.encode_number(decimal.Decimal(value.strip()))
        except (decimal.InvalidOperation, wire.NumberOverflow) as exc:
            raise OracleError(1722, "invalid number") from exc
    raise OracleError(932, f"inconsistent datatypes: expected NUMBER got {type(value).__name__}")


def _to_text(value: Value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bytes):
        return value.hex().upper()
    return str(value)


def _to_datetime(value: Value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError as exc:
            raise OracleError(1861, "literal does not match format string") from exc
    raise OracleError(932, f"inconsistent datatypes: expected DATE got {type(value).__name__}")


def describe_column(column: Column) -> tuple[int, int, int, int, int, int]:
    """(ora type, csfrm, precision, scale, buffer size, max size) for DESCRIBE_INFO.

    CLOB/NCLOB/BLOB are described as Oracle describes them: type 112 (csfrm 1/2) / 113, max size 0
    (python-oracledb reports no sizes for LOBs) and a non-zero buffer size (zero means "NULL by
    describe" to the client, ``_process_column_data``); their values travel as locators.
    """
    t = column.type
    national = column.national
    csfrm = 2 if national else 1
    if t == ColumnType.CLOB:
        return wire.ORA_CLOB, csfrm, 0, 0, 4000, 0
    if t == ColumnType.BLOB:
        return wire.ORA_BLOB, 0, 0, 0, 4000, 0
    if t == ColumnType.LONG:
        return wire.ORA_LONG, csfrm, 0, 0, 0, 0  # no sizes, as python-oracledb reports a LONG
    if t in (ColumnType.VARCHAR, ColumnType.CHAR):
        ora_type = wire.ORA_CHAR if t == ColumnType.CHAR else wire.ORA_VARCHAR
        size = max(column.size, 1)
        return ora_type, csfrm, 0, 0, size * (2 if national else 4), size
    if t == ColumnType.NUMBER:
        return wire.ORA_NUMBER, 0, column.precision, column.scale, 22, 22
    if t == ColumnType.BOOLEAN:
        return wire.ORA_NUMBER, 0, 1, 0, 22, 22  # pre-23ai servers have no BOOLEAN columns
    if t == ColumnType.DATE:
        return wire.ORA_DATE, 0, 0, 0, 7, 7
    if t in (ColumnType.TIMESTAMP, ColumnType.TIMESTAMP_LTZ):
        return int(t.value), 0, 0, 6, 11, 11
    if t == ColumnType.TIMESTAMP_TZ:
        return wire.ORA_TIMESTAMP_TZ, 0, 0, 6, 13, 13
    if t == ColumnType.RAW:
        size = max(column.size, 1)
        return wire.ORA_RAW, 0, 0, 0, size, size
    if t == ColumnType.BINARY_DOUBLE:
        return wire.ORA_BINARY_DOUBLE, 0, 0, 0, 8, 8
    if t == ColumnType.BINARY_FLOAT:
        return wire.ORA_BINARY_FLOAT, 0, 0, 0, 4, 4
    if t == ColumnType.INTERVAL_DS:
        return wire.ORA_INTERVAL_DS, 0, 2, 6, 11, 11
    return wire.ORA_VARCHAR, 1, 0, 0, 4000, 4000


def is_lob(column: Column) -> bool:
    return column.type in (ColumnType.CLOB, ColumnType.BLOB)


def lob_value(column: Column, value: Value) -> str | bytes | None:
    """A LOB column's value as the LOB holds it (None = NULL; Oracle has no empty CLOB strings)."""
    if value is None:
        return None
    if column.type == ColumnType.BLOB:
        return value if isinstance(value, bytes) else _to_text(value).encode("utf-8")
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else _to_text(value)
    return text or None


def encode_column_value(column: Column, value: Value) -> bytes | None:
    """Bytes of one fetched (non-LOB) column value (None = NULL)."""
    if value is None:
        return None
    if isinstance(value, str) and value == "" and column.type != ColumnType.RAW:
        return None  # Oracle has no empty strings
    ora_type, csfrm, *_ = describe_column(column)
    if column.type == ColumnType.BOOLEAN:
        return wire.encode_number(1 if value else 0)
    return encode_typed(ora_type, csfrm, value)


def encode_lob_inline(column: Column, csfrm: int, value: Value) -> bytes | None:
    """A LOB column's value for a client that defined it as LONG / LONG RAW (fetch as str/bytes),
    in the character set form of the define."""
    data = lob_value(column, value)
    if data is None or isinstance(data, bytes):
        return data
    return data.encode("utf-16-be" if csfrm == wire.CSFRM_NCHAR else "utf-8")
