"""Temporary LOBs, enough for binds: the client binds strings over 4,000 characters as CLOB.

It does so with LOB_OP calls: CREATE_TEMP (the server fills in a locator), WRITE (the data), then
binds the locator; later a piggyback frees the temporary LOB. Query columns never travel as LOBs:
``protocol.describe_column`` describes CLOB/NCLOB/BLOB columns as VARCHAR2/NVARCHAR2/RAW so the
client reads them inline.
"""

from __future__ import annotations

import itertools
import struct
import threading
from dataclasses import dataclass
from typing import Any

from . import wire
from .results import OracleError
from .wire import TTCReader, TTCWriter

OP_GET_LENGTH = 0x0001
OP_READ = 0x0002
OP_TRIM = 0x0020
OP_WRITE = 0x0040
OP_GET_CHUNK_SIZE = 0x4000
OP_CREATE_TEMP = 0x0110
OP_FREE_TEMP = 0x0111
OP_OPEN = 0x8000
OP_CLOSE = 0x10000
OP_IS_OPEN = 0x11000
MSG_LOB_DATA = 14
CHUNK_SIZE = 8060
MAX_TEMP_LOBS = 10000

_ids = itertools.count(1)
_ids_lock = threading.Lock()


@dataclass
class LobRequest:
    operation: int
    locator: bytes | None
    source_offset: int
    dest_offset: int
    amount: int | None
    data: bytes | None


@dataclass
class TempLob:
    ora_type: int
    csfrm: int
    value: Any  # str for CLOB/NCLOB, bytes for BLOB

    @property
    def is_blob(self) -> bool:
        return self.ora_type == wire.ORA_BLOB


