"""Dynamic performance views (V$…) and ``SYS_CONTEXT``, fed by the server session and ServerView.

A query that names a V$ view gets a fresh TEMP table of that name on its session connection, filled
from ``ctx.server`` just before the query runs, so WHERE / ORDER BY / joins / aggregates work through
the normal SQL path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..results import ExecutionContext, OracleError, ServerAdmin, ServerView, SessionState
from .types import OraType


@dataclass(frozen=True)
class ViewDef:
    columns: tuple[tuple[str, OraType], ...]
    rows: Callable[[ExecutionContext], list[dict[str, Any]]]


_NUM = OraType("NUMBER")
_STR = OraType("VARCHAR2", length=128)


def _numbers_but(text: tuple[str, ...], names: tuple[str, ...]) -> tuple[tuple[str, OraType], ...]:
    """Columns ``names``, all NUMBER but those in ``text`` (VARCHAR2): the V$CPOOL_* / DBA_CPOOL_* shape."""
    return tuple((c, _STR if c in text else _NUM) for c in names)


def _server(ctx: ExecutionContext) -> ServerView:
    return ctx.server


def _version_rows(ctx: ExecutionContext) -> list[dict[str, Any]]:
    return [
        {
            "BANNER": "Oracle Database 23ai Free Release 23.0.0.0.0 - Develop, Learn, and Run for Free",
            "BANNER_FULL": "Oracle Database 23ai Free Release 23.0.0.0.0 - Develop, Learn, and Run for Free\n"
            "Version 23.5.0.24.07",
            "BANNER_LEGACY": "Oracle Database 23ai Free",
            "CON_ID": 0,
        },
    ]


def _pcv_rows(ctx: ExecutionContext) -> list[dict[str, Any]]:
    return [
        {
            "PRODUCT": "Oracle Database 23ai Free",
            "VERSION": "23.0.0.0.0",
            "VERSION_FULL": "23.5.0.24.07",
            "STATUS": "Develop, Learn, and Run for Free",
        }
    ]


# The pool's configuration columns that V$CPOOL_STATS and DBA_CPOOL_INFO share (Database Reference).
_POOL_PARAMETERS = (
    "MINSIZE",
    "MAXSIZE",
    "INCRSIZE",
    "SESSION_CACHED_CURSORS",
    "INACTIVITY_TIMEOUT",
    "MAX_THINK_TIME",
    "MAX_USE_SESSION",
    "MAX_LIFETIME_SESSION",
)

VIEWS: dict[str, ViewDef] = {
    "V$CPOOL_STATS": ViewDef(
        _numbers_but(
            ("POOL_NAME", "STATUS"),
            (
                "POOL_NAME",
                "STATUS",
                *_POOL_PARAMETERS,
                "NUM_OPEN_SERVERS",
                "NUM_BUSY_SERVERS",
                "NUM_AUTH_SERVERS",
                "NUM_REQUESTS",
                "NUM_HITS",
                "NUM_MISSES",
                "NUM_WAITS",
                "WAIT_TIME",
                "CLIENT_REQ_TIMEOUTS",
                "NUM_AUTHENTICATIONS",
                "NUM_PURGED",
                "HISTORIC_MAX",
            ),
        ),
        lambda ctx: _server(ctx).cpool_stats(),
    ),
    "V$CPOOL_CC_STATS": ViewDef(
        _numbers_but(
            ("CCLASS_NAME",),
            (
                "CCLASS_NAME",
                "NUM_REQUESTS",
                "NUM_HITS",
                "NUM_MISSES",
                "NUM_WAITS",
                "WAIT_TIME",
                "CLIENT_REQ_TIMEOUTS",
                "NUM_AUTHENTICATIONS",
                "CON_ID",
            ),
        ),
        lambda ctx: _server(ctx).cpool_cc_stats(),
    ),
    "V$CPOOL_CONN_INFO": ViewDef(
        tuple(
            (c, _NUM if c in ("CONNECTION_ADDRESS_NUM", "CON_ID") else _STR)
            for c in (
                "CMON_ADDR",
                "SUBNET_ADDR",
                "USERNAME",
                "CCLASS_NAME",
                "PURITY",
                "TAG",
                "SERVICE",
                "PROGRAM",
                "MACHINE",
                "TERMINAL",
                "CONNECTION_MODE",
                "CONNECTION_STATUS",
                "CLIENT_REGID",
                "CON_ID",
            )
        ),
        lambda ctx: _server(ctx).cpool_conn_info(),
    ),
    "V$SESSION": ViewDef(
        tuple(
            (c, _NUM if c in ("SID", "SERIAL#", "CON_ID") else _STR)
            for c in (
                "SID",
                "SERIAL#",
                "USERNAME",
                "SCHEMANAME",
                "STATUS",
                "SERVER",
                "PROGRAM",
                "MACHINE",
                "CLIENT_IDENTIFIER",
                "MODULE",
                "ACTION",
                "CLIENT_INFO",
                "SERVICE_NAME",
                "TYPE",
                "CON_ID",
            )
        ),
        lambda ctx: _server(ctx).sessions(),
    ),
    "V$VERSION": ViewDef(
        (("BANNER", _STR), ("BANNER_FULL", _STR), ("BANNER_LEGACY", _STR), ("CON_ID", _NUM)),
        _version_rows,
    ),
    "PRODUCT_COMPONENT_VERSION": ViewDef(
        (("PRODUCT", _STR), ("VERSION", _STR), ("VERSION_FULL", _STR), ("STATUS", _STR)),
        _pcv_rows,
    ),
}
VIEWS["GV$SESSION"] = VIEWS["V$SESSION"]


def _cpool_info(ctx: ExecutionContext) -> list[dict[str, Any]]:
    server = ctx.server
    return server.cpool_info() if isinstance(server, ServerAdmin) else []


# Oracle Database Reference, DBA_CPOOL_INFO (19c columns; MAX_TXN_THINK_TIME since 12.2).
VIEWS["DBA_CPOOL_INFO"] = ViewDef(
    _numbers_but(
        ("CONNECTION_POOL", "STATUS"),
        (
            "CONNECTION_POOL",
            "STATUS",
            *_POOL_PARAMETERS,
            "NUM_CBROK",
            "MAXCONN_CBROK",
            "MAX_TXN_THINK_TIME",
            "CON_ID",
        ),
    ),
    _cpool_info,
)

_TRIGGER_COLUMNS = (
    "TRIGGER_NAME",
    "TRIGGER_TYPE",
    "TRIGGERING_EVENT",
    "TABLE_OWNER",
    "BASE_OBJECT_TYPE",
    "TABLE_NAME",
    "COLUMN_NAME",
    "REFERENCING_NAMES",
    "WHEN_CLAUSE",
    "STATUS",
    "DESCRIPTION",
    "ACTION_TYPE",
    "TRIGGER_BODY",
)


def _user_triggers(ctx: ExecutionContext) -> list[dict[str, Any]]:
    owner = ctx.session.username
    return [
        {k: v for k, v in row.items() if k != "OWNER"}
        for row in _server(ctx).triggers()
        if row["OWNER"] == owner
    ]


def _all_triggers(ctx: ExecutionContext) -> list[dict[str, Any]]:
    """The user's own triggers and those on its schema (CREATE ANY TRIGGER is not modelled)."""
    user = ctx.session.username
    return [r for r in _server(ctx).triggers() if user in (r["OWNER"], r["TABLE_OWNER"])]


