"""The contract between the wire protocol and the SQL engine.

The protocol layer (``protocol.py``) decodes an EXECUTE into SQL text plus bind values, calls
``SqlEngine.execute(ctx, sql, binds)``, and encodes the returned :class:`Result` (describe info, rows,
row count, out binds) or the raised :class:`OracleError` back onto the wire. The engine never sees bytes.
"""

from __future__ import annotations

import datetime
import decimal
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

# Python values that cross the boundary in both directions (binds in, rows and out binds out).
# None is NULL. Strings are str; NUMBER is int, float or decimal.Decimal; DATE/TIMESTAMP are
# datetime.datetime (DATE carries no fraction); RAW/BLOB are bytes.
Value = None | str | int | float | decimal.Decimal | datetime.datetime | datetime.date | bytes


class ColumnType(enum.Enum):
    """Oracle column types the server can describe (the ORA_TYPE_NUM sent in DESCRIBE_INFO)."""

    VARCHAR = 1  # VARCHAR2 (csfrm 1) or NVARCHAR2 (csfrm 2)
    NUMBER = 2
    LONG = 8
    DATE = 12
    RAW = 23
    CHAR = 96  # CHAR / NCHAR
    BINARY_FLOAT = 100
    BINARY_DOUBLE = 101
    CLOB = 112  # CLOB (csfrm 1) or NCLOB (csfrm 2)
    BLOB = 113
    TIMESTAMP = 180
    TIMESTAMP_TZ = 181
    INTERVAL_DS = 183
    TIMESTAMP_LTZ = 231
    BOOLEAN = 252


@dataclass(frozen=True)
class Column:
    """One column of a query's describe info, as Oracle reports it."""

    name: str
    type: ColumnType
    precision: int = 0  # NUMBER precision (0 = unspecified)
    scale: int = -127  # NUMBER scale; -127 with precision 0 means a plain NUMBER (Django: float/int)
    size: int = 4000  # max size in bytes / characters for VARCHAR, CHAR and RAW
    nullable: bool = True
    national: bool = False  # NVARCHAR2 / NCHAR / NCLOB (csfrm 2)


@dataclass
class Result:
    """What one execution produced.

    ``columns`` is None for statements that are not queries. ``rows`` holds all rows of a query; the
    protocol layer pages them out across FETCH round trips. ``rowcount`` is the DML row count (or rows
    fetched for queries, filled by the protocol layer). ``out_binds`` maps a bind position (0-based, in the
    order the statement's placeholders were bound) to the list of values returned for it, for
    ``RETURNING … INTO :x`` and PL/SQL OUT parameters.
    """

    columns: list[Column] | None = None
    rows: list[tuple[Value, ...]] = field(default_factory=list)
    rowcount: int = 0
    out_binds: dict[int, list[Value]] = field(default_factory=dict)


class OracleError(Exception):
    """An ORA-nnnnn error to send to the client; the driver maps the code to its exception class.

    ``offset`` is the character position of the error in the SQL text (0 when unknown).
    """

    def __init__(self, code: int, message: str, offset: int = 0) -> None:
        self.code = code
        self.message = message
        self.offset = offset
        super().__init__(f"ORA-{code:05d}: {message}")

    @property
    def full_message(self) -> str:
        return f"ORA-{self.code:05d}: {self.message}"


class Bind(Protocol):
    """A bind variable as the protocol layer decoded it."""

    name: str | None  # placeholder name without the colon, upper-cased (None if unknown)
    value: Value  # the IN value (None for pure OUT binds)
    is_out: bool  # True for OUT / IN OUT binds (e.g. RETURNING … INTO)