class LobStore:
    """Temporary LOBs of one client connection, keyed by the id embedded in their locator."""

    def __init__(self) -> None:
        self._lobs: dict[int, TempLob] = {}

    @staticmethod
    def _make_locator(lob_id: int, ora_type: int) -> bytes:
        loc = bytearray(40)
        loc[0:2] = struct.pack(">H", 38)
        loc[2:4] = struct.pack(">H", 1)
        loc[4] = 0x40 | (0x01 if ora_type == wire.ORA_BLOB else 0)  # abstract (temporary) [+ BLOB]
        loc[5] = 0x08  # initialised
        loc[7] = 0x01  # temporary: the client frees it with a piggyback
        loc[8:16] = struct.pack(">Q", lob_id)
        return bytes(loc)

    @staticmethod
    def _id_of(locator: bytes) -> int:
        if len(locator) < 16:
            return -1
        return int(struct.unpack(">Q", locator[8:16])[0])

    def create_value(self, data: bytes, ora_type: int, csfrm: int) -> bytes:
        """Store a LOB produced by the server (an out bind); returns its locator."""
        if len(self._lobs) >= MAX_TEMP_LOBS:
            raise OracleError(1652, "unable to extend temp segment (too many temporary LOBs)")
        with _ids_lock:
            lob_id = next(_ids)
        value: Any = data
        if ora_type != wire.ORA_BLOB:
            value = data.decode("utf-16-be" if csfrm == wire.CSFRM_NCHAR else "utf-8", "replace")
        self._lobs[lob_id] = TempLob(ora_type, csfrm, value)
        return self._make_locator(lob_id, ora_type)

    def value_of(self, locator: bytes) -> str | bytes:
        lob = self._lobs.get(self._id_of(locator))
        if lob is None:
            raise OracleError(22922, "nonexistent LOB value")
        value: str | bytes = lob.value
        return value

    def free(self, locator: bytes) -> None:
        self._lobs.pop(self._id_of(locator), None)

    def parse_request(self, r: TTCReader) -> LobRequest:
        """Read a LOB_OP function body (after the function header)."""
        source_pointer = r.u8()
        source_len = r.ub4()
        dest_pointer = r.u8()
        dest_len = r.ub4()  # 3.x+ sends the duration of CREATE_TEMP here
        r.ub4()
        r.ub4()
        charset_pointer = r.u8()
        r.u8()
        r.u8()  # NULL LOB pointer
        operation = r.ub4()
        r.u8()
        r.u8()
        source_offset = r.ub8()
        dest_offset = r.ub8()
        amount_pointer = r.u8()
        r.raw(6)
        if source_len > 4096 or (dest_pointer and dest_len > 4096):
            raise wire.ProtocolError("LOB locator too long")
        locator = None
        if source_pointer and source_len:
            locator = r.raw(source_len)  # locators travel without a length prefix
        if dest_pointer and dest_len:
            r.raw(dest_len)  # copy operations only (not supported)
        if charset_pointer:
            r.ub4()
        data = None
        amount = None
        if operation == OP_WRITE:
            if r.u8() != MSG_LOB_DATA:
                raise wire.ProtocolError("expected LOB data")
            data = r.bytes_() or b""
        if amount_pointer:
            amount = r.ub8()
        return LobRequest(operation, locator, source_offset, dest_offset, amount, data)

    def respond(self, req: LobRequest, w: TTCWriter) -> None:
        """Write the response messages (before the closing ERROR message)."""
        op = req.operation
        if op == OP_CREATE_TEMP:
            if len(self._lobs) >= MAX_TEMP_LOBS:
                raise OracleError(1652, "unable to extend temp segment (too many temporary LOBs)")
            with _ids_lock:
                lob_id = next(_ids)
            ora_type = req.dest_offset  # the client sends the LOB type and csfrm in the offsets
            csfrm = req.source_offset
            self._lobs[lob_id] = TempLob(ora_type, csfrm, b"" if ora_type == wire.ORA_BLOB else "")
            w.u8(wire.MSG_PARAMETER).raw(self._make_locator(lob_id, ora_type))
            w.ub2(wire.CHARSET_UTF16 if csfrm == wire.CSFRM_NCHAR else wire.CHARSET_UTF8).u8(0)
            if req.amount is not None:
                # oracledb 2.x sends the duration as an amount and reads it back (3.x+ does not).
                w.sb8(req.amount)
            return
        if req.locator is None:
            raise OracleError(22275, "invalid LOB locator specified")
        lob = self._lobs.get(self._id_of(req.locator))
        if lob is None:
            raise OracleError(22922, "nonexistent LOB value")
        amount: int | None = None
        if op == OP_WRITE:
            chunk: Any = req.data or b""
            if not lob.is_blob:
                chunk = chunk.decode("utf-16-be" if lob.csfrm == wire.CSFRM_NCHAR else "utf-8", "replace")
            start = max(req.source_offset, 1) - 1
            current = lob.value
            if len(current) < start:
                current = current + (b"\x00" if lob.is_blob else " ") * (start - len(current))
            lob.value = current[:start] + chunk + current[start + len(chunk) :]
        elif op == OP_READ:
            start = max(req.source_offset, 1) - 1
            piece = lob.value[start : start + (req.amount or 0)]
            data = (
                piece
                if lob.is_blob
                else piece.encode("utf-16-be" if lob.csfrm == wire.CSFRM_NCHAR else "utf-8")
            )
            w.u8(MSG_LOB_DATA).bytes_(data)
            amount = len(piece)
        elif op == OP_GET_LENGTH:
            amount = len(lob.value)
        elif op == OP_GET_CHUNK_SIZE:
            amount = CHUNK_SIZE
        elif op == OP_TRIM:
            lob.value = lob.value[: req.amount or 0]
            amount = req.amount or 0
        elif op in (OP_OPEN, OP_CLOSE, OP_IS_OPEN, OP_FREE_TEMP):
            amount = req.amount
            if op == OP_FREE_TEMP:
                self.free(req.locator)
        else:
            raise OracleError(3115, f"unsupported LOB operation {op:#x}")
        w.u8(wire.MSG_PARAMETER).raw(req.locator)
        if req.amount is not None:  # the client sent an amount, so it reads one back
            w.sb8(amount if amount is not None else req.amount)
        if op == OP_IS_OPEN:
            w.u8(0)
