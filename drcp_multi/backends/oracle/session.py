"""Django's Oracle session set-up, as one PL/SQL block per checkout or as a logon trigger.

Django's Oracle backend runs two ``ALTER SESSION`` statements on every new connection (territory first,
since it resets the formats; then the date and timestamp formats, and the time zone with ``USE_TZ``).
Behind DRCP the server session can change after every release, so without help each checkout must repeat
them: one round trip, as one block. Oracle fires ``AFTER LOGON`` triggers "for every authentication and
every time a new session is created in DRCP" (Oracle Database Administrator's Guide, "Database Resident
Connection Pooling and LOGON/LOGOFF Triggers"), not when a pooled session is reused. A session of our
class that the trigger set up when it was created keeps that state under purity SELF, so with the trigger
installed a checkout needs no set-up round trip at all.
"""

from __future__ import annotations

import re

from drcp_multi.validation import validate_namespace

TRIGGER_NAME = "DRCP_MULTI_SESSION_SETUP"

#: The trigger's state as USER_TRIGGERS shows it (one round trip; Oracle Database Reference, USER_TRIGGERS).
TRIGGER_STATE_SQL = "SELECT status, trigger_body FROM user_triggers WHERE trigger_name = %s"  # Django style

TriggerState = str  # "installed", "missing", "disabled", "outdated"


def _plsql_literal(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


def session_setup_sql(use_tz: bool) -> str:
    """Django's two ``ALTER SESSION`` statements (territory first: it resets the formats) as one block."""
    formats = (
        "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'"
        " NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF'" + (" TIME_ZONE = 'UTC'" if use_tz else "")
    )
    territory = "ALTER SESSION SET NLS_TERRITORY = 'AMERICA'"
    return (
        f"BEGIN EXECUTE IMMEDIATE {_plsql_literal(territory)}; "
        f"EXECUTE IMMEDIATE {_plsql_literal(formats)}; END;"
    )


def trigger_ddl(use_tz: bool) -> str:
    """The ``CREATE OR REPLACE TRIGGER`` that applies :func:`session_setup_sql` to every new session of the
    connecting user (``ON SCHEMA``: logons of the trigger's owner only)."""
    return f"CREATE OR REPLACE TRIGGER {TRIGGER_NAME} AFTER LOGON ON SCHEMA {session_setup_sql(use_tz)}"


DROP_TRIGGER_SQL = f"DROP TRIGGER {TRIGGER_NAME}"


def _normalized(body: str) -> str:
    return re.sub(r"\s+", " ", body).strip().rstrip(";").strip().upper()


def trigger_state(row: tuple[object, object] | None, use_tz: bool) -> TriggerState:
    """Judge a USER_TRIGGERS row (status, body) against what this project's settings need."""
    if row is None:
        return "missing"
    status, body = row
    if str(status).upper() != "ENABLED":
        return "disabled"
    if _normalized(str(body or "")) != _normalized(session_setup_sql(use_tz)):
        return "outdated"
    return "installed"


# Statements after which a session may carry state of its own (package variables, application contexts,
# ALTER SESSION settings, roles): a "shared_class" request that ran one resets the session before release.
_STATEFUL = re.compile(r"\s*(?:BEGIN|DECLARE|CALL|EXEC(?:UTE)?|ALTER\s+SESSION|SET\s+ROLE)\b", re.IGNORECASE)


def may_leave_session_state(sql: str) -> bool:
    """Whether ``sql`` (a statement a request runs) can leave state on the server session."""
    return _STATEFUL.match(sql) is not None


def session_reset_sql(namespaces: tuple[str, ...]) -> str:
    """The block that clears what a tenant may have left on a shared-class session: package state
    (``DBMS_SESSION.RESET_PACKAGE``), the given application context namespaces
    (``DBMS_SESSION.CLEAR_ALL_CONTEXT``), each validated first (PL/SQL Packages and Types Reference,
    DBMS_SESSION), and ``CLIENT_INFO`` (``DBMS_APPLICATION_INFO.SET_CLIENT_INFO``), which any statement
    may set and no checkout stamps."""
    clears = "".join(f" DBMS_SESSION.CLEAR_ALL_CONTEXT('{validate_namespace(ns)}');" for ns in namespaces)
    return f"BEGIN DBMS_SESSION.RESET_PACKAGE;{clears} DBMS_APPLICATION_INFO.SET_CLIENT_INFO(NULL); END;"
