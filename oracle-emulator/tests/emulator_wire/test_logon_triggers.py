"""AFTER LOGON triggers fire when a session is created, never when a pooled session is reused.

Oracle, DRCP administration: "LOGON triggers fire for each authentication and each new session
creation"; a SELF checkout of a cached session of the class is neither.
"""

from __future__ import annotations

from collections.abc import Iterator

import oracledb
import pytest

from oracle_emulator import EmulatorServer

from .conftest import PASSWORD, USER, wait_until

pytest.importorskip("oracle_emulator.sql")

SETUP = (
    "CREATE OR REPLACE TRIGGER DRCP_MULTI_SESSION_SETUP AFTER LOGON ON SCHEMA BEGIN "
    "EXECUTE IMMEDIATE 'ALTER SESSION SET NLS_TERRITORY = ''AMERICA'''; "
    "EXECUTE IMMEDIATE 'ALTER SESSION SET NLS_DATE_FORMAT = ''YYYY-MM-DD HH24:MI:SS'' "
    "NLS_TIMESTAMP_FORMAT = ''YYYY-MM-DD HH24:MI:SS.FF'' TIME_ZONE = ''UTC'''; END;"
)
BODY = SETUP[SETUP.index("BEGIN") :]
READ = "SELECT status, trigger_body FROM user_triggers WHERE trigger_name = 'DRCP_MULTI_SESSION_SETUP'"
DATE_FORMAT = "SELECT SYS_CONTEXT('USERENV','NLS_DATE_FORMAT') FROM DUAL"


@pytest.fixture
def srv() -> Iterator[EmulatorServer]:
    with EmulatorServer(users={USER: PASSWORD, "other": PASSWORD}, max_pooled_servers=2) as server:
        yield server


def _install(srv: EmulatorServer, sql: str = SETUP) -> None:
    with oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn) as conn:
        conn.cursor().execute(sql)


def _pooled(
    srv: EmulatorServer, cclass: str, purity: oracledb.Purity = oracledb.PURITY_SELF, user: str = USER
) -> oracledb.Connection:
    return oracledb.connect(
        user=user, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass=cclass, purity=purity
    )


def _trigger_runs(srv: EmulatorServer) -> list[tuple[int, str | None]]:
    srv.wait_idle()
    return [(r.sid, r.cclass) for r in srv.statements() if r.trigger == "APP.DRCP_MULTI_SESSION_SETUP"]


def test_the_trigger_is_in_user_triggers_as_the_lead_reads_it(srv: EmulatorServer) -> None:
    _install(srv)
    with oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn) as conn:
        cur = conn.cursor()
        assert cur.execute(READ).fetchall() == [("ENABLED", BODY)]
        cur.execute("SELECT trigger_type, triggering_event, base_object_type, table_owner FROM user_triggers")
        assert cur.fetchall() == [("AFTER EVENT", "LOGON ", "SCHEMA", "APP")]
        cur.execute("ALTER TRIGGER drcp_multi_session_setup DISABLE")
        assert cur.execute(READ).fetchone()[0] == "DISABLED"
        cur.execute("ALTER TRIGGER drcp_multi_session_setup ENABLE")
        assert cur.execute(READ).fetchone()[0] == "ENABLED"
        cur.execute("SELECT owner, trigger_name FROM all_triggers")
        assert cur.fetchall() == [("APP", "DRCP_MULTI_SESSION_SETUP")]
    with oracledb.connect(user="other", password=PASSWORD, dsn=srv.dsn) as conn:
        assert conn.cursor().execute(READ).fetchall() == []  # USER_TRIGGERS is per owner


def test_create_without_replace_drop_and_alter_fail_as_oracle_does(srv: EmulatorServer) -> None:
    _install(srv)
    with oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn) as conn:
        cur = conn.cursor()
        with pytest.raises(oracledb.DatabaseError, match="ORA-04081"):
            cur.execute(SETUP.replace("CREATE OR REPLACE", "CREATE"))
        cur.execute("DROP TRIGGER drcp_multi_session_setup")
        assert cur.execute(READ).fetchall() == []
        with pytest.raises(oracledb.DatabaseError, match="ORA-04080"):
            cur.execute("DROP TRIGGER drcp_multi_session_setup")
        with pytest.raises(oracledb.DatabaseError, match="ORA-04080"):
            cur.execute("ALTER TRIGGER drcp_multi_session_setup ENABLE")


