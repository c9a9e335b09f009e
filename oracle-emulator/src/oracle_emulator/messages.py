"""Builders of the TTC response messages: end of call (ERROR), DESCRIBE_INFO, ROW_DATA, piggybacks."""

from __future__ import annotations

from . import wire
from .cursors import BindMeta, Cursor
from .lobs import CHUNK_SIZE, LobStore
from .results import Column, ColumnType, OracleError, Value
from .values import describe_column, encode_column_value, encode_lob_inline, encode_typed, is_lob, lob_value
from .wire import TTCWriter

CALL_STATUS_TXN = 0x02
SESS_RET_OPCODE = 4
# Session flag of the session-return piggyback: the pooled server's session is not the one this client
# had (python-oracledb thin: TNS_SESSGET_SESSION_CHANGED, which makes it drop its cached cursors).
SESSGET_SESSION_CHANGED = 0x4
NO_DATA_FOUND = 1403


def end_of_call(exc: OracleError | None, cursor_id: int, call_status: int, rowcount: int = 0) -> TTCWriter:
    """The end-of-call ERROR message (type 4); number 0 means success."""
    code = exc.code if exc else 0
    w = TTCWriter().u8(wire.MSG_ERROR)
    w.ub4(call_status).ub2(0).ub4(0).ub2(code & 0xFFFF).ub2(0).ub2(0)
    w.ub2(cursor_id).sb2(max(min(exc.offset if exc else 0, 32767), -32768))
    w.u8(0).u8(0).u8(0).u8(0).u8(0).u8(0)
    w.ub4(0).ub2(0).u8(0).ub4(0).ub2(0)  # rowid
    w.ub4(0).u8(0).u8(0).ub2(0).ub4(0)
    w.ub4(0)  # oerrdd
    w.ub2(0).ub4(0).ub2(0)  # batch errors
    w.ub4(code).ub8(rowcount)
    if exc is not None:
        w.bytes_(exc.full_message.encode("utf-8"))
    return w


def write_end_of_fetch(w: TTCWriter, cursor: Cursor, call_status: int) -> None:
    if cursor.pos >= len(cursor.rows):
        exc = OracleError(NO_DATA_FOUND, "no data found")
        w.raw(end_of_call(exc, cursor.cursor_id, call_status, cursor.pos).getvalue())
        if not cursor.scrollable:
            cursor.rows = []  # exhausted: free the rows now (the cursor lives until closed)
    else:
        w.raw(end_of_call(None, cursor.cursor_id, call_status, cursor.pos).getvalue())


# Define types in which a LOB column's data travels inline (the client fetches str / bytes; the
# driver defines CLOB as LONG and BLOB as LONG RAW: base/var.pyx ``_check_fetch_conversion``).
_INLINE_DEFINES = (wire.ORA_LONG, wire.ORA_LONG_RAW, wire.ORA_VARCHAR, wire.ORA_CHAR, wire.ORA_RAW)


def write_rows(w: TTCWriter, cursor: Cursor, rows_wanted: int, lobs: LobStore) -> None:
    columns = cursor.columns or []
    defines = cursor.defines or []
    end = min(len(cursor.rows), cursor.pos + max(rows_wanted, 0))
    for row in cursor.rows[cursor.pos : end]:
        w.u8(wire.MSG_ROW_DATA)
        for i, column in enumerate(columns):
            value = row[i] if i < len(row) else None
            if column.type == ColumnType.LONG:
                _write_long(w, encode_column_value(column, value))
                continue
            if not is_lob(column):
                w.bytes_(encode_column_value(column, value))
                continue
            define = defines[i] if i < len(defines) else None
            if define is not None and define.ora_type in _INLINE_DEFINES:
                _write_long(w, encode_lob_inline(column, define.csfrm, value))
                continue
            write_lob_locator(w, lobs, column, value)
    cursor.pos = end


def _write_long(w: TTCWriter, data: bytes | None) -> None:
    """LONG / LONG RAW data, then the null indicator and return code the client skips."""
    w.bytes_(data).sb4(0 if data else -1).ub4(0)


def write_lob_locator(w: TTCWriter, lobs: LobStore, column: Column, value: Value) -> None:
    """A LOB column value as python-oracledb's ``read_lob_with_length`` reads it: ub4 locator
    length (0 = NULL), ub8 size, ub4 chunk size, then the locator."""
    data = lob_value(column, value)
    if data is None:
        w.ub4(0)
        return
    ora_type = wire.ORA_BLOB if isinstance(data, bytes) else wire.ORA_CLOB
    locator, size = lobs.persistent(data, ora_type)
    w.ub4(len(locator)).ub8(size).ub4(CHUNK_SIZE).bytes_(locator)


def write_describe(w: TTCWriter, columns: list[Column]) -> None:
    w.u8(wire.MSG_DESCRIBE_INFO).bytes_(None).ub4(0).ub4(len(columns))
    if columns:
        w.u8(0)
    for position, column in enumerate(columns, 1):
        ora_type, csfrm, precision, scale, buffer_size, max_size = describe_column(column)
        w.u8(ora_type).u8(0).sb1(precision).sb1(scale).ub4(buffer_size).ub4(0).ub8(0)
        w.ub4(0).ub2(0)  # OID, version
        w.ub2(wire.CHARSET_UTF16 if csfrm == 2 else wire.CHARSET_UTF8 if csfrm == 1 else 0)
        w.u8(csfrm).ub4(max_size)
        w.u8(1 if column.nullable else 0).u8(0)
        w.str_wl(column.name).ub4(0).ub4(0).ub2(position).ub4(0)
    w.ub4(0).ub4(0).ub4(0).ub4(0).ub4(0).ub4(0)  # current date, dcb* fields, dcbqcky


def encode_bind_out(lobs: LobStore, meta: BindMeta, value: Value) -> bytes:
    """An out-bind value in the bind's own wire type, length-prefixed."""
    w = TTCWriter()
    if value is None:
        return w.u8(0).getvalue()
    t = meta.ora_type
    if t in (wire.ORA_CLOB, wire.ORA_BLOB):
        data = (
            value
            if isinstance(value, bytes)
            else str(value).encode("utf-16-be" if meta.csfrm == wire.CSFRM_NCHAR else "utf-8")
        )
        locator, size = lobs.create_value(data, t, meta.csfrm)
        w.ub4(len(locator)).ub8(size).ub4(CHUNK_SIZE).bytes_(locator)
        return w.getvalue()
    return w.bytes_(encode_typed(t, meta.csfrm, value)).getvalue()


def write_session_return(w: TTCWriter, sid: int, serial: int, changed: bool) -> None:
    """Session-return piggyback: mandatory on the first call after a borrow (brief §10.3); ``changed``
    when the session differs from the one the client last had."""
    w.u8(wire.MSG_SERVER_SIDE_PIGGYBACK).u8(SESS_RET_OPCODE).ub2(0).u8(0).ub2(0)
    w.ub4(SESSGET_SESSION_CHANGED if changed else 0).ub4(sid).ub2(serial)
