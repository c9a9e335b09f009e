"""A tiny SQL engine for protocol tests: just enough statements to drive the wire layer."""

from __future__ import annotations

import datetime
import decimal
import re
import threading
from collections.abc import Sequence

from oracle_emulator.results import (
    Bind,
    Column,
    ColumnType,
    ExecutionContext,
    OracleError,
    Result,
)


class StubEngine:
    """Answers a fixed repertoire; anything else raises ORA-00900.

    * ``select 1 from dual``                     -> one NUMBER row
    * ``select :a, :b ... from dual`` (binds)    -> one row echoing the binds (types inferred)
    * ``select n from rows<N>``                  -> N rows 1..N
    * ``select sid from session``                -> the session's SID
    * ``select ctx from session``                -> client_identifier/module/action of the session
    * ``insert into t values (:v) returning id into :id`` -> out bind = next id
    * ``insert dup``                             -> ORA-00001
    * ``begin :out := :in * 2; end;``            -> PL/SQL out bind
    * ``set state :v`` / ``select state from session``           -> per-session value stored in contexts
    * ``select x from badutf8``                             -> a VARCHAR column with invalid UTF-8 bytes
    * ``crash``                                  -> a Python exception (must become ORA-00600)
    * ``select rowstats``                        -> the server view's V$CPOOL_CC_STATS rows
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.next_id = 0
        self.closed_sessions: list[int] = []
        self.commits = 0
        self.rollbacks = 0

    def execute(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result:
        text = " ".join(sql.split()).lower()
        if text == "select 1 from dual":
            return Result(columns=[Column("1", ColumnType.NUMBER)], rows=[(1,)])
        m = re.fullmatch(r"select n from rows(\d+)", text)
        if m:
            n = int(m.group(1))
            return Result(
                columns=[Column("N", ColumnType.NUMBER, precision=10, scale=0)],
                rows=[(i,) for i in range(1, n + 1)],
            )
        if text == "select sid from session":
            return Result(columns=[Column("SID", ColumnType.NUMBER)], rows=[(ctx.session.sid,)])
        if text == "select ctx from session":
            s = ctx.session
            cols = [Column(n, ColumnType.VARCHAR, size=64) for n in ("CID", "MODULE", "ACTION")]
            return Result(columns=cols, rows=[(s.client_identifier, s.module, s.action)])
        if text.startswith("set state"):
            ctx.session.contexts[("TEST", "STATE")] = str(binds[0].value)
            return Result()
        if text == "select state from session":
            value = ctx.session.contexts.get(("TEST", "STATE"))
            return Result(columns=[Column("STATE", ColumnType.VARCHAR, size=100)], rows=[(value,)])
        if text == "select x from badutf8":
            return Result(columns=[Column("X", ColumnType.VARCHAR, size=10)], rows=[(b"\xff\xfe\xfa",)])
        if text == "crash":
            raise RuntimeError("boom")
        if text == "insert dup":
            raise OracleError(1, "unique constraint (APP.PK) violated", offset=7)
        if text.startswith("insert into t"):
            with self.lock:
                self.next_id += 1
                new_id = self.next_id
            return Result(rowcount=1, out_binds={len(binds) - 1: [new_id]})
        if text.startswith("begin :out := :in * 2"):
            return Result(out_binds={0: [binds[1].value * 2]})
        if text == "select rowstats":
            rows = ctx.server.cpool_cc_stats()
            return Result(
                columns=[Column("CCLASS_NAME", ColumnType.VARCHAR), Column("NUM_HITS", ColumnType.NUMBER)],
                rows=[(r["CCLASS_NAME"], r["NUM_HITS"]) for r in rows],
            )
        if text.startswith("select") and "from dual" in text and binds:
            cols: list[Column] = []
            row = []
            for b in binds:
                v = b.value
                if isinstance(v, (int, float, decimal.Decimal)):
                    cols.append(Column(b.name or "X", ColumnType.NUMBER))
                elif isinstance(v, datetime.datetime):
                    cols.append(Column(b.name or "X", ColumnType.TIMESTAMP))
                elif isinstance(v, bytes):
                    cols.append(Column(b.name or "X", ColumnType.RAW, size=2000))
                else:
                    cols.append(Column(b.name or "X", ColumnType.VARCHAR, size=32767))
                row.append(v)
            return Result(columns=cols, rows=[tuple(row)])
        raise OracleError(900, f"invalid SQL statement: {sql[:100]}")

    def commit(self, ctx: ExecutionContext) -> None:
        with self.lock:
            self.commits += 1

    def rollback(self, ctx: ExecutionContext) -> None:
        with self.lock:
            self.rollbacks += 1

    def close_session(self, ctx: ExecutionContext) -> None:
        with self.lock:
            self.closed_sessions.append(ctx.session.sid)
