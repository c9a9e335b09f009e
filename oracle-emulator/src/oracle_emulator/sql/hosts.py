"""What the statement runners need from the engine that owns them, as protocols.

:mod:`.ddl` and :mod:`.plsql` sit below :mod:`.engine`: the engine hands itself to them, and they see it
only through these narrow interfaces, so neither imports the engine back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..results import Bind, ExecutionContext, Result, SessionState
from .storage import SessionDb


class DdlHost(Protocol):
    """The engine as DDL sees it: the session's database, the implicit commit, and SQL-made users."""

    def db(self, ctx: ExecutionContext) -> SessionDb: ...

    def commit(self, ctx: ExecutionContext) -> None: ...

    def create_user(self, name: str, password: str, ctx: ExecutionContext | None = None) -> None: ...

    def set_password(self, name: str, password: str, ctx: ExecutionContext | None = None) -> None: ...

    def drop_user(self, name: str, ctx: ExecutionContext | None = None) -> None: ...


class PlsqlHost(Protocol):
    """The engine as an anonymous block sees it: run a SQL statement, find the session's database."""

    def execute(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result: ...

    def existing_db(self, session: SessionState) -> SessionDb | None: ...
