"""Who may read the V$ views (grants), and what each container shows (CDB$ROOT, the PDB, per-PDB DRCP).

Through the real thin driver and the real SQL engine; the figures compared with the server's own.
"""

from __future__ import annotations

from collections.abc import Iterator

import oracledb
import pytest

from oracle_emulator import EmulatorServer
from oracle_emulator.__main__ import build_parser

from .conftest import wait_until

pytest.importorskip("oracle_emulator.sql")

APP = ("app", "secret")
MON = ("mon", "mon_pw")
ADMIN = ("system", "manager")
GATED = ("V$CPOOL_STATS", "V$CPOOL_CC_STATS", "V$CPOOL_CONN_INFO", "V$SESSION", "GV$SESSION")


def users() -> dict[str, str]:
    return dict([APP, MON, ADMIN])


@pytest.fixture
def cdb() -> Iterator[EmulatorServer]:
    """Oracle's default: one DRCP pool for the whole CDB (ENABLE_PER_PDB_DRCP = FALSE)."""
    with EmulatorServer(users=users(), per_pdb_drcp=False) as srv:
        yield srv


@pytest.fixture
def per_pdb() -> Iterator[EmulatorServer]:
    with EmulatorServer(users=users()) as srv:
        yield srv


def connect(user: tuple[str, str], dsn: str, **kwargs: object) -> oracledb.Connection:
    return oracledb.connect(user=user[0], password=user[1], dsn=dsn, **kwargs)  # type: ignore[arg-type]


def error_code(cursor: oracledb.Cursor, sql: str) -> int:
    with pytest.raises(oracledb.DatabaseError) as info:
        cursor.execute(sql)
    return int(info.value.args[0].code)


def rows(cursor: oracledb.Cursor, sql: str) -> list[tuple[object, ...]]:
    cursor.execute(sql)
    return list(cursor.fetchall())


def drcp_request(srv: EmulatorServer, dsn: str, cclass: str = "WORK") -> None:
    conn = connect(APP, dsn + ":pooled", cclass=cclass, purity=oracledb.PURITY_SELF)
    conn.cursor().execute("SELECT 1 FROM dual").fetchall()
    conn.close()
    srv.wait_idle()


# -- privileges -----------------------------------------------------------------------------------


def test_a_user_without_a_grant_gets_ora_942_on_every_gated_view_but_not_on_sys_context(
    per_pdb: EmulatorServer,
) -> None:
    cur = connect(APP, per_pdb.dsn).cursor()
    for view in GATED:
        assert error_code(cur, f"SELECT COUNT(*) FROM {view}") == 942, view
    assert error_code(cur, "SELECT COUNT(*) FROM sys.v$cpool_cc_stats") == 942
    assert rows(cur, "SELECT SYS_CONTEXT('USERENV', 'CON_NAME') FROM dual") == [("FREEPDB1",)]
    assert rows(cur, "SELECT COUNT(*) FROM user_tables") == [(0,)]  # the user's own dictionary views
    failed = [s for s in per_pdb.statements() if s.error_code == 942]
    assert {s.username for s in failed} == {"APP"} and len(failed) == len(GATED) + 1


def test_select_catalog_role_granted_and_revoked_in_sql(per_pdb: EmulatorServer) -> None:
    admin = connect(ADMIN, per_pdb.dsn).cursor()
    mon = connect(MON, per_pdb.dsn).cursor()
    assert error_code(mon, "SELECT COUNT(*) FROM V$CPOOL_CC_STATS") == 942
    admin.execute("GRANT SELECT_CATALOG_ROLE TO mon")
    drcp_request(per_pdb, per_pdb.dsn)
    assert rows(mon, "SELECT CCLASS_NAME, NUM_REQUESTS FROM V$CPOOL_CC_STATS") == [
        (name, figures["num_requests"]) for name, figures in per_pdb.stats()["classes"].items()
    ]
    assert {r[0] for r in rows(mon, "SELECT USERNAME FROM V$SESSION")} == {"SYSTEM", "MON", "APP"}
    admin.execute("REVOKE SELECT_CATALOG_ROLE FROM mon")
    assert error_code(mon, "SELECT COUNT(*) FROM V$CPOOL_CC_STATS") == 942


