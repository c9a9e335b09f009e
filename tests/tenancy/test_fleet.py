"""``migrate_tenants`` and ``all_tenants_command`` in processes of their own against the wire server,
asserted from the server's statement log (which user and class ran each statement).

Mode "alias": each tenant is a user (schema) and a DRCP class of its own; the shared apps live in the
``shared`` user's schema.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from typing import Any

import oracledb
import pytest

from oracle_emulator import EmulatorServer, LatencyModel
from tests.tenancy.fleet.harness import fleet_command, fleet_env, start_fleet_command, start_server

TENANTS = ["acme", "globex", "initech", "umbrella", "hooli"]
SHARED_TABLES = {"AUTH_USER", "AUTH_GROUP", "AUTH_PERMISSION", "DJANGO_CONTENT_TYPE"}
_CREATE = re.compile(r'^\s*CREATE TABLE\s+"?([A-Za-z0-9_$#]+)"?', re.IGNORECASE)
_DDL = re.compile(r"^\s*(CREATE|ALTER|DROP)\b", re.IGNORECASE)


def created_tables(server: EmulatorServer) -> dict[tuple[str, str], set[str]]:
    """(user, cclass) -> the tables it created successfully."""
    out: dict[tuple[str, str], set[str]] = {}
    for r in server.statements():
        m = _CREATE.match(r.sql)
        if m and r.error_code is None:
            out.setdefault((r.username, r.cclass or ""), set()).add(m.group(1).upper())
    return out


def writers(server: EmulatorServer) -> set[str]:
    """Users that ran DDL or wrote django_migrations."""
    return {
        r.username
        for r in server.statements()
        if _DDL.match(r.sql) or re.match(r'\s*INSERT INTO "DJANGO_MIGRATIONS"', r.sql, re.IGNORECASE)
    }


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The result table: tenant name -> its cells (TENANT, ALIAS, STATUS, APPLIED, SECONDS, ERROR)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("TENANT "))
    header = lines[start]
    cuts = [header.index(c) for c in ("TENANT", "ALIAS", "STATUS", "APPLIED", "SECONDS", "ERROR")]
    rows = {}
    for line in lines[start + 1 :]:
        if line.strip():
            cells = [line[a:b].strip() for a, b in zip(cuts, [*cuts[1:], None], strict=True)]
            rows[cells[0].removesuffix(" (shared schema)")] = cells
    return rows


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    srv = start_server(TENANTS)
    try:
        yield srv
    finally:
        srv.stop()


def test_parallel_migrates_each_tenant_in_its_schema_then_a_rerun_does_nothing(
    server: EmulatorServer,
) -> None:
    env = fleet_env(server, TENANTS)
    first = fleet_command(env, "migrate_tenants", "--executor", "parallel", "--workers", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    rows = table_rows(first.stdout)
    assert {k: v[2] for k, v in rows.items()} == {"(shared)": "migrated", **{t: "migrated" for t in TENANTS}}
    created = created_tables(server)
    # The shared apps once, in the shared schema; each tenant's app in its own schema, as its own class.
    assert created[("SHARED", "SHARED")] >= SHARED_TABLES
    assert "NOTES_NOTE" not in created[("SHARED", "SHARED")]
    for tenant in TENANTS:
        assert created[(tenant.upper(), f"T_{tenant}")] == {"NOTES_NOTE", "DJANGO_MIGRATIONS"}
    assert set(created) == {("SHARED", "SHARED"), *((t.upper(), f"T_{t}") for t in TENANTS)}

    server.reset_stats()
    second = fleet_command(env, "migrate_tenants", "--executor", "parallel", "--workers", "2")
    assert second.returncode == 0, second.stderr[-3000:]
    assert {v[2] for v in table_rows(second.stdout).values()} == {"up-to-date"}
    assert writers(server) == set()  # read django_migrations, nothing else
    readers = {r.username for r in server.statements() if "DJANGO_MIGRATIONS" in r.sql.upper()}
    assert readers == {"SHARED", *(t.upper() for t in TENANTS)}


def make_tenant_fail(server: EmulatorServer, tenant: str) -> None:
    """Put a table in the way of the tenant's first migration: its CREATE TABLE fails with ORA-00955."""
    with oracledb.connect(user=tenant, password=f"pw_{tenant}", dsn=server.dsn) as conn:
        conn.cursor().execute("CREATE TABLE NOTES_NOTE (X NUMBER)")


def test_a_failing_tenant_is_reported_and_the_others_complete(server: EmulatorServer) -> None:
    make_tenant_fail(server, "initech")
    server.reset_stats()
    env = fleet_env(server, TENANTS)
    run = fleet_command(env, "migrate_tenants", "--executor", "parallel", "--continue-on-error")
    assert run.returncode == 1
    assert "1 failed, 0 not run" in run.stderr
    rows = table_rows(run.stdout)
    assert rows["initech"][2] == "failed" and "ORA-00955" in rows["initech"][5]
    assert all(rows[t][2] == "migrated" for t in TENANTS if t != "initech")
    created = created_tables(server)
    assert ("INITECH", "T_initech") not in created or "NOTES_NOTE" not in created[("INITECH", "T_initech")]
    for tenant in set(TENANTS) - {"initech"}:
        assert "NOTES_NOTE" in created[(tenant.upper(), f"T_{tenant}")]


