"""Phase 1 SQL: what Django sends on connect, DUAL selects, SYS_CONTEXT, PL/SQL packages, V$ views."""

from __future__ import annotations

import pytest

from oracle_emulator.results import ColumnType, OracleError

from .conftest import B, FakeCtx, FakeServer, FakeSession, new_ctx, out

DJANGO_PROBE = (
    "SELECT 1 FROM DUAL WHERE DUMMY LIKE TRANSLATE(:arg0 USING NCHAR_CS) "
    "ESCAPE TRANSLATE('\\' USING NCHAR_CS)"
)


def test_django_connection_setup(engine, ctx):
    assert engine.execute(ctx, "ALTER SESSION SET NLS_TERRITORY = 'AMERICA'", []).columns is None
    engine.execute(
        ctx,
        "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'"
        " NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF' TIME_ZONE = 'UTC'",
        [],
    )
    assert ctx.session.nls == {
        "NLS_TERRITORY": "AMERICA",
        "NLS_DATE_FORMAT": "YYYY-MM-DD HH24:MI:SS",
        "NLS_TIMESTAMP_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF",
        "TIME_ZONE": "UTC",
    }
    r = engine.execute(ctx, DJANGO_PROBE, [B("X")])
    assert r.rows == [(1,)]
    assert r.columns[0].name == "1" and r.columns[0].type is ColumnType.NUMBER
    assert engine.execute(ctx, DJANGO_PROBE, [B("Y")]).rows == []
    engine.execute(ctx, "COMMIT", [])


def test_alter_session_in_one_plsql_round_trip(engine, ctx):
    engine.execute(
        ctx,
        "BEGIN EXECUTE IMMEDIATE 'ALTER SESSION SET NLS_TERRITORY = ''AMERICA''';"
        " EXECUTE IMMEDIATE 'ALTER SESSION SET NLS_DATE_FORMAT = ''YYYY-MM-DD HH24:MI:SS'''"
        " || ' TIME_ZONE = ''UTC'''; END;",
        [],
    )
    assert ctx.session.nls == {
        "NLS_TERRITORY": "AMERICA",
        "NLS_DATE_FORMAT": "YYYY-MM-DD HH24:MI:SS",
        "TIME_ZONE": "UTC",
    }


def test_alter_session_current_schema_and_time_zone_offset(engine, ctx):
    engine.execute(ctx, "ALTER SESSION SET TIME_ZONE='+00:00'", [])
    engine.execute(ctx, "alter session set current_schema = other", [])
    assert ctx.session.nls["TIME_ZONE"] == "+00:00"
    assert ctx.session.current_schema == "OTHER"
    with pytest.raises(OracleError) as e:
        engine.execute(ctx, "ALTER SESSION SET", [])
    assert e.value.code == 922


def test_select_literals_binds_arithmetic_and_aliases(engine, ctx):
    r = engine.execute(
        ctx,
        "select 1 + 2 * 3 as n, 7 / 2 half, 'a' || :s || null cat, :n * 2 \"Quoted\", "
        "nvl(null, 'd') d, 'it''s' q FROM dual",
        [B("b"), B(21)],
    )
    assert [c.name for c in r.columns] == ["N", "HALF", "CAT", "Quoted", "D", "Q"]
    assert r.rows == [(7, 3.5, "ab", 42, "d", "it's")]
    assert r.columns[0].type is ColumnType.NUMBER and r.columns[2].type is ColumnType.VARCHAR


def test_select_without_from_and_unaliased_names(engine, ctx):
    r = engine.execute(ctx, "SELECT :a, 'x' FROM DUAL", [B(5)])
    assert [c.name for c in r.columns] == [":A", "'X'"]
    assert r.rows == [(5, "x")]


def test_empty_string_is_null(engine, ctx):
    r = engine.execute(ctx, "SELECT NVL('', 'was null'), NVL(:e, 'bind null') FROM DUAL", [B("")])
    assert r.rows == [("was null", "bind null")]


def test_sys_context_userenv(engine, server):
    c = new_ctx(server, "SCOTT", cclass="CC1")
    c.session.client_identifier = "cid"
    c.session.module, c.session.action, c.session.client_info = "m", "a", "ci"
    keys = [
        "SID",
        "SESSIONID",
        "SESSION_USER",
        "CURRENT_SCHEMA",
        "SERVICE_NAME",
        "CLIENT_IDENTIFIER",
        "MODULE",
        "ACTION",
        "CLIENT_INFO",
    ]
    sql = "SELECT " + ", ".join(f"SYS_CONTEXT('USERENV', '{k}') {k}" for k in keys) + " FROM DUAL"
    r = engine.execute(c, sql, [])
    assert [col.name for col in r.columns] == keys
    s = c.session
    assert r.rows == [(str(s.sid), str(s.sid), "SCOTT", "SCOTT", "FREEPDB1", "cid", "m", "a", "ci")]
    with pytest.raises(OracleError) as e:
        engine.execute(c, "SELECT SYS_CONTEXT('USERENV', 'NOPE') FROM DUAL", [])
    assert e.value.code == 2003