def test_fires_on_every_new_session_and_never_on_self_reuse(srv: EmulatorServer) -> None:
    _install(srv)
    srv.reset_stats()
    a = _pooled(srv, "A")
    assert a.cursor().execute(DATE_FORMAT).fetchone() == ("YYYY-MM-DD HH24:MI:SS",)
    first_sid = a.session_id
    a.close()
    wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 1)
    assert _trigger_runs(srv) == [(first_sid, "A")]

    b = _pooled(srv, "A")  # SELF, same class: the cached session, set up already
    assert b.cursor().execute(DATE_FORMAT).fetchone() == ("YYYY-MM-DD HH24:MI:SS",)
    assert b.session_id == first_sid
    b.close()
    srv.wait_idle()
    assert _trigger_runs(srv) == [(first_sid, "A")]
    client_statements = [r for r in srv.statements() if r.trigger is None]
    assert [r.sql for r in client_statements] == [DATE_FORMAT, DATE_FORMAT]


def test_fires_for_purity_new_and_for_a_session_made_for_another_class(srv: EmulatorServer) -> None:
    _install(srv)
    srv.reset_stats()
    holders = [_pooled(srv, "A"), _pooled(srv, "B")]  # both pooled servers in use
    for conn in holders:
        conn.ping()
    for conn in holders:
        conn.close()
    srv.wait_idle()
    c = _pooled(srv, "C")  # the pool is full: a free server of another class is reclaimed
    c.ping()
    c.close()
    n = _pooled(srv, "C", purity=oracledb.PURITY_NEW)  # NEW: a fresh session on C's server
    n.ping()
    n.close()
    srv.wait_idle()
    assert [cclass for _sid, cclass in _trigger_runs(srv)] == ["A", "B", "C", "C"]
    assert srv.stats()["classes"]["APP.C"]["num_misses"] == 2


def test_fires_on_a_dedicated_login_and_only_for_its_schema(srv: EmulatorServer) -> None:
    _install(srv)
    srv.reset_stats()
    with oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn) as conn:
        assert conn.cursor().execute(DATE_FORMAT).fetchone() == ("YYYY-MM-DD HH24:MI:SS",)
        sid = conn.session_id
    with oracledb.connect(user="other", password=PASSWORD, dsn=srv.dsn) as conn:
        assert conn.cursor().execute(DATE_FORMAT).fetchone() == ("DD-MON-RR",)
    assert [r.sid for r in srv.statements() if r.trigger] == [sid]
    (record,) = [r for r in srv.statements() if r.trigger]
    assert record.sql == BODY and record.session_kind == "dedicated"


def test_on_database_and_on_user_schema_and_disabled(srv: EmulatorServer) -> None:
    _install(srv, "CREATE TRIGGER every_logon AFTER LOGON ON DATABASE BEGIN NULL; END;")
    _install(srv, "CREATE TRIGGER app.for_other AFTER LOGON ON other.SCHEMA BEGIN NULL; END;")
    _install(srv, "CREATE TRIGGER off AFTER LOGON ON SCHEMA DISABLE BEGIN NULL; END;")
    srv.reset_stats()
    with oracledb.connect(user="other", password=PASSWORD, dsn=srv.dsn) as conn:
        conn.ping()
    with oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn) as conn:
        conn.ping()
    runs = [(r.username, r.trigger) for r in srv.statements() if r.trigger]
    assert runs == [("OTHER", "APP.EVERY_LOGON"), ("OTHER", "APP.FOR_OTHER"), ("APP", "APP.EVERY_LOGON")]


def test_a_failing_trigger_fails_the_logon_with_ora_04088(srv: EmulatorServer) -> None:
    _install(srv, "CREATE TRIGGER broken AFTER LOGON ON SCHEMA BEGIN EXECUTE IMMEDIATE 'SELEC'; END;")
    with pytest.raises(oracledb.DatabaseError, match="ORA-04088"):
        oracledb.connect(user=USER, password=PASSWORD, dsn=srv.dsn)
    # A DRCP login attaches a pooled server, whose new session fires the trigger: the login fails too.
    with pytest.raises(oracledb.DatabaseError, match="ORA-04088"):
        _pooled(srv, "A")
    srv.wait_idle()
    assert srv.stats()["pooled_servers"]["busy"] == 0
    assert srv.stats()["client_connections"]["open"] == 0
