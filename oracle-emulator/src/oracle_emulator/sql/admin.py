"""Operator statements that act on the instance rather than on a schema.

* ``ALTER SYSTEM KILL SESSION 'sid,serial#[,@inst]' [IMMEDIATE | NOREPLAY]`` (Database Administrator's
  Guide, *Managing Processes → Terminating Sessions*): ORA-00026 for a malformed session id, ORA-00030
  when no such session exists (the server's answer);
* ``ALTER SYSTEM SET DRCP_DEDICATED_OPT = YES | NO`` (Oracle Database Reference, *DRCP_DEDICATED_OPT*:
  modifiable with ALTER SYSTEM);
* ``GRANT`` / ``REVOKE EXECUTE ON [SYS.]DBMS_CONNECTION_POOL TO | FROM user``: who may run the package.

The server is reached through :class:`~oracle_emulator.results.ServerAdmin`; an engine run without
one answers ORA-01031. Every value taken from the text is matched by a strict pattern first.
"""

from __future__ import annotations

import re

from ..results import ExecutionContext, OracleError, ServerAdmin

_KILL = re.compile(r"\s*ALTER\s+SYSTEM\s+KILL\s+SESSION\s+'([^']*)'\s*(IMMEDIATE|NOREPLAY)?\s*;?\s*", re.I)
_SESSION_ID = re.compile(r"\s*(\d{1,9})\s*,\s*(\d{1,9})\s*(?:,\s*@\d{1,4}\s*)?")
_SET = re.compile(
    r"\s*ALTER\s+SYSTEM\s+SET\s+([A-Za-z][A-Za-z0-9_]{0,63})\s*=\s*'?([A-Za-z0-9_]{1,64})'?"
    r"(?:\s+SCOPE\s*=\s*(?:MEMORY|SPFILE|BOTH))?\s*;?\s*",
    re.I,
)
_POOL_GRANT = re.compile(
    r"\s*(GRANT|REVOKE)\s+EXECUTE\s+ON\s+(?:SYS\s*\.\s*)?DBMS_CONNECTION_POOL\s+(TO|FROM)\s+"
    r"([A-Za-z][A-Za-z0-9_$#]{0,127})\s*;?\s*",
    re.I,
)


def admin(ctx: ExecutionContext) -> ServerAdmin:
    server = ctx.server
    if not isinstance(server, ServerAdmin):
        raise OracleError(1031, "insufficient privileges")
    return server


def is_kill_session(sql: str) -> bool:
    return re.match(r"\s*ALTER\s+SYSTEM\s+KILL\s+SESSION\b", sql, re.I) is not None


def kill_session(ctx: ExecutionContext, sql: str) -> None:
    match = _KILL.fullmatch(sql)
    ident = _SESSION_ID.fullmatch(match.group(1)) if match else None
    if match is None or ident is None:
        raise OracleError(26, "missing or invalid session ID")
    immediate = (match.group(2) or "").upper() == "IMMEDIATE"
    admin(ctx).kill_session(int(ident.group(1)), int(ident.group(2)), immediate)


def is_set_parameter(sql: str) -> bool:
    """ALTER SYSTEM SET of a parameter the server models (others stay ORA-00900, as before)."""
    return re.match(r"\s*ALTER\s+SYSTEM\s+SET\s+DRCP_DEDICATED_OPT\b", sql, re.I) is not None


def set_parameter(ctx: ExecutionContext, sql: str) -> None:
    """``ALTER SYSTEM SET name = value [SCOPE = …]`` for the instance parameters the server models."""
    match = _SET.fullmatch(sql)
    if match is None:
        raise OracleError(922, "missing or invalid option")
    admin(ctx).set_parameter(match.group(1), match.group(2))


def pool_grant(ctx: ExecutionContext, sql: str) -> bool:
    """Handle GRANT/REVOKE EXECUTE ON DBMS_CONNECTION_POOL; False for any other GRANT/REVOKE."""
    match = _POOL_GRANT.fullmatch(sql)
    if match is None:
        return False
    admin(ctx).grant_pool_admin(match.group(3), match.group(1).upper() == "GRANT")
    return True