def _trigger_type(column: str) -> OraType:
    if column == "TRIGGER_BODY":
        return OraType("LONG")
    return OraType("VARCHAR2", length=4000) if column == "DESCRIPTION" else _STR


VIEWS["USER_TRIGGERS"] = ViewDef(tuple((c, _trigger_type(c)) for c in _TRIGGER_COLUMNS), _user_triggers)
VIEWS["ALL_TRIGGERS"] = ViewDef(
    tuple((c, _trigger_type(c)) for c in ("OWNER", *_TRIGGER_COLUMNS)), _all_triggers
)


def materialize(conn: sqlite3.Connection, name: str, ctx: ExecutionContext) -> None:
    """(Re)create TEMP table ``name`` holding the view's current rows; ORA-00942 for a user the server
    does not let read it (the V$ synonym resolves to a SYS view it has no grant on)."""
    if not _server(ctx).may_read(ctx.session.username, name):
        raise OracleError(942, "table or view does not exist")
    view = VIEWS[name]
    cols = [c for c, _ in view.columns]
    rows = view.rows(ctx)
    # Columns the server reports beyond our list are kept too, so they are selectable.
    for row in rows:
        for key in row:
            if key.upper() not in cols:
                cols.append(key.upper())
    quoted = ", ".join(f'"{c}" {_affinity(view, c)}' for c in cols)
    conn.execute(f'DROP TABLE IF EXISTS temp."{name}"')
    conn.execute(f'CREATE TEMP TABLE "{name}" ({quoted})')
    if rows:
        marks = ", ".join("?" for _ in cols)
        data = [tuple(_norm({k.upper(): v for k, v in r.items()}.get(c)) for c in cols) for r in rows]
        conn.executemany(f'INSERT INTO temp."{name}" VALUES ({marks})', data)


def _norm(value: object) -> object:
    return value if value is None or isinstance(value, int | float | str | bytes) else str(value)


def _affinity(view: ViewDef, col: str) -> str:
    for c, t in view.columns:
        if c == col:
            return t.affinity
    return ""


def column_types(name: str) -> dict[str, OraType]:
    return dict(VIEWS[name].columns)


