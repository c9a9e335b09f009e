"""LOB locators: temporary LOBs (binds, out binds) and the persistent LOBs of fetched columns.

Temporary LOBs: the client binds strings over 4,000 characters as CLOB with LOB_OP calls:
CREATE_TEMP (the server fills in a locator), WRITE (the data), then binds the locator; later a
piggyback frees the temporary LOB.

Persistent LOBs: a query's CLOB/NCLOB/BLOB column travels as a locator per value, as on Oracle
(python-oracledb thin ``ReadBuffer.read_lob_with_length``: locator length, size, chunk size,
locator); the client then asks for the data with LOB_OP READ / GET_LENGTH. The value is the one the
query read (Oracle's read consistency), so the store keeps it with the locator. Character LOBs of
this kind are held as Oracle holds them in an AL32UTF8 database: AL16UTF16, with offsets, amounts
and sizes in UCS-2 code units (``lob.pyx`` decodes UTF-16 when the locator's variable-length
charset flag is set). These locators are read-only here: WRITE / TRIM answer ORA-22920 (on Oracle,
a write needs the row locked by SELECT … FOR UPDATE, which the server does not model).
"""

from __future__ import annotations

import itertools
import struct
import threading
from collections import OrderedDict
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
# Persistent locators are never freed by the client (``free_lob`` only queues temporary ones), so the
# oldest are forgotten past these bounds; reading one then answers ORA-22922.
MAX_PERSISTENT_LOBS = 100_000
MAX_PERSISTENT_CHARS = 256 * 1024 * 1024

# Locator flag bytes (python-oracledb thin constants.pxi TNS_LOB_LOC_*).
LOC_FLAGS_BLOB = 0x01  # byte 4
LOC_FLAGS_ABSTRACT = 0x40  # byte 4
LOC_FLAGS_INIT = 0x08  # byte 5
LOC_FLAGS_VAR_LENGTH_CHARSET = 0x80  # byte 6: CLOB data travels as UTF-16
LOC_FLAGS_TEMP = 0x01  # byte 7

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


@dataclass
class PersistentLob:
    """A fetched column value: str (CLOB/NCLOB, measured in UCS-2 code units) or bytes (BLOB)."""

    ora_type: int
    value: str | bytes

    def units(self) -> bytes:
        """The value as sent: UTF-16-BE for character LOBs (2 bytes a unit), bytes for a BLOB."""
        if isinstance(self.value, bytes):
            return self.value
        return self.value.encode("utf-16-be", "surrogatepass")

    @property
    def unit(self) -> int:
        return 1 if isinstance(self.value, bytes) else 2

    @property
    def size(self) -> int:
        """What GET_LENGTH reports: bytes of a BLOB, UCS-2 code units of a character LOB."""
        return len(self.value) if isinstance(self.value, bytes) else ucs2_length(self.value)


