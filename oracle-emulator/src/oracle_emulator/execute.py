"""EXECUTE / REEXECUTE / FETCH: reading the request, running it through the instance, writing rows.

Part of the TTC message layer. SQL runs through :meth:`oracle_emulator.instance.Instance.execute`;
this module only knows the wire shapes of binds, describe info and rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from . import wire
from .cursors import BindMeta, BindValue, Cursor, CursorTable
from .instance import Instance
from .lobs import LobStore
from .messages import (
    CALL_STATUS_TXN,
    NO_DATA_FOUND,
    encode_bind_out,
    end_of_call,
    write_describe,
    write_end_of_fetch,
    write_rows,
)
from .results import OracleError, Result, Value
from .session import ServerSession
from .sqlscan import ScannedStatement, scan_statement
from .values import decode_value, is_lob
from .wire import ProtocolError, TTCReader, TTCWriter

FN_REEXECUTE = 4
FN_REEXECUTE_AND_FETCH = 78

# EXECUTE options.
OPT_PARSE = 0x01
OPT_BIND = 0x08
OPT_DEFINE = 0x10
OPT_EXECUTE = 0x20
OPT_FETCH = 0x40
OPT_COMMIT = 0x100
OPT_DESCRIBE = 0x20000

EXEC_FLAG_DML_ROWCOUNTS = 0x4000
EXEC_FLAG_SCROLLABLE = 0x02
ORIENT_CURRENT = 0x01
ORIENT_FIRST = 0x04
ORIENT_LAST = 0x08
BIND_DIR_INPUT = 32
BIND_DIR_INPUT_OUTPUT = 48

MAX_STRING_SIZE = 4000  # runtime caps say "no 32K strings": longer binds travel last in a row


class AlreadyAnswered(OracleError):
    """The error message is already in the response buffer."""

    def __init__(self) -> None:
        super().__init__(0, "")


@dataclass
class ExecuteRequest:
    """One EXECUTE or REEXECUTE as read off the wire."""

    options: int
    cursor_id: int
    sql: str | None
    stmt: ScannedStatement | None
    num_iters: int
    metas: list[BindMeta]
    rows: list[list[Value]] = field(default_factory=list)
    define: bool = False
    defines: list[BindMeta] = field(default_factory=list)
    reexecute: bool = False
    commit: bool = False
    dml_rowcounts: bool = False
    scrollable: bool = False
    orientation: int = 0
    fetch_pos: int = 0


def call_status(session: ServerSession | None) -> int:
    return CALL_STATUS_TXN if session is not None and session.in_transaction else 0


class ExecuteHandler:
    """Reads and runs EXECUTE-family calls for one client connection."""

    def __init__(self, instance: Instance, cursors: CursorTable, lobs: LobStore) -> None:
        self.instance = instance
        self.cursors = cursors
        self.lobs = lobs

    # -- reading ---------------------------------------------------------------------------------

    def _read_bind_meta(self, r: TTCReader) -> BindMeta:
        ora_type = r.u8()
        flags = r.u8()
        r.u8()
        r.u8()
        buffer_size = r.ub4()
        max_elements = r.ub4()
        r.ub8()  # cont flags
        if r.ub4():  # OID (objects): unsupported, skip it
            r.bytes_()
            r.ub4()
        else:
            r.ub2()
        r.ub2()  # charset
        csfrm = r.u8()
        r.ub4()  # LOB prefetch length
        return BindMeta(ora_type, flags, buffer_size, max_elements, csfrm)

    def _read_bind_rows(
        self, r: TTCReader, metas: list[BindMeta], stmt: ScannedStatement, num_rows: int, skip: set[int]
    ) -> list[list[Value]]:
        """Read ``num_rows`` rows of bind values; ``skip`` = positions without values (returning)."""
        rows: list[list[Value]] = []
        positions = [i for i in range(len(metas)) if i not in skip]
        if not stmt.is_plsql:
            # The client writes binds larger than the max string size last (brief §8.3).
            short = [i for i in positions if metas[i].buffer_size <= MAX_STRING_SIZE]
            long_ = [i for i in positions if metas[i].buffer_size > MAX_STRING_SIZE]
            positions = short + long_
        for _ in range(num_rows):
            if r.u8() != wire.MSG_ROW_DATA:
                raise ProtocolError("expected bind row data")
            row: list[Value] = [None] * len(metas)
            for i in positions:
                meta = metas[i]
                if meta.is_array:
                    count = r.ub4()
                    if count > 100000:
                        raise ProtocolError("bind array too large")
                    row[i] = [self._read_bind_value(r, meta) for _ in range(count)]  # type: ignore[call-overload]  # an array bind
                else:
                    row[i] = self._read_bind_value(r, meta)
            rows.append(row)
        return rows

    def _read_bind_value(self, r: TTCReader, meta: BindMeta) -> Value:
        t = meta.ora_type
        if t in (wire.ORA_CLOB, wire.ORA_BLOB):
            locator = r.bytes2()
            if locator is None:
                return None
            return self.lobs.value_of(locator)  # str for CLOB/NCLOB, bytes for BLOB
        if t == wire.ORA_BOOLEAN:
            first = r.u8()
            if first == 253:
                r.u8()
                return None
            flag = r.raw(first)
            return 1 if flag and flag[-1] else 0
        data = r.bytes_()
        if data is None:
            return None
        return decode_value(t, meta.csfrm, data)

    def parse_execute(self, r: TTCReader) -> ExecuteRequest:
        options = r.ub4()
        cursor_id = r.ub4()
        sql_pointer = r.u8()
        r.ub4()  # SQL length
        r.u8()
        al8i4_len = r.ub4()
        r.u8()
        r.u8()
        r.ub4()
        num_iters = r.ub4()
        r.ub4()
        r.u8()
        num_binds = r.ub4()
        for _ in range(5):
            r.u8()
        r.u8()
        num_defines = r.ub4()
        r.ub4()
        r.u8()
        r.u8()
        r.u8()
        r.ub4()
        r.u8()
        r.ub4()
        r.ub4()
        r.u8()
        r.ub4()
        r.u8()
        sql: str | None = None
        if sql_pointer:
            sql = (r.bytes_() or b"").decode("utf-8", "replace")
        if al8i4_len > 64:
            raise ProtocolError("al8i4 too long")
        al8i4 = [r.ub4() for _ in range(al8i4_len)]
        if num_binds > 65535 or num_defines > 65535:
            raise ProtocolError("too many binds")
        stmt: ScannedStatement | None
        if sql is not None:
            stmt = scan_statement(sql)
        else:
            known = self.cursors.get(cursor_id)
            stmt = known.stmt if known is not None else None
        defines = [self._read_bind_meta(r) for _ in range(num_defines)]
        metas = [self._read_bind_meta(r) for _ in range(num_binds)]
        rows: list[list[Value]] = []
        if metas:
            if stmt is None:
                raise OracleError(1001, "invalid cursor")
            skip = set(stmt.return_positions)
            if len(skip) < len(metas):
                num_execs = 1 if stmt.is_query else max(al8i4[1] if len(al8i4) > 1 else 1, 1)
                rows = self._read_bind_rows(r, metas, stmt, num_execs, skip)
        return ExecuteRequest(
            options=options,
            cursor_id=cursor_id,
            sql=sql,
            stmt=stmt,
            num_iters=num_iters,
            metas=metas,
            rows=rows,
            define=bool(defines),
            defines=defines,
            reexecute=False,
            commit=bool(options & OPT_COMMIT),
            dml_rowcounts=bool(len(al8i4) > 9 and al8i4[9] & EXEC_FLAG_DML_ROWCOUNTS),
            scrollable=bool(len(al8i4) > 9 and al8i4[9] & EXEC_FLAG_SCROLLABLE),
            orientation=al8i4[10] if len(al8i4) > 11 else 0,
            fetch_pos=al8i4[11] if len(al8i4) > 11 else 0,
        )

    def parse_reexecute(self, fn: int, r: TTCReader) -> ExecuteRequest:
        cursor_id = r.ub4()
        num_iters = r.ub4()
        options_1 = r.ub4()
        options_2 = r.ub4()
        cursor = self.cursors.get(cursor_id)
        if cursor is None:
            raise OracleError(1001, "invalid cursor")
        stmt = cursor.stmt
        metas = cursor.binds
        skip = set(stmt.return_positions)
        rows: list[list[Value]] = []
        if metas and len(skip) < len(metas):
            num_execs = 1 if (stmt.is_query or fn == FN_REEXECUTE_AND_FETCH) else max(num_iters, 1)
            rows = self._read_bind_rows(r, metas, stmt, num_execs, skip)
        options = OPT_EXECUTE | (OPT_FETCH if fn == FN_REEXECUTE_AND_FETCH else 0)
        return ExecuteRequest(
            options=options | options_1,
            cursor_id=cursor_id,
            sql=None,
            stmt=stmt,
            num_iters=num_iters if fn == FN_REEXECUTE_AND_FETCH else 0,
            metas=metas,
            rows=rows,
            define=False,
            reexecute=True,
            commit=bool(options_2 & 0x1),
        )

    # -- running ---------------------------------------------------------------------------------

    def fetch(self, cursor_id: int, rows_wanted: int, session: ServerSession, w: TTCWriter) -> None:
        cursor = self.cursors.get(cursor_id)
        if cursor is None or cursor.columns is None:
            raise OracleError(1001, "invalid cursor")
        write_rows(w, cursor, rows_wanted, self.lobs)
        write_end_of_fetch(w, cursor, call_status(session))

    def execute(self, req: ExecuteRequest, session: ServerSession, w: TTCWriter) -> None:
        stmt = req.stmt
        if stmt is None:
            raise OracleError(1001, "invalid cursor")
        new_cursor = False
        cursor = self.cursors.get(req.cursor_id) if req.cursor_id else None
        if cursor is None and req.cursor_id and req.sql is None:
            # A re-execute of a cursor this session does not have (it was opened on the session the
            # connection had before a re-attach): Oracle's answer.
            raise OracleError(1001, "invalid cursor")
        if req.sql is not None:
            self.instance.count_parse()
        if cursor is None:
            cursor = self.cursors.open(stmt)
            new_cursor = True
        elif req.sql is not None:
            cursor.stmt = stmt
            cursor.defines = None  # a re-parse drops the old statement's defines
        if not req.reexecute:
            cursor.binds = req.metas
            cursor.dml_rowcounts = req.dml_rowcounts
            if req.sql is not None:
                cursor.out_positions = None
        try:
            self._execute_cursor(cursor, req, session, w)
        except OracleError as exc:
            if new_cursor:
                self.cursors.close(cursor.cursor_id)
            exc_cursor = 0 if new_cursor else cursor.cursor_id
            w.raw(end_of_call(exc, exc_cursor, call_status(session)).getvalue())
            raise AlreadyAnswered() from exc

    def _execute_cursor(
        self, cursor: Cursor, req: ExecuteRequest, session: ServerSession, w: TTCWriter
    ) -> None:
        stmt = cursor.stmt
        options = req.options
        if req.define:
            # The client re-executes with DEFINE after seeing LOB columns (execute.pyx: the statement
            # "requires define"); the rows are already here, now sent in the defined types.
            cursor.defines = req.defines
            cursor.pos = 0
            write_rows(w, cursor, req.num_iters, self.lobs)
            write_end_of_fetch(w, cursor, call_status(session))
            return
        scroll_fetch = req.scrollable and cursor.scrollable and req.sql is None
        restart = options & OPT_EXECUTE and req.orientation == ORIENT_CURRENT and req.fetch_pos <= 1
        if scroll_fetch and cursor.columns is not None and not restart:
            self._scroll(cursor, req, session, w)
            return
        if not options & OPT_EXECUTE:
            # Parse / describe only: describe queries without running anything else.
            if stmt.is_query and options & OPT_DESCRIBE:
                result = self._run(session, cursor, [[None] * len(cursor.binds)])
                write_describe(w, result.columns or [])
            w.raw(end_of_call(None, cursor.cursor_id, call_status(session)).getvalue())
            return
        rows = req.rows or [[None] * len(cursor.binds)]
        if stmt.is_query:
            result = self._run(session, cursor, rows[:1])
            cursor.columns = result.columns or []
            cursor.rows = list(result.rows)
            cursor.pos = 0
            cursor.scrollable = req.scrollable
            write_describe(w, cursor.columns)
            # Without defines, a query with LOB columns answers its describe only: the client then
            # defines the columns (as locators or as LONG / LONG RAW) and the rows follow that.
            lobs_undefined = cursor.defines is None and any(is_lob(c) for c in cursor.columns)
            if options & OPT_FETCH and req.num_iters > 0 and not lobs_undefined:
                write_rows(w, cursor, req.num_iters, self.lobs)
                write_end_of_fetch(w, cursor, call_status(session))
            else:
                w.raw(end_of_call(None, cursor.cursor_id, call_status(session)).getvalue())
            return
        total = 0
        returning = stmt.return_positions
        results: list[Result] = []
        for row in rows:
            result = self._run(session, cursor, [row])
            results.append(result)
            total += result.rowcount
            if stmt.is_dml or stmt.keyword == "SAVEPOINT":
                session.in_transaction = True
            elif stmt.keyword in ("COMMIT", "ROLLBACK") and " TO " not in f" {stmt.sql.upper()} ":
                session.in_transaction = False
            if returning:
                w.u8(wire.MSG_ROW_DATA)
                for pos in returning:
                    values = result.out_binds.get(pos, [])
                    w.ub4(len(values))
                    for value in values:
                        w.raw(encode_bind_out(self.lobs, cursor.binds[pos], value))
                        w.sb4(0)
        if stmt.is_ddl:
            session.in_transaction = False
        if stmt.is_plsql and cursor.binds:
            if cursor.out_positions is None:
                cursor.out_positions = {i for i in range(len(cursor.binds)) if stmt.out_hint(i)}
                cursor.out_positions |= set(results[-1].out_binds) if results else set()
            outs = sorted(p for p in cursor.out_positions if p < len(cursor.binds))
            if outs:
                w.u8(wire.MSG_IO_VECTOR).u8(0).ub2(len(cursor.binds)).ub4(0).ub4(1).ub2(0).ub2(0).ub2(0)
                for i in range(len(cursor.binds)):
                    w.u8(BIND_DIR_INPUT_OUTPUT if i in cursor.out_positions else BIND_DIR_INPUT)
                w.u8(wire.MSG_ROW_DATA)
                last = results[-1] if results else Result()
                for pos in outs:
                    outs_at = last.out_binds.get(pos)
                    value = outs_at[0] if outs_at else rows[-1][pos]
                    w.raw(encode_bind_out(self.lobs, cursor.binds[pos], value))
                    w.sb4(0)
        if req.commit:
            self.instance.commit(session)
        if cursor.dml_rowcounts and not stmt.is_query:
            # PARAMETER: no al8o4l, no transaction id, no key/values, no registration, then counts.
            w.u8(wire.MSG_PARAMETER).ub2(0).ub2(0).ub2(0).ub2(0).ub4(len(results))
            for result in results:
                w.ub8(result.rowcount)
        w.raw(end_of_call(None, cursor.cursor_id, call_status(session), rowcount=total).getvalue())

    def _scroll(self, cursor: Cursor, req: ExecuteRequest, session: ServerSession, w: TTCWriter) -> None:
        """A fetch on a scrollable cursor: rows from the requested (1-based) position."""
        orientation = req.orientation
        if orientation == ORIENT_FIRST:
            start = 0
        elif orientation == ORIENT_LAST:
            start = max(len(cursor.rows) - 1, 0)
        else:  # CURRENT / NEXT / ABSOLUTE / RELATIVE carry the target row
            start = req.fetch_pos - 1
        if start < 0 or start >= len(cursor.rows):
            cursor.pos = len(cursor.rows)
            exc = OracleError(NO_DATA_FOUND, "no data found")
            w.raw(end_of_call(exc, cursor.cursor_id, call_status(session), 0).getvalue())
            return
        cursor.pos = start
        wanted = 1 if orientation == ORIENT_LAST else req.num_iters
        write_rows(w, cursor, wanted, self.lobs)
        write_end_of_fetch(w, cursor, call_status(session))

    def _run(self, session: ServerSession, cursor: Cursor, rows: Sequence[Sequence[Value]]) -> Result:
        stmt = cursor.stmt
        row = rows[0] if rows else []
        binds = [
            BindValue(
                name=stmt.bind_names[i] if i < len(stmt.bind_names) else None,
                value=row[i] if i < len(row) else None,
                is_out=stmt.out_hint(i),
            )
            for i in range(len(cursor.binds))
        ]
        return self.instance.execute(session, stmt.sql, binds)
