"""Client piggybacks (TTC message type 17): close cursors, free LOBs, end-to-end attributes, schema,
application context. Read before the function they ride on; applied once a session is known."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from .cursors import CursorTable
from .lobs import LobStore
from .session import ServerSession
from .wire import ProtocolError, TTCReader

FN_LOB_OP = 96
FN_CLOSE_CURSORS = 105
FN_END_TO_END = 135
FN_SET_SCHEMA = 152
FN_APP_CONTEXT = 154


@dataclass(frozen=True)
class Piggyback:
    function: int
    data: Any


def read_piggyback(fn: int, r: TTCReader) -> Piggyback:
    return Piggyback(fn, _read_data(fn, r))


def _read_data(fn: int, r: TTCReader) -> Any:
    if fn == FN_CLOSE_CURSORS:
        r.u8()
        count = r.ub4()
        if count > 100000:
            raise ProtocolError("too many cursors to close")
        return [r.ub4() for _ in range(count)]
    if fn == FN_END_TO_END:
        r.u8()
        r.u8()
        flags = r.ub4()
        lengths = []
        for _ in range(3):  # client identifier, module, action
            lengths.append((r.u8(), r.ub4()))
        r.u8()
        r.ub4()
        r.u8()
        r.ub4()
        lengths.append((r.u8(), r.ub4()))  # client info
        r.u8()
        r.ub4()
        r.u8()
        r.ub4()
        lengths.append((r.u8(), r.ub4()))  # dbop
        values: dict[str, str | None] = {}
        names = ("client_identifier", "module", "action", "client_info", "dbop")
        bits = (0x1, 0x8, 0x10, 0x100, 0x200)
        for name, bit, (pointer, length) in zip(names, bits, lengths, strict=True):
            if not flags & bit:
                continue
            if pointer and length:
                values[name] = (r.bytes_() or b"").decode("utf-8", "replace")
                continue
            # Length 0 is both None (no string follows) and "" (a zero-length string, one 0 byte,
            # follows). No TTC message type is 0, so a 0 byte here can only be that empty string.
            if pointer and r.peek_u8() == 0:
                r.u8()
            values[name] = None  # as in Oracle, an empty value clears the attribute
        return values
    if fn == FN_SET_SCHEMA:
        r.u8()
        return (r.bytes2() or b"").decode("utf-8", "replace")
    if fn == FN_APP_CONTEXT:
        r.u8()
        r.ub4()
        r.u8()
        count = r.ub4()
        r.ub2()
        r.u8()
        namespace = (r.bytes_() or b"").decode("utf-8", "replace")
        entries = []
        for _ in range(count):
            key = (r.bytes2() or b"").decode("utf-8", "replace")
            value = (r.bytes2() or b"").decode("utf-8", "replace")
            r.ub4()
            entries.append((key, value))
        return namespace, entries
    if fn == FN_LOB_OP:  # free temporary LOBs
        r.u8()
        total = r.ub4()
        r.u8()
        r.ub4()
        r.ub4()
        r.ub4()
        r.u8()
        r.u8()
        r.u8()
        r.ub4()
        r.u8()
        r.ub4()
        r.ub8()
        r.ub8()
        r.u8()
        for _ in range(3):
            r.u8()
            r.ub4()
        if total > 1 << 20:
            raise ProtocolError("too many temporary LOBs to free")
        # Locators follow back to back without length prefixes; each starts with its own
        # length less two (u16be).
        blob = r.raw(total)
        locators = []
        pos = 0
        while pos + 2 <= len(blob):
            size = struct.unpack(">H", blob[pos : pos + 2])[0] + 2
            locators.append(blob[pos : pos + size])
            pos += size
        return locators
    raise ProtocolError(f"unsupported piggyback {fn}")


def apply_piggybacks(
    piggybacks: list[Piggyback], cursors: CursorTable, lobs: LobStore, session: ServerSession | None
) -> None:
    """Close cursors and free LOBs; set end-to-end attributes, schema and contexts on the session."""
    for p in piggybacks:
        if p.function == FN_CLOSE_CURSORS:
            for cursor_id in p.data:
                cursors.close(cursor_id)
        elif p.function == FN_LOB_OP:
            for locator in p.data:
                lobs.free(locator)
    if session is None:
        return
    for p in piggybacks:
        if p.function == FN_END_TO_END:
            for name, value in p.data.items():
                if name != "dbop":
                    setattr(session, name, value)
        elif p.function == FN_SET_SCHEMA:
            session.current_schema = p.data.upper()
        elif p.function == FN_APP_CONTEXT:
            namespace, entries = p.data
            ns = namespace.upper()
            if not entries:
                for key in [k for k in session.contexts if k[0] == ns]:
                    del session.contexts[key]
            for key, value in entries:
                session.contexts[(ns, key.upper())] = value
