"""DBMS_CONNECTION_POOL and DBA_CPOOL_INFO as an operator's script uses them, through the real driver
and the real SQL engine."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import oracledb
import pytest

from oracle_emulator import EmulatorServer

from .conftest import PASSWORD, USER, wait_until

pytest.importorskip("oracle_emulator.sql")

POOL = "SYS_DEFAULT_CONNECTION_POOL"
INFO = (
    "SELECT CONNECTION_POOL, STATUS, MINSIZE, MAXSIZE, INCRSIZE, SESSION_CACHED_CURSORS, INACTIVITY_TIMEOUT,"
    " MAX_THINK_TIME, MAX_USE_SESSION, MAX_LIFETIME_SESSION FROM DBA_CPOOL_INFO"
)


@pytest.fixture
def srv() -> Iterator[EmulatorServer]:
    with EmulatorServer(
        users={USER: PASSWORD, "sys": "syspw", "ops": "opspw"}, pool_admins=["ops"]
    ) as server:
        yield server


def connect(srv: EmulatorServer, user: str = "sys", password: str = "syspw") -> oracledb.Connection:
    return oracledb.connect(user=user, password=password, dsn=srv.dsn)


def info(conn: oracledb.Connection) -> tuple[object, ...]:
    row = conn.cursor().execute(INFO).fetchone()
    assert row is not None
    return tuple(row)


def test_dba_cpool_info_shows_the_defaults(srv: EmulatorServer) -> None:
    with connect(srv) as conn:
        assert info(conn) == (POOL, "ACTIVE", 4, 40, 2, 20, 300, 120, 500000, 86400)


def test_configure_pool_and_alter_param_change_the_pool(srv: EmulatorServer) -> None:
    with connect(srv) as conn:
        cur = conn.cursor()
        cur.callproc(
            "DBMS_CONNECTION_POOL.CONFIGURE_POOL",
            keyword_parameters={
                "pool_name": POOL,
                "minsize": 1,
                "maxsize": 3,
                "incrsize": 1,
                "session_cached_cursors": 50,
                "inactivity_timeout": 60,
                "max_think_time": 30,
                "max_use_session": 1000,
                "max_lifetime_session": 3600,
            },
        )
        assert info(conn) == (POOL, "ACTIVE", 1, 3, 1, 50, 60, 30, 1000, 3600)
        assert srv.stats()["pooled_servers"]["max"] == 3
        cur.callproc("DBMS_CONNECTION_POOL.ALTER_PARAM", [POOL, "MAX_THINK_TIME", "90"])
        cur.execute(
            "BEGIN DBMS_CONNECTION_POOL.ALTER_PARAM(param_name => 'MAXSIZE', param_value => '5'); END;"
        )
        assert info(conn)[3] == 5 and info(conn)[7] == 90
        assert srv.broker.params.max_think_time == 90
        cur.callproc("DBMS_CONNECTION_POOL.RESTORE_DEFAULTS")
        assert info(conn) == (POOL, "ACTIVE", 4, 40, 2, 20, 300, 120, 500000, 86400)


def test_maxsize_bounds_the_pooled_servers(srv: EmulatorServer) -> None:
    with connect(srv) as admin:
        admin.cursor().callproc("DBMS_CONNECTION_POOL.ALTER_PARAM", [POOL, "MINSIZE", "1"])
        admin.cursor().callproc("DBMS_CONNECTION_POOL.ALTER_PARAM", [POOL, "MAXSIZE", "1"])
        dsn = srv.dsn + ":pooled"
        first = oracledb.connect(user=USER, password=PASSWORD, dsn=dsn, cclass="A")
        first.cursor().execute("SELECT 1 FROM DUAL")
        logins: list[oracledb.Connection] = []
        # The second login queues at the broker: the only pooled server is attached to the first.
        waiter = threading.Thread(
            target=lambda: logins.append(oracledb.connect(user=USER, password=PASSWORD, dsn=dsn, cclass="B"))
        )
        waiter.start()
        wait_until(lambda: srv.stats()["classes"].get("APP.B", {}).get("num_waits") == 1)
        # A larger MAXSIZE lets the queued request in without waiting for a release.
        admin.cursor().callproc("DBMS_CONNECTION_POOL.ALTER_PARAM", [POOL, "MAXSIZE", "2"])
        waiter.join(10)
        assert len(logins) == 1
        second = logins[0]
        second.cursor().execute("SELECT 1 FROM DUAL")
        assert srv.stats()["pooled_servers"] == {
            "created": 2,
            "busy": 2,
            "held_since_login": 2,
            "free": 0,
            "max": 2,
        }
        first.close()
        second.close()


def test_errors_the_package_documents(srv: EmulatorServer) -> None:
    with connect(srv) as conn:
        cur = conn.cursor()
        with pytest.raises(oracledb.DatabaseError, match="ORA-56500"):
            cur.callproc("DBMS_CONNECTION_POOL.START_POOL", ["NO_SUCH_POOL"])
        with pytest.raises(oracledb.DatabaseError, match="ORA-56504"):
            cur.callproc("DBMS_CONNECTION_POOL.ALTER_PARAM", [POOL, "NO_SUCH_PARAM", "1"])
        with pytest.raises(oracledb.DatabaseError, match="ORA-56505"):
            cur.callproc("DBMS_CONNECTION_POOL.ALTER_PARAM", [POOL, "MAXSIZE", "many"])
        with pytest.raises(oracledb.DatabaseError, match="ORA-56505"):
            cur.callproc("DBMS_CONNECTION_POOL.ALTER_PARAM", [POOL, "MINSIZE", "100"])  # above MAXSIZE
        assert info(conn)[2:4] == (4, 40)


def test_only_a_privileged_user_may_run_the_package(srv: EmulatorServer) -> None:
    with connect(srv, USER, PASSWORD) as app:
        with pytest.raises(oracledb.DatabaseError) as failure:
            app.cursor().callproc("DBMS_CONNECTION_POOL.STOP_POOL")
        assert failure.value.args[0].code == 6550
        assert "PLS-00201: identifier 'DBMS_CONNECTION_POOL' must be declared" in str(failure.value)
        assert srv.broker.active
        with connect(srv) as sys_conn:
            sys_conn.cursor().execute("GRANT EXECUTE ON SYS.DBMS_CONNECTION_POOL TO app")
            app.cursor().callproc("DBMS_CONNECTION_POOL.ALTER_PARAM", [POOL, "INCRSIZE", "3"])
            sys_conn.cursor().execute("REVOKE EXECUTE ON DBMS_CONNECTION_POOL FROM app")
        with pytest.raises(oracledb.DatabaseError, match="PLS-00201"):
            app.cursor().callproc("DBMS_CONNECTION_POOL.RESTORE_DEFAULTS")
    with connect(srv, "ops", "opspw") as ops:  # listed in pool_admins at start-up
        assert info(ops)[4] == 3


def test_stop_pool_refuses_drcp_connects_until_start_pool(srv: EmulatorServer) -> None:
    dsn = srv.dsn + ":pooled"
    with connect(srv) as conn:
        idle = oracledb.connect(
            user=USER, password=PASSWORD, dsn=dsn, cclass="S", purity=oracledb.PURITY_SELF
        )
        idle.cursor().execute("SELECT 1 FROM DUAL")
        idle.close()
        wait_until(lambda: srv.stats()["pooled_servers"]["free"] == 1)
        conn.cursor().callproc("DBMS_CONNECTION_POOL.STOP_POOL")
        assert info(conn)[1] == "INACTIVE"
        assert srv.stats()["pooled_servers"]["free"] == 0  # the idle servers are gone
        with pytest.raises(oracledb.Error, match="12520"):
            oracledb.connect(user=USER, password=PASSWORD, dsn=dsn)
        with connect(srv, USER, PASSWORD) as dedicated:  # dedicated servers are not the pool's
            dedicated.cursor().execute("SELECT 1 FROM DUAL")
        conn.cursor().callproc("DBMS_CONNECTION_POOL.START_POOL")
        assert info(conn)[1] == "ACTIVE"
        again = oracledb.connect(user=USER, password=PASSWORD, dsn=dsn)
        assert again.cursor().execute("SELECT 1 FROM DUAL").fetchone() == (1,)
        again.close()


def test_alter_system_set_drcp_dedicated_opt(srv: EmulatorServer) -> None:
    with connect(srv) as conn:
        cur = conn.cursor()
        pool = oracledb.create_pool(
            user=USER, password=PASSWORD, dsn=srv.dsn + ":pooled", cclass="OPT", min=1, max=1
        )
        cur.execute("ALTER SYSTEM SET DRCP_DEDICATED_OPT = YES SCOPE = MEMORY")
        with pool.acquire() as app:
            app.cursor().execute("SELECT 1 FROM DUAL")
        srv.wait_idle()
        assert srv.stats()["pooled_servers"]["free"] == 0  # kept attached to its client
        cur.execute("ALTER SYSTEM SET drcp_dedicated_opt='NO'")
        assert srv.stats()["pooled_servers"]["free"] == 1  # given to the pool
        with pytest.raises(oracledb.DatabaseError, match="ORA-00096"):
            cur.execute("ALTER SYSTEM SET DRCP_DEDICATED_OPT = MAYBE")
        pool.close()