class SessionState(Protocol):
    """What the engine may read and change on the server session that runs a statement.

    Implemented by the pooled (or dedicated) server session in ``session.py``. State lives on the
    *server* session, so under DRCP it survives a release and is seen by the next borrower of the same
    pooled server (purity SELF, same class), exactly as on Oracle.
    """

    sid: int
    serial: int
    username: str  # upper-case
    current_schema: str
    service_name: str
    con_name: str  # the container: CDB$ROOT or the PDB's name (SYS_CONTEXT('USERENV', 'CON_NAME'))
    con_id: int  # 1 for the root, 3 for the PDB
    cclass: str | None  # the DRCP connection class, None for a dedicated session
    purity: str | None  # "SELF" / "NEW" / None
    client_identifier: str | None
    module: str | None
    action: str | None
    client_info: str | None
    nls: dict[str, str]  # NLS_* and TIME_ZONE from ALTER SESSION / login
    contexts: dict[tuple[str, str], str]  # (namespace, attribute) -> value, upper-case keys
    program: str | None
    machine: str | None


class ServerView(Protocol):
    """Server-wide figures the engine exposes through V$ views."""

    def cpool_stats(self) -> list[dict[str, Any]]:
        """Rows of V$CPOOL_STATS (column name -> value)."""

    def cpool_cc_stats(self) -> list[dict[str, Any]]:
        """Rows of V$CPOOL_CC_STATS."""

    def cpool_conn_info(self) -> list[dict[str, Any]]:
        """Rows of V$CPOOL_CONN_INFO."""

    def sessions(self) -> list[dict[str, Any]]:
        """Rows of V$SESSION."""

    def triggers(self) -> list[dict[str, Any]]:
        """Rows of ALL_TRIGGERS (logon triggers, with OWNER)."""

    def may_read(self, username: str, view: str) -> bool:
        """Whether ``username`` may query the V$ view ``view`` (False: the query fails with ORA-00942)."""

    def grant(self, grantor: str, privilege: str, grantee: str) -> None:
        """Grant a modelled privilege (``privileges`` module names); raises OracleError as Oracle would."""

    def revoke(self, revoker: str, privilege: str, grantee: str) -> None:
        """Revoke a modelled privilege; raises OracleError as Oracle would."""


@runtime_checkable
class ServerAdmin(Protocol):
    """What an operator's statements reach beyond the V$ figures (optional: an engine checks
    ``isinstance(ctx.server, ServerAdmin)``): DBA_CPOOL_INFO, DBMS_CONNECTION_POOL, KILL SESSION."""

    def cpool_info(self) -> list[dict[str, Any]]:
        """Rows of DBA_CPOOL_INFO."""

    def connection_pool(
        self, session: SessionState, procedure: str, args: list[Any], kwargs: dict[str, Any]
    ) -> None:
        """DBMS_CONNECTION_POOL.<procedure>(args) run by ``session``'s user; raises OracleError."""

    def kill_session(self, sid: int, serial: int, immediate: bool) -> None:
        """ALTER SYSTEM KILL SESSION 'sid,serial' [IMMEDIATE]; ORA-00030 if there is no such session."""

    def set_parameter(self, name: str, value: str) -> None:
        """ALTER SYSTEM SET name = value (an instance parameter the server models)."""

    def grant_pool_admin(self, user: str, granted: bool) -> None:
        """GRANT (True) / REVOKE (False) EXECUTE ON DBMS_CONNECTION_POOL."""

    def check_drop_user(self, name: str) -> None:
        """ORA-01940 while ``name`` has sessions (checked before the schema is dropped)."""


class ExecutionContext(Protocol):
    """Everything an engine call may touch besides the SQL text and binds."""

    @property
    def session(self) -> SessionState: ...

    @property
    def server(self) -> ServerView: ...


class SqlEngine(Protocol):
    """Runs one statement for one session. Raises OracleError; never lets another exception escape."""

    def execute(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result: ...

    def commit(self, ctx: ExecutionContext) -> None: ...

    def rollback(self, ctx: ExecutionContext) -> None: ...

    def close_session(self, ctx: ExecutionContext) -> None:
        """The server session is gone (logoff, NEW purity replaced it, server stop): free its storage."""