# SYS_CONTEXT('USERENV', key): key -> getter on the session.
_USERENV: dict[str, Callable[[SessionState], object]] = {
    "SID": lambda s: s.sid,
    "SESSIONID": lambda s: s.sid,
    "SESSION_USER": lambda s: s.username,
    "CURRENT_USER": lambda s: s.username,
    "CURRENT_SCHEMA": lambda s: s.current_schema,
    "AUTHENTICATED_IDENTITY": lambda s: s.username,
    "SERVICE_NAME": lambda s: s.service_name,
    "DB_NAME": lambda s: s.service_name,
    "CON_NAME": lambda s: s.con_name,
    "CLIENT_IDENTIFIER": lambda s: s.client_identifier,
    "MODULE": lambda s: s.module,
    "ACTION": lambda s: s.action,
    "CLIENT_INFO": lambda s: s.client_info,
    "CLIENT_PROGRAM_NAME": lambda s: s.program,
    "HOST": lambda s: s.machine,
    "TERMINAL": lambda s: s.machine,
    "NLS_TERRITORY": lambda s: s.nls.get("NLS_TERRITORY"),
    "NLS_DATE_FORMAT": lambda s: s.nls.get("NLS_DATE_FORMAT"),
    "LANGUAGE": lambda s: "AMERICAN_" + s.nls.get("NLS_TERRITORY", "AMERICA") + ".AL32UTF8",
    "ISDBA": lambda s: "FALSE",
    "INSTANCE": lambda s: 1,
    "CON_ID": lambda s: s.con_id,
    "DRCP_CONNECTION_CLASS": lambda s: s.cclass,
    "DRCP_PURITY": lambda s: s.purity,
    # Set only on Autonomous Database (the workload type); NULL on any other database (SQL Language
    # Reference, SYS_CONTEXT, USERENV parameters). python-oracledb's own test suite asks for it.
    "CLOUD_SERVICE": lambda s: None,
}


def sys_context(session: SessionState, namespace: object, key: object) -> object:
    if namespace is None or key is None:
        return None
    ns, k = str(namespace).upper(), str(key).upper()
    if ns == "USERENV":
        getter = _USERENV.get(k)
        if getter is None:
            # Oracle: ORA-02003 invalid USERENV parameter.
            raise ValueError(f"ORA-02003: invalid USERENV parameter: {k}")
        value = getter(session)
        return None if value is None else str(value)  # SYS_CONTEXT returns VARCHAR2
    return session.contexts.get((ns, k))


# NLS_DATABASE_PARAMETERS: the database's permanent NLS settings (Database Reference,
# NLS_DATABASE_PARAMETERS), as an Oracle Database 23ai Free created with its defaults reports them.
_NLS_DATABASE = (
    ("NLS_RDBMS_VERSION", "23.0.0.0.0"),
    ("NLS_NCHAR_CONV_EXCP", "FALSE"),
    ("NLS_LENGTH_SEMANTICS", "BYTE"),
    ("NLS_COMP", "BINARY"),
    ("NLS_DUAL_CURRENCY", "$"),
    ("NLS_TIMESTAMP_TZ_FORMAT", "DD-MON-RR HH.MI.SSXFF AM TZR"),
    ("NLS_TIME_TZ_FORMAT", "HH.MI.SSXFF AM TZR"),
    ("NLS_TIMESTAMP_FORMAT", "DD-MON-RR HH.MI.SSXFF AM"),
    ("NLS_TIME_FORMAT", "HH.MI.SSXFF AM"),
    ("NLS_SORT", "BINARY"),
    ("NLS_DATE_LANGUAGE", "AMERICAN"),
    ("NLS_DATE_FORMAT", "DD-MON-RR"),
    ("NLS_CALENDAR", "GREGORIAN"),
    ("NLS_NUMERIC_CHARACTERS", ".,"),
    ("NLS_NCHAR_CHARACTERSET", "AL16UTF16"),
    ("NLS_CHARACTERSET", "AL32UTF8"),
    ("NLS_ISO_CURRENCY", "AMERICA"),
    ("NLS_CURRENCY", "$"),
    ("NLS_TERRITORY", "AMERICA"),
    ("NLS_LANGUAGE", "AMERICAN"),
)
VIEWS["NLS_DATABASE_PARAMETERS"] = ViewDef(
    (("PARAMETER", _STR), ("VALUE", _STR)),
    lambda ctx: [{"PARAMETER": p, "VALUE": v} for p, v in _NLS_DATABASE],
)

# More USERENV parameters, as an Oracle Database 23ai Free instance answers them (SQL Language Reference,
# SYS_CONTEXT, "Predefined Parameters of Namespace USERENV"): no proxy (NULL), the default edition.
_USERENV.update(
    {
        "PROXY_USER": lambda s: None,
        "CURRENT_EDITION_NAME": lambda s: "ORA$BASE",
        "INSTANCE_NAME": lambda s: "FREE",
        "DB_UNIQUE_NAME": lambda s: "FREE",
    }
)