def test_select_any_dictionary_and_grants_to_public(per_pdb: EmulatorServer) -> None:
    admin = connect(ADMIN, per_pdb.dsn).cursor()
    app = connect(APP, per_pdb.dsn).cursor()
    admin.execute("GRANT SELECT ANY DICTIONARY TO app")
    assert rows(app, "SELECT COUNT(*) FROM V$CPOOL_STATS") == [(1,)]
    admin.execute("REVOKE SELECT ANY DICTIONARY FROM app")
    assert error_code(app, "SELECT COUNT(*) FROM V$CPOOL_STATS") == 942
    admin.execute("GRANT SELECT ON sys.v_$session TO PUBLIC")
    assert rows(app, "SELECT COUNT(*) FROM V$SESSION") == [(2,)]  # every user holds PUBLIC's grants


def test_an_object_grant_opens_its_view_only(per_pdb: EmulatorServer) -> None:
    admin = connect(ADMIN, per_pdb.dsn).cursor()
    mon = connect(MON, per_pdb.dsn).cursor()
    admin.execute("GRANT SELECT ON SYS.V_$CPOOL_CC_STATS TO mon CONTAINER = ALL")
    assert rows(mon, "SELECT COUNT(*) FROM V$CPOOL_CC_STATS") == [(0,)]
    for view in ("V$CPOOL_STATS", "V$CPOOL_CONN_INFO", "V$SESSION"):
        assert error_code(mon, f"SELECT COUNT(*) FROM {view}") == 942, view


def test_grant_errors_are_oracles(per_pdb: EmulatorServer) -> None:
    admin = connect(ADMIN, per_pdb.dsn).cursor()
    app = connect(APP, per_pdb.dsn).cursor()
    assert error_code(admin, "GRANT SELECT ON V$CPOOL_STATS TO mon") == 2030  # the synonym: refused
    assert error_code(admin, "GRANT SELECT ON V_$CPOOL_STATS TO mon") == 942  # not SYSTEM's object
    assert error_code(admin, "GRANT SELECT_CATALOG_ROLE TO nobody") == 1917
    assert error_code(app, "GRANT SELECT_CATALOG_ROLE TO app") == 1031  # no ADMIN OPTION
    assert error_code(admin, "REVOKE SELECT_CATALOG_ROLE FROM mon") == 1951
    assert error_code(admin, "REVOKE SELECT ANY DICTIONARY FROM mon") == 1952
    assert error_code(admin, "REVOKE SELECT ON sys.v_$session FROM mon") == 1927
    assert error_code(admin, "GRANT SELECT_CATALOG_ROLE TO 'mon'") == 987
    # Privileges nothing checks are accepted as before (Django's test-user creation grants them).
    app.execute("GRANT CREATE SESSION, CREATE TABLE TO app")
    assert error_code(app, "SELECT COUNT(*) FROM V$CPOOL_STATS") == 942


def test_grants_through_the_server_api_survive_a_password_change_not_a_drop(per_pdb: EmulatorServer) -> None:
    per_pdb.grant("mon", "select on v_$cpool_stats")
    per_pdb.add_user("mon", "new_pw")
    cur = connect(("mon", "new_pw"), per_pdb.dsn).cursor()
    assert rows(cur, "SELECT COUNT(*) FROM V$CPOOL_STATS") == [(1,)]
    cur.connection.close()
    per_pdb.drop_user("mon")
    per_pdb.add_user("mon", "new_pw")
    assert error_code(connect(("mon", "new_pw"), per_pdb.dsn).cursor(), "SELECT * FROM V$CPOOL_STATS") == 942
    with pytest.raises(ValueError):
        per_pdb.grant("mon", "DBA")
    with pytest.raises(ValueError):
        EmulatorServer(users=users(), grants={"mon": ["SELECT ON V$SESSION"]})


# -- containers -------------------------------------------------------------------------------------