def ucs2_length(text: str) -> int:
    """Length in UCS-2 code units (a supplementary character counts two), as Oracle sizes a CLOB."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class LobStore:
    """The temporary and fetched LOBs of one client connection, keyed by the id in their locator."""

    def __init__(self) -> None:
        self._lobs: dict[int, TempLob] = {}
        self._persistent: OrderedDict[int, PersistentLob] = OrderedDict()
        self._persistent_chars = 0

    @staticmethod
    def _make_locator(lob_id: int, ora_type: int, temporary: bool = True) -> bytes:
        loc = bytearray(40)
        loc[0:2] = struct.pack(">H", 38)
        loc[2:4] = struct.pack(">H", 1)
        blob = LOC_FLAGS_BLOB if ora_type == wire.ORA_BLOB else 0
        loc[4] = (LOC_FLAGS_ABSTRACT if temporary else 0) | blob
        loc[5] = LOC_FLAGS_INIT
        if temporary:
            loc[7] = LOC_FLAGS_TEMP  # the client frees it with a piggyback
        elif not blob:
            loc[6] = LOC_FLAGS_VAR_LENGTH_CHARSET
        loc[8:16] = struct.pack(">Q", lob_id)
        return bytes(loc)

    @staticmethod
    def _is_temporary(locator: bytes) -> bool:
        return len(locator) > 7 and bool(locator[4] & LOC_FLAGS_ABSTRACT or locator[7] & LOC_FLAGS_TEMP)

    def persistent(self, value: str | bytes, ora_type: int) -> tuple[bytes, int]:
        """A locator for one fetched LOB column value, and its size (bytes or UCS-2 code units)."""
        with _ids_lock:
            lob_id = next(_ids)
        lob = self._persistent[lob_id] = PersistentLob(ora_type, value)
        self._persistent_chars += len(value)
        while self._persistent and (
            len(self._persistent) > MAX_PERSISTENT_LOBS or self._persistent_chars > MAX_PERSISTENT_CHARS
        ):
            _, old = self._persistent.popitem(last=False)
            self._persistent_chars -= len(old.value)
        return self._make_locator(lob_id, ora_type, temporary=False), lob.size

    @staticmethod
    def _id_of(locator: bytes) -> int:
        if len(locator) < 16:
            return -1
        return int(struct.unpack(">Q", locator[8:16])[0])

    def create_value(self, data: bytes, ora_type: int, csfrm: int) -> tuple[bytes, int]:
        """Store a LOB produced by the server (an out bind); returns its locator and its size as
        GET_LENGTH reports it (characters for CLOB/NCLOB, not the bytes they travel in)."""
        if len(self._lobs) >= MAX_TEMP_LOBS:
            raise OracleError(1652, "unable to extend temp segment (too many temporary LOBs)")
        with _ids_lock:
            lob_id = next(_ids)
        value: Any = data
        if ora_type != wire.ORA_BLOB:
            value = data.decode("utf-16-be" if csfrm == wire.CSFRM_NCHAR else "utf-8", "replace")
        self._lobs[lob_id] = TempLob(ora_type, csfrm, value)
        return self._make_locator(lob_id, ora_type), len(value)

    def value_of(self, locator: bytes) -> str | bytes:
        """The value behind a bound locator: a temporary LOB or one a query fetched."""
        if not self._is_temporary(locator):
            return self._persistent_lob(locator).value
        lob = self._lobs.get(self._id_of(locator))
        if lob is None:
            raise OracleError(22922, "nonexistent LOB value")
        value: str | bytes = lob.value
        return value

    def _persistent_lob(self, locator: bytes) -> PersistentLob:
        lob = self._persistent.get(self._id_of(locator))
        if lob is None:
            raise OracleError(22922, "nonexistent LOB value")
        return lob

    def free(self, locator: bytes) -> None:
        if self._is_temporary(locator):
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
        if not self._is_temporary(req.locator):
            self._respond_persistent(req, self._persistent_lob(req.locator), w)
            return
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
        self._write_answer(req, amount, w)

    @staticmethod
    def _write_answer(req: LobRequest, amount: int | None, w: TTCWriter) -> None:
        """The end of every LOB_OP answer on a locator: the locator, the amount, IS_OPEN's flag."""
        w.u8(wire.MSG_PARAMETER).raw(req.locator or b"")
        if req.amount is not None:  # the client sent an amount, so it reads one back
            w.sb8(amount if amount is not None else req.amount)
        if req.operation == OP_IS_OPEN:
            w.u8(0)

    @classmethod
    def _respond_persistent(cls, req: LobRequest, lob: PersistentLob, w: TTCWriter) -> None:
        op = req.operation
        amount: int | None = req.amount
        if op == OP_READ:
            unit = lob.unit
            start = (max(req.source_offset, 1) - 1) * unit
            piece = lob.units()[start : start + (req.amount or 0) * unit]
            w.u8(MSG_LOB_DATA).bytes_(piece)
            amount = len(piece) // unit
        elif op == OP_GET_LENGTH:
            amount = lob.size
        elif op == OP_GET_CHUNK_SIZE:
            amount = CHUNK_SIZE
        elif op in (OP_WRITE, OP_TRIM):
            # Oracle: a persistent LOB is written through a locator selected FOR UPDATE.
            raise OracleError(22920, "row containing the LOB value is not locked")
        elif op not in (OP_OPEN, OP_CLOSE, OP_IS_OPEN, OP_FREE_TEMP):
            raise OracleError(3115, f"unsupported LOB operation {op:#x}")
        cls._write_answer(req, amount, w)
