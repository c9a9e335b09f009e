"""The wire layer together with the real SQL engine (``oracle_emulator.sql``)."""

from __future__ import annotations

from collections.abc import Iterator

import oracledb
import pytest

from oracle_emulator import EmulatorServer

from .conftest import PASSWORD, USER, wait_until

pytest.importorskip("oracle_emulator.sql")


@pytest.fixture
def real() -> Iterator[EmulatorServer]:
    # The user reads the V$ views here, which takes the grant a DBA would give a monitoring user.
    with EmulatorServer(users={USER: PASSWORD}, grants={USER: ["SELECT_CATALOG_ROLE"]}) as srv:
        yield srv


def test_views_and_sys_context_over_drcp(real: EmulatorServer) -> None:
    conn = oracledb.connect(user=USER, password=PASSWORD, dsn=real.dsn + ":pooled", cclass="VIEW")
    conn.client_identifier = "tenant-a"
    conn.module = "mod"
    cur = conn.cursor()
    cur.execute(
        "SELECT SYS_CONTEXT('USERENV','SID'), SYS_CONTEXT('USERENV','CLIENT_IDENTIFIER'),"
        " SYS_CONTEXT('USERENV','MODULE'), SYS_CONTEXT('USERENV','SERVICE_NAME') FROM DUAL"
    )
    sid, cid, module, service = cur.fetchone()
    assert (int(sid), cid, module, service) == (conn.session_id, "tenant-a", "mod", "FREEPDB1")
    cur.execute("SELECT CCLASS_NAME, NUM_REQUESTS, NUM_HITS, NUM_MISSES FROM V$CPOOL_CC_STATS")
    assert cur.fetchall() == [("APP.VIEW", 1, 0, 1)]
    cur.execute("SELECT USERNAME, CCLASS_NAME, PURITY FROM V$CPOOL_CONN_INFO")
    assert cur.fetchall() == [("APP", "APP.VIEW", "NEW")]  # standalone DRCP default
    cur.execute("SELECT SID, USERNAME, CLIENT_IDENTIFIER FROM V$SESSION")
    assert cur.fetchall() == [(conn.session_id, "APP", "tenant-a")]
    conn.close()


def test_nls_state_survives_self_release_only(real: EmulatorServer) -> None:
    dsn = real.dsn + ":pooled"
    self_ = oracledb.PURITY_SELF
    a = oracledb.connect(user=USER, password=PASSWORD, dsn=dsn, cclass="NLS", purity=self_)
    a.cursor().execute("ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY'")
    a.close()
    wait_until(lambda: real.stats()["pooled_servers"]["free"] == 1)
    b = oracledb.connect(user=USER, password=PASSWORD, dsn=dsn, cclass="NLS", purity=self_)
    tz = b.cursor().execute("SELECT SYS_CONTEXT('USERENV','NLS_DATE_FORMAT') FROM DUAL").fetchone()[0]
    assert tz == "YYYY"
    b.close()
    wait_until(lambda: real.stats()["pooled_servers"]["free"] == 1)
    c = oracledb.connect(user=USER, password=PASSWORD, dsn=dsn, cclass="NLS", purity=oracledb.PURITY_NEW)
    tz = c.cursor().execute("SELECT SYS_CONTEXT('USERENV','NLS_DATE_FORMAT') FROM DUAL").fetchone()[0]
    assert tz != "YYYY"
    c.close()


def test_plsql_context_and_savepoints(real: EmulatorServer) -> None:
    with oracledb.connect(user=USER, password=PASSWORD, dsn=real.dsn) as conn:
        cur = conn.cursor()
        cur.execute(
            "BEGIN DBMS_SESSION.SET_IDENTIFIER(:cid); DBMS_APPLICATION_INFO.SET_MODULE(:m, :a); END;",
            cid="who",
            m="mod2",
            a="act2",
        )
        cur.execute(
            "SELECT SYS_CONTEXT('USERENV','CLIENT_IDENTIFIER'), SYS_CONTEXT('USERENV','ACTION') FROM DUAL"
        )
        assert cur.fetchone() == ("who", "act2")
        cur.execute("SAVEPOINT s1")
        cur.execute("ROLLBACK TO SAVEPOINT s1")
        with pytest.raises(oracledb.DatabaseError) as info:
            cur.execute("SELECT * FROM no_such_table")
        assert info.value.args[0].code == 942


def test_create_user_through_sql_can_log_in(real: EmulatorServer) -> None:
    with oracledb.connect(user=USER, password=PASSWORD, dsn=real.dsn) as conn:
        conn.cursor().execute('CREATE USER tenant_x IDENTIFIED BY "pw_x"')  # as Django does
    with oracledb.connect(user="tenant_x", password="pw_x", dsn=real.dsn + ":pooled", cclass="TX") as conn:
        assert conn.cursor().execute("SELECT 1 FROM DUAL").fetchall() == [(1,)]
    real.drop_user("tenant_x")
    with pytest.raises(oracledb.DatabaseError) as info:
        oracledb.connect(user="tenant_x", password="pw_x", dsn=real.dsn)
    assert info.value.args[0].code == 1017