def test_dbms_session_and_application_info_change_the_session(engine, ctx):
    engine.execute(
        ctx,
        "BEGIN\n  DBMS_SESSION.SET_CONTEXT('APP_CTX', 'tenant_id', :tid);\n"
        "  DBMS_SESSION.SET_IDENTIFIER(:who);\n"
        "  DBMS_APPLICATION_INFO.SET_MODULE(module_name => 'billing', action_name => 'list');\n"
        "  DBMS_APPLICATION_INFO.SET_CLIENT_INFO('ci');\nEND;",
        [B("42"), B("alice")],
    )
    s = ctx.session
    assert s.contexts == {("APP_CTX", "TENANT_ID"): "42"}
    assert (s.client_identifier, s.module, s.action, s.client_info) == ("alice", "billing", "list", "ci")
    r = engine.execute(
        ctx,
        "SELECT SYS_CONTEXT('app_ctx', 'TENANT_ID') t, SYS_CONTEXT('USERENV','CLIENT_IDENTIFIER') c "
        "FROM DUAL",
        [],
    )
    assert r.rows == [("42", "alice")]
    engine.execute(
        ctx, "BEGIN DBMS_APPLICATION_INFO.SET_ACTION('save'); DBMS_SESSION.CLEAR_IDENTIFIER; END;", []
    )
    assert s.action == "save" and s.client_identifier is None
    engine.execute(ctx, "BEGIN DBMS_SESSION.CLEAR_ALL_CONTEXT('APP_CTX'); END;", [])
    assert s.contexts == {}


def test_state_lives_on_the_session_object(engine, server):
    pooled = FakeSession(username="APP")
    engine.execute(FakeCtx(pooled, server), "BEGIN DBMS_SESSION.SET_IDENTIFIER('x'); END;", [])
    # A later borrower of the same pooled server session sees it; another session does not.
    r1 = engine.execute(
        FakeCtx(pooled, server), "SELECT SYS_CONTEXT('USERENV','CLIENT_IDENTIFIER') FROM DUAL", []
    )
    r2 = engine.execute(new_ctx(server), "SELECT SYS_CONTEXT('USERENV','CLIENT_IDENTIFIER') FROM DUAL", [])
    assert r1.rows == [("x",)] and r2.rows == [(None,)]


def test_plsql_out_bind_and_binds_by_distinct_name(engine, ctx):
    # PL/SQL: each distinct name bound once (:v twice, one bind).
    r = engine.execute(ctx, "BEGIN :res := :v || '-' || :v; END;", [out(), B("a")])
    assert r.out_binds == {0: ["a-a"]}


def test_sql_binds_every_occurrence(engine, ctx):
    # SQL: the thin client binds each occurrence, in text order.
    r = engine.execute(ctx, "SELECT :a + :a + :b FROM DUAL", [B(1), B(1), B(10)])
    assert r.rows == [(12,)]
    # … and a bind list by distinct name is matched too.
    r = engine.execute(ctx, "SELECT :a + :a + :b FROM DUAL", [B(1), B(10)])
    assert r.rows == [(12,)]
    with pytest.raises(OracleError) as e:
        engine.execute(ctx, "SELECT :a + :b FROM DUAL", [])
    assert e.value.code == 1008


def test_plsql_declare_if_select_into(engine, ctx):
    r = engine.execute(
        ctx,
        "DECLARE i INTEGER; BEGIN SELECT COUNT(1) INTO i FROM DUAL; "
        "IF i = 1 THEN :o := 'one'; ELSE :o := 'other'; END IF; END;",
        [out()],
    )
    assert r.out_binds == {0: ["one"]}


def test_plsql_unknown_procedure(engine, ctx):
    with pytest.raises(OracleError) as e:
        engine.execute(ctx, "BEGIN NO_SUCH.PROC(1); END;", [])
    assert e.value.code == 6550


