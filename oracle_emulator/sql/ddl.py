"""DDL (filled in by phase 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..results import ExecutionContext, OracleError, Result

if TYPE_CHECKING:
    from .engine import Engine


class DdlRunner:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def run(self, ctx: ExecutionContext, sql: str) -> Result:
        raise OracleError(900, f"invalid SQL statement: {' '.join(sql.split())[:300]}")
