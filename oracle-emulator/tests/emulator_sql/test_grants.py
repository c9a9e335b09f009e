"""GRANT / REVOKE and the V$ privilege check in the SQL layer, against a fake server view."""

from __future__ import annotations

import pytest

from oracle_emulator.results import OracleError
from oracle_emulator.sql import Engine

from .conftest import FakeCtx


def test_modelled_privileges_reach_the_server_the_rest_is_accepted(engine: Engine, ctx: FakeCtx) -> None:
    engine.execute(
        ctx, 'GRANT CREATE SESSION, select_catalog_role, SELECT ANY DICTIONARY TO mon, "Quoted"', []
    )
    engine.execute(ctx, "GRANT SELECT ON sys.v_$cpool_stats TO mon WITH GRANT OPTION CONTAINER = ALL", [])
    engine.execute(ctx, "GRANT SELECT, INSERT ON app_table TO mon", [])  # an ordinary object: not modelled
    assert ctx.server.granted == {
        ("MON", "SELECT_CATALOG_ROLE"),
        ("MON", "SELECT ANY DICTIONARY"),
        ("QUOTED", "SELECT_CATALOG_ROLE"),
        ("QUOTED", "SELECT ANY DICTIONARY"),
        ("MON", "SELECT ON SYS.V_$CPOOL_STATS"),
    }
    engine.execute(ctx, "REVOKE SELECT_CATALOG_ROLE FROM mon;", [])
    assert ("MON", "SELECT_CATALOG_ROLE") not in ctx.server.granted


@pytest.mark.parametrize(
    ("sql", "code"),
    [
        ("GRANT SELECT ON V$SESSION TO mon", 2030),
        ("GRANT UPDATE ON SYS.V_$SESSION TO mon", 2030),
        ("GRANT SELECT ON V_$SESSION TO mon", 942),  # unqualified: the grantor's own schema (not SYS)
        ("GRANT SELECT_CATALOG_ROLE TO 'mon'", 987),
        ("GRANT TO mon", 990),
    ],
)
def test_oracles_errors(engine: Engine, ctx: FakeCtx, sql: str, code: int) -> None:
    with pytest.raises(OracleError) as info:
        engine.execute(ctx, sql, [])
    assert info.value.code == code


def test_a_view_the_server_does_not_let_the_user_read_is_ora_942(engine: Engine, ctx: FakeCtx) -> None:
    ctx.server.readable = False
    with pytest.raises(OracleError) as info:
        engine.execute(ctx, "SELECT COUNT(*) FROM V$CPOOL_CC_STATS", [])
    assert info.value.code == 942
    assert engine.execute(ctx, "SELECT SYS_CONTEXT('USERENV', 'CON_NAME') FROM dual", []).rows == [
        ("FREEPDB1",)
    ]