def test_transaction_statements(engine, ctx):
    for sql in (
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT s1",
        'SAVEPOINT "s2"',
        'ROLLBACK TO SAVEPOINT "s2"',
        "ROLLBACK TO s1",
        "COMMIT WORK",
        "SET TRANSACTION READ WRITE",
        "SET CONSTRAINTS ALL IMMEDIATE",
    ):
        assert engine.execute(ctx, sql, []).columns is None
    with pytest.raises(OracleError) as e:
        engine.execute(ctx, "ROLLBACK TO SAVEPOINT nope", [])
    assert e.value.code == 1086
    engine.commit(ctx)
    engine.rollback(ctx)


def test_cpool_views(engine, ctx, server):
    server.stats = [
        {
            "POOL_NAME": "SYS_DEFAULT_CONNECTION_POOL",
            "NUM_REQUESTS": 5,
            "NUM_HITS": 3,
            "NUM_MISSES": 2,
            "NUM_WAITS": 0,
            "MAXSIZE": 40,
        }
    ]
    server.cc_stats = [
        {
            "CCLASS_NAME": "APP.B",
            "NUM_REQUESTS": 2,
            "NUM_HITS": 1,
            "NUM_MISSES": 1,
            "NUM_WAITS": 0,
            "WAIT_TIME": 0,
            "CLIENT_REQ_TIMEOUTS": 0,
            "NUM_AUTHENTICATIONS": 1,
        },
        {
            "CCLASS_NAME": "APP.A",
            "NUM_REQUESTS": 3,
            "NUM_HITS": 2,
            "NUM_MISSES": 1,
            "NUM_WAITS": 1,
            "WAIT_TIME": 7,
            "CLIENT_REQ_TIMEOUTS": 0,
            "NUM_AUTHENTICATIONS": 2,
        },
    ]
    server.conn_info = [
        {
            "USERNAME": "APP",
            "CCLASS_NAME": "APP.A",
            "PURITY": "SELF",
            "SERVICE": "FREEPDB1",
            "PROGRAM": "python",
            "MACHINE": "h",
        }
    ]
    server.session_rows = [
        {"SID": 7, "SERIAL#": 3, "USERNAME": "APP", "CLIENT_IDENTIFIER": "c", "MODULE": "m", "ACTION": "a"},
        {"SID": 9, "SERIAL#": 1, "USERNAME": "SYS"},
    ]
    r = engine.execute(ctx, "SELECT num_requests, num_hits, num_misses FROM v$cpool_stats", [])
    assert r.rows == [(5, 3, 2)] and r.columns[0].name == "NUM_REQUESTS"
    r = engine.execute(
        ctx,
        "SELECT cclass_name, num_hits, num_waits, wait_time FROM V$CPOOL_CC_STATS "
        "WHERE cclass_name LIKE 'APP.%' ORDER BY cclass_name",
        [],
    )
    assert r.rows == [("APP.A", 2, 1, 7), ("APP.B", 1, 0, 0)]
    r = engine.execute(ctx, "SELECT SUM(num_requests) total FROM V$CPOOL_CC_STATS", [])
    assert r.rows == [(5,)]
    r = engine.execute(
        ctx, "SELECT username, cclass_name, purity, service, program, machine FROM V$CPOOL_CONN_INFO", []
    )
    assert r.rows == [("APP", "APP.A", "SELF", "FREEPDB1", "python", "h")]
    r = engine.execute(
        ctx,
        "SELECT sid, serial#, username, client_identifier, module, action FROM v$session WHERE username = :u",
        [B("APP")],
    )
    assert [c.name for c in r.columns] == [
        "SID",
        "SERIAL#",
        "USERNAME",
        "CLIENT_IDENTIFIER",
        "MODULE",
        "ACTION",
    ]
    assert r.rows == [(7, 3, "APP", "c", "m", "a")]
    r = engine.execute(ctx, "SELECT COUNT(*) FROM v$session", [])
    assert r.rows == [(2,)]


def test_version_views(engine, ctx):
    r = engine.execute(ctx, "SELECT banner FROM v$version", [])
    assert r.rows[0][0].startswith("Oracle Database")
    r = engine.execute(ctx, "SELECT version FROM product_component_version", [])
    assert r.rows[0][0].startswith("23.")


def test_errors_are_oracle_errors(engine, ctx):
    cases = {
        "FROB THE WIDGET": 900,
        "SELECT * FROM no_such_table": 942,
        "SELECT nope FROM dual": 904,
        "SELECT 'unterminated FROM dual": 1756,
    }
    for sql, code in cases.items():
        with pytest.raises(OracleError) as e:
            engine.execute(ctx, sql, [])
        assert e.value.code == code, sql
    with pytest.raises(OracleError) as e:
        engine.execute(ctx, "FROB THE WIDGET", [])
    assert "FROB THE WIDGET" in e.value.message