def test_without_continue_on_error_the_rest_is_not_started_and_nothing_is_half_done(
    server: EmulatorServer,
) -> None:
    make_tenant_fail(server, "globex")  # second in name order
    server.reset_stats()
    env = fleet_env(server, TENANTS)
    run = fleet_command(env, "migrate_tenants", "--executor", "sequential")
    assert run.returncode == 1
    statuses = {k: v[2] for k, v in table_rows(run.stdout).items()}
    assert statuses["acme"] == "migrated" and statuses["globex"] == "failed"
    assert {statuses[t] for t in ("hooli", "initech", "umbrella")} == {"not run"}
    # Tenants not run were never touched: no statement at all under their users.
    assert {r.username for r in server.statements()} == {"SHARED", "ACME", "GLOBEX"}
    # Fixed, the re-run does only what is left.
    with oracledb.connect(user="globex", password="pw_globex", dsn=server.dsn) as conn:
        conn.cursor().execute("DROP TABLE NOTES_NOTE")
    server.reset_stats()
    rerun = fleet_command(env, "migrate_tenants", "--executor", "sequential")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    statuses = {k: v[2] for k, v in table_rows(rerun.stdout).items()}
    assert statuses == {
        "(shared)": "up-to-date",
        "acme": "up-to-date",
        **{t: "migrated" for t in ("globex", "hooli", "initech", "umbrella")},
    }
    assert writers(server) == {"GLOBEX", "HOOLI", "INITECH", "UMBRELLA"}


def test_interrupted_run_finishes_running_tenants_and_a_rerun_completes_the_rest() -> None:
    tenants = [f"k{i:02d}" for i in range(8)]
    users = {"shared": "pw", **{t: f"pw_{t}" for t in tenants}}
    # Slow round trips, so the run is still going when it is interrupted.
    srv = EmulatorServer(users=users, latency=LatencyModel(rtt_ms=4), statement_log_size=100_000).start()
    try:
        env = fleet_env(srv, tenants)
        proc = start_fleet_command(env, "migrate_tenants", "--executor", "parallel", "--workers", "2")
        assert proc.stdout is not None
        seen: list[str] = []
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("[3/"):
                proc.send_signal(signal.SIGTERM)  # `kill <pid>`
                break
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err
        statuses = {k: v[2] for k, v in table_rows("".join(seen) + out).items()}
        done = {t for t in tenants if statuses[t] == "migrated"}
        assert 2 <= len(done) < len(tenants)
        assert {statuses[t] for t in tenants if t not in done} == {"not run"}  # none failed
        assert "interrupted" in err
        srv.reset_stats()
        rerun = fleet_command(env, "migrate_tenants", "--executor", "parallel", "--workers", "2")
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        again = {k: v[2] for k, v in table_rows(rerun.stdout).items()}
        assert {t for t in tenants if again[t] == "up-to-date"} == done
        assert {t for t in tenants if again[t] == "migrated"} == set(tenants) - done
        assert writers(srv) == {t.upper() for t in tenants if t not in done}
    finally:
        srv.stop()


def test_shared_schema_mode_migrates_the_shared_tables_once(server: EmulatorServer) -> None:
    env = fleet_env(server, TENANTS, FLEET_MODE="pool_per_tenant")
    run = fleet_command(env, "migrate_tenants", "--executor", "parallel")
    assert run.returncode == 0, run.stderr[-2000:]
    assert set(table_rows(run.stdout)) == {"(shared)", *TENANTS}  # a row per tenant: "(shared schema)"
    created = created_tables(server)
    assert list(created) == [("SHARED", "SHARED")]  # once, with no tenant's class
    assert created[("SHARED", "SHARED")] >= {"NOTES_NOTE", *SHARED_TABLES}
    assert sum(1 for r in server.statements() if _CREATE.match(r.sql) and "NOTES_NOTE" in r.sql.upper()) == 1


def test_selection_by_name_and_pattern(server: EmulatorServer) -> None:
    env = fleet_env(server, TENANTS)
    run = fleet_command(env, "migrate_tenants", "-t", "acme", "--pattern", "h*", "--no-shared")
    assert run.returncode == 0, run.stderr[-2000:]
    assert set(table_rows(run.stdout)) == {"acme", "hooli"}
    assert {u for u, _ in created_tables(server)} == {"ACME", "HOOLI"}
    unknown = fleet_command(env, "migrate_tenants", "-t", "nobody")
    assert unknown.returncode == 1 and "unknown tenant(s): nobody" in unknown.stderr


@pytest.mark.parametrize("argv", [["all_tenants_command"], ["tenant_command", "--all"]])
def test_any_command_runs_as_every_tenant(server: EmulatorServer, argv: list[str]) -> None:
    env = fleet_env(server, TENANTS)
    assert fleet_command(env, "migrate_tenants").returncode == 0
    server.reset_stats()
    run = fleet_command(env, *argv, "--executor", "parallel", "showmigrations", "notes")
    assert run.returncode == 0, run.stderr[-2000:]
    assert {v[2] for v in table_rows(run.stdout).values()} == {"done"}
    ran: dict[str, Any] = {}
    for r in server.statements():
        if "DJANGO_MIGRATIONS" in r.sql.upper():
            ran.setdefault(r.username, set()).add(r.cclass)
    assert ran == {t.upper(): {f"T_{t}"} for t in TENANTS}
