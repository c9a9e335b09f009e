"""Server-side cursors and the bind metadata an EXECUTE carries (TTC message layer)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .results import Column, OracleError, Value
from .sqlscan import ScannedStatement

MAX_CURSOR_ID = 65000


@dataclass
class BindMeta:
    """Bind metadata as the client sent it in an EXECUTE."""

    ora_type: int
    flags: int
    buffer_size: int
    max_elements: int
    csfrm: int

    @property
    def is_array(self) -> bool:
        return bool(self.flags & 0x40)


@dataclass
class BindValue:
    """Implements :class:`oracle_emulator.results.Bind`."""

    name: str | None
    value: Value
    is_out: bool = False


@dataclass
class Cursor:
    """Server-side cursor: kept until the client closes it, so re-executes find their binds."""

    cursor_id: int
    stmt: ScannedStatement
    binds: list[BindMeta] = field(default_factory=list)
    columns: list[Column] | None = None
    rows: list[tuple[Value, ...]] = field(default_factory=list)
    pos: int = 0
    out_positions: set[int] | None = None  # PL/SQL binds reported as IN OUT (fixed on first run)
    dml_rowcounts: bool = False  # the client asked for per-row counts (arraydmlrowcounts)
    scrollable: bool = False  # rows are kept for scroll requests until the cursor is closed
    # The column defines of the client's last DEFINE execute (kept, as on Oracle, for re-executes of
    # this cursor): a LOB column defined as LONG / LONG RAW is sent inline instead of as a locator.
    defines: list[BindMeta] | None = None


class CursorTable:
    """The open cursors of one client connection on its current server session, by id (1..65000,
    reused after close)."""

    def __init__(self) -> None:
        self._cursors: dict[int, Cursor] = {}
        self._next_id = 1

    def get(self, cursor_id: int) -> Cursor | None:
        return self._cursors.get(cursor_id)

    def __contains__(self, cursor_id: int) -> bool:
        return cursor_id in self._cursors

    def open(self, stmt: ScannedStatement) -> Cursor:
        if len(self._cursors) >= MAX_CURSOR_ID:
            raise OracleError(1000, "maximum open cursors exceeded")
        cursor_id = self._next_id
        while cursor_id in self._cursors:
            cursor_id = cursor_id % MAX_CURSOR_ID + 1
        self._next_id = cursor_id % MAX_CURSOR_ID + 1
        cursor = Cursor(cursor_id, stmt)
        self._cursors[cursor_id] = cursor
        return cursor

    def close(self, cursor_id: int) -> None:
        self._cursors.pop(cursor_id, None)

    def clear(self) -> None:
        """Forget every cursor (they belonged to a server session this connection no longer has)."""
        self._cursors.clear()
        self._next_id = 1