def test_unexpected_failure_is_ora_600(engine, ctx):
    class Broken(FakeServer):
        def sessions(self):
            raise RuntimeError("boom")

    c = FakeCtx(ctx.session, Broken())
    with pytest.raises(OracleError) as e:
        engine.execute(c, "SELECT * FROM V$SESSION", [])
    assert e.value.code == 600 and "V$SESSION" in e.value.message


def test_close_session_frees_storage(engine, ctx):
    engine.execute(ctx, "SELECT 1 FROM DUAL", [])
    assert engine.storage.existing(ctx.session) is not None
    engine.close_session(ctx)
    assert engine.storage.existing(ctx.session) is None


def test_sys_qualified_dual_and_views(engine, ctx, server):
    server.session_rows = [{"SID": 1, "SERIAL#": 1, "USERNAME": "APP"}]
    assert engine.execute(ctx, "SELECT dummy FROM sys.dual", []).rows == [("X",)]
    assert engine.execute(ctx, "SELECT COUNT(*) FROM SYS.V$SESSION", []).rows == [(1,)]
    with pytest.raises(OracleError) as e:
        engine.execute(ctx, 'SELECT * FROM "OTHER"."T"', [])
    assert e.value.code == 942


def test_unicode_case_and_statistics(engine, ctx):
    r = engine.execute(
        ctx, "SELECT UPPER('élan'), LOWER('ÉCOLE'), INITCAP('hello wORLD'), RAWTOHEX('A') FROM DUAL", []
    )
    assert r.rows == [("ÉLAN", "école", "Hello World", "41")]
    r = engine.execute(
        ctx,
        "SELECT STDDEV_POP(x), VAR_POP(x), STDDEV(x), VARIANCE(x) FROM "
        "(SELECT 2 x FROM DUAL UNION ALL SELECT 4 FROM DUAL UNION ALL SELECT 4 FROM DUAL UNION ALL "
        "SELECT 4 FROM DUAL UNION ALL SELECT 5 FROM DUAL UNION ALL SELECT 5 FROM DUAL UNION ALL "
        "SELECT 7 FROM DUAL UNION ALL SELECT 9 FROM DUAL)",
        [],
    )
    pop_sd, pop_var, samp_sd, samp_var = r.rows[0]
    assert (pop_sd, pop_var) == (2, 4)
    assert abs(samp_var - 32 / 7) < 1e-9 and abs(samp_sd - (32 / 7) ** 0.5) < 1e-9


def test_bind_names_in_column_names_are_not_mixed_up_by_caches(engine, ctx):
    assert engine.execute(ctx, "SELECT :a FROM DUAL", [B(1)]).columns[0].name == ":A"
    assert engine.execute(ctx, "SELECT :b FROM DUAL", [B(1)]).columns[0].name == ":B"


def test_division(engine, ctx):
    assert engine.execute(ctx, "SELECT 7 / 2, 6 / 3, NULL / 2 FROM DUAL", []).rows == [(3.5, 2, None)]
    with pytest.raises(OracleError) as e:
        engine.execute(ctx, "SELECT 1 / 0 FROM DUAL", [])
    assert e.value.code == 1476


def test_decimal_addition(engine, ctx):
    assert engine.execute(ctx, "SELECT 0.1 + 0.2, 1.1 - 0.2, 2 + 3 FROM DUAL", []).rows == [(0.3, 0.9, 5)]


def test_decimal_sum_and_avg(engine, ctx):
    tenth = " UNION ALL ".join(["SELECT 0.1 x FROM DUAL"] * 10)
    r = engine.execute(ctx, f"SELECT SUM(x), AVG(x), SUM(DISTINCT x), COUNT(x) FROM ({tenth})", [])
    assert r.rows == [(1, 0.1, 0.1, 10)]
    r = engine.execute(
        ctx,
        "SELECT SUM(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM "
        "(SELECT 1 x FROM DUAL UNION ALL SELECT 2 FROM DUAL UNION ALL SELECT 3 FROM DUAL)",
        [],
    )
    assert r.rows == [(1,), (3,), (5,)]
    assert engine.execute(ctx, "SELECT SUM(x) FROM (SELECT NULL x FROM DUAL)", []).rows == [(None,)]


def test_decimal_multiplication(engine, ctx):
    assert engine.execute(ctx, "SELECT 0.1 * 3, 2 * 3, 1.5 * 2 FROM DUAL", []).rows == [(0.3, 6, 3)]


def test_decimal_division(engine, ctx):
    assert engine.execute(ctx, "SELECT 0.3 / 0.1, 1 / 3 FROM DUAL", []).rows == [(3, 1 / 3)]