def test_each_service_reaches_its_container(cdb: EmulatorServer) -> None:
    sql = (
        "SELECT SYS_CONTEXT('USERENV', 'CON_NAME'), SYS_CONTEXT('USERENV', 'CON_ID'),"
        " SYS_CONTEXT('USERENV', 'SERVICE_NAME') FROM dual"
    )
    assert rows(connect(APP, cdb.dsn).cursor(), sql) == [("FREEPDB1", "3", "FREEPDB1")]
    assert rows(connect(APP, cdb.root_dsn).cursor(), sql) == [("CDB$ROOT", "1", "FREE")]
    pooled = connect(APP, cdb.root_dsn + ":pooled", cclass="ROOT")
    assert rows(pooled.cursor(), sql) == [("CDB$ROOT", "1", "FREE")]
    pooled.close()
    with pytest.raises(oracledb.DatabaseError) as info:
        connect(APP, cdb.dsn_for("NOSUCHPDB"))
    assert "DPY-6001" in str(info.value)  # the driver's name for the listener's refusal (ORA-12514)
    assert [c.name for c in cdb.containers] == ["CDB$ROOT", "FREEPDB1"]


def test_without_a_root_service_only_the_pdb_answers() -> None:
    with EmulatorServer(users=users(), root_service=None) as srv:
        with pytest.raises(oracledb.DatabaseError) as info:
            connect(APP, srv.dsn_for("FREE"))
        assert "DPY-6001" in str(info.value)
        with pytest.raises(ValueError):
            _ = srv.root_dsn


def test_cdb_wide_pool_its_figures_are_in_the_root_only(cdb: EmulatorServer) -> None:
    cdb.grant("mon", "SELECT_CATALOG_ROLE")
    drcp_request(cdb, cdb.dsn, "PDBWORK")  # a client of the PDB uses the CDB's one pool
    pdb = connect(MON, cdb.dsn).cursor()
    for view in ("V$CPOOL_STATS", "V$CPOOL_CC_STATS", "V$CPOOL_CONN_INFO"):
        assert rows(pdb, f"SELECT * FROM {view}") == [], view  # no rows, and no error
    root = connect(MON, cdb.root_dsn).cursor()
    assert rows(root, "SELECT CCLASS_NAME, NUM_REQUESTS, CON_ID FROM V$CPOOL_CC_STATS") == [
        ("APP.PDBWORK", cdb.stats()["classes"]["APP.PDBWORK"]["num_requests"], 0)  # 0: the whole CDB
    ]
    assert rows(root, "SELECT NUM_REQUESTS, MAXSIZE FROM V$CPOOL_STATS") == [
        (1, cdb.broker.max_pooled_servers)
    ]


def test_per_pdb_drcp_the_pdb_shows_its_own_pool(per_pdb: EmulatorServer) -> None:
    per_pdb.grant("mon", "SELECT_CATALOG_ROLE")
    drcp_request(per_pdb, per_pdb.dsn)
    expected = [("APP.WORK", per_pdb.stats()["classes"]["APP.WORK"]["num_requests"], 3)]
    sql = "SELECT CCLASS_NAME, NUM_REQUESTS, CON_ID FROM V$CPOOL_CC_STATS"
    assert rows(connect(MON, per_pdb.dsn).cursor(), sql) == expected
    assert rows(connect(MON, per_pdb.root_dsn).cursor(), sql) == expected  # the root sees every PDB's


def test_v_session_in_a_pdb_shows_that_pdbs_sessions_the_root_all(cdb: EmulatorServer) -> None:
    cdb.grant("mon", "SELECT_CATALOG_ROLE")
    in_root = connect(APP, cdb.root_dsn)
    in_pdb = connect(MON, cdb.dsn)
    sql = "SELECT USERNAME, CON_ID FROM V$SESSION ORDER BY USERNAME, CON_ID"
    assert rows(in_pdb.cursor(), sql) == [("MON", 3)]
    root_monitor = connect(MON, cdb.root_dsn)
    assert rows(root_monitor.cursor(), sql) == [("APP", 1), ("MON", 1), ("MON", 3)]
    for conn in (in_root, in_pdb, root_monitor):
        conn.close()
    wait_until(lambda: cdb.stats()["client_connections"]["open"] == 0)


def test_command_line_options() -> None:
    args = build_parser().parse_args(
        ["--per-pdb-drcp", "false", "--root-service", "CDB1", "--grant", "mon=SELECT_CATALOG_ROLE"]
    )
    assert (args.per_pdb_drcp, args.root_service, args.grant) == (
        "false",
        "CDB1",
        [("mon", "SELECT_CATALOG_ROLE")],
    )
