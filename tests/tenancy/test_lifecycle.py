"""The tenant lifecycle through ``manage.py tenants`` in the fleet project (mode "alias", tenants in a
model catalog), asserted from the wire server's log: which user created, migrated, filled and dropped
each schema. Plus the strict patterns that guard the schema template."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import oracledb
import pytest

from drcp_multi.tenancy.lifecycle import LifecycleError, schema_parameters
from oracle_emulator import EmulatorServer
from tests.tenancy.fleet.harness import ROOT, fleet_command, fleet_env, start_server
from tests.tenancy.test_fleet import created_tables


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    # Only the shared user (tenants' users are made by `tenants create`), with what docs/operations.md asks
    # of the ADMIN_ALIAS user for `tenants delete --drop-schema`: SELECT on V_$SESSION (to kill sessions).
    srv = start_server([], grants={"shared": ["SELECT ON SYS.V_$SESSION"]})
    try:
        yield srv
    finally:
        srv.stop()


def statements_like(server: EmulatorServer, *words: str) -> list[tuple[str, str | None, str]]:
    return [
        (r.username, r.cclass, " ".join(r.sql.split())[:60])
        for r in server.statements()
        if r.error_code is None and any(" ".join(r.sql.split()).upper().startswith(w) for w in words)
    ]


def test_create_clone_superuser_disable_delete(server: EmulatorServer) -> None:
    env = fleet_env(server, ["acme", "copyco"], FLEET_CATALOG="model", DJANGO_SUPERUSER_PASSWORD="s3cret-pw")

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tests.tenancy.fleet", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            input=stdin,
            timeout=300,
        )

    assert fleet_command(env, "migrate_tenants").returncode == 0  # the catalog's table, in the shared schema
    server.reset_stats()
    created = fleet_command(env, "tenants", "create", "acme", "--create-schema")
    assert created.returncode == 0, created.stderr[-2000:]
    assert "signal: tenant_created acme schema_created=True" in created.stderr
    assert "signal: tenant_migrated acme executor=sequential result=migrated" in created.stderr
    # The administrator (the shared alias's user) made the user; the tenant's own user and class migrated.
    assert statements_like(server, "CREATE USER", "GRANT") == [
        ("SHARED", "SHARED", 'CREATE USER acme IDENTIFIED BY "pw_acme" DEFAULT TABLESPACE '),
        ("SHARED", "SHARED", "GRANT CREATE SESSION, CREATE TABLE, CREATE SEQUENCE, CREATE "),
    ]
    assert created_tables(server)[("ACME", "T_acme")] == {"NOTES_NOTE", "DJANGO_MIGRATIONS"}

    note = "from tests.tenancy.fleet.notes.models import Note; Note.objects.create(title='hello')"
    assert fleet_command(env, "tenant_command", "acme", "shell", "-c", note).returncode == 0
    server.reset_stats()
    clone = fleet_command(env, "tenants", "clone", "acme", "copyco", "--create-schema")
    assert clone.returncode == 0, clone.stderr[-2000:]
    inserts = statements_like(server, 'INSERT INTO "NOTES_NOTE"')
    assert [(u, c) for u, c, _ in inserts] == [("COPYCO", "T_copyco")]  # the copy, in copyco's schema
    reads = {(r.username, r.cclass) for r in server.statements() if 'FROM "NOTES_NOTE"' in r.sql.upper()}
    assert ("ACME", "T_acme") in reads

    server.reset_stats()
    superuser = fleet_command(
        env,
        "tenants",
        "createsuperuser",
        "acme",
        "--username",
        "root",
        "--email",
        "r@example.com",
        "--noinput",
    )
    assert superuser.returncode == 0, superuser.stderr[-2000:]
    assert [u for u, _, _ in statements_like(server, 'INSERT INTO "AUTH_USER"')] == [
        "SHARED"
    ]  # auth is shared

    disabled = fleet_command(env, "tenants", "disable", "copyco")
    assert "signal: tenant_disabled copyco" in disabled.stderr
    listing = fleet_command(env, "tenants", "list").stdout
    assert [line.split()[-1] for line in listing.splitlines()[1:]] == ["yes", "no"]

    # Delete asks for the tenant's name; anything else deletes nothing.
    refused = run("tenants", "delete", "copyco", "--drop-schema", stdin="no\n")
    assert refused.returncode == 1 and "Not confirmed" in refused.stderr
    server.reset_stats()
    deleted = run("tenants", "delete", "copyco", "--drop-schema", stdin="copyco\n")
    assert deleted.returncode == 0, deleted.stderr[-2000:]
    assert "signal: tenant_deleted copyco dropped_schema=True" in deleted.stderr
    assert statements_like(server, "DROP USER") == [("SHARED", "SHARED", "DROP USER copyco CASCADE")]
    # copyco's sessions stayed cached in the DRCP pool after its pools closed (as on Oracle): the first
    # DROP USER was refused (ORA-01940) and the delete killed them (V$SESSION + KILL SESSION) first.
    refused_drops = [r.error_code for r in server.statements() if r.sql.upper().startswith("DROP USER")]
    assert refused_drops[0] == 1940 and refused_drops[-1] is None
    assert statements_like(server, "ALTER SYSTEM KILL SESSION")
    with pytest.raises(oracledb.DatabaseError, match="ORA-01017"):
        oracledb.connect(user="copyco", password="pw_copyco", dsn=server.dsn)
    assert "copyco" not in fleet_command(env, "tenants", "list").stdout
    # What is left is at its target state.
    again = fleet_command(env, "migrate_tenants")
    assert again.returncode == 0 and "acme" in again.stdout and "signal: tenant_migrated acme" in again.stderr


def test_clone_is_refused_where_tenants_share_tables(server: EmulatorServer) -> None:
    env = fleet_env(server, [], FLEET_MODE="pool_per_tenant", FLEET_CATALOG="model")
    assert fleet_command(env, "migrate_tenants").returncode == 0
    assert fleet_command(env, "tenants", "add", "acme").returncode == 0
    run = fleet_command(env, "tenants", "clone", "acme", "newco")
    assert run.returncode == 1 and "clone needs DRCP_MULTI['TENANCY_MODE'] = 'alias'" in run.stderr


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"USER": 'acme" --', "PASSWORD": "pw"}, "DATABASES['t']['USER']"),
        ({"USER": "acme", "PASSWORD": 'p"w'}, "without a double quote"),
        ({"USER": "1acme", "PASSWORD": "pw"}, "must match"),
    ],
)
def test_schema_template_values_are_validated(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(LifecycleError) as exc:
        schema_parameters("t", databases={"t": entry})
    assert message in str(exc.value)
    assert 'p"w' not in str(exc.value)  # never the password


def test_schema_parameters_from_the_alias() -> None:
    databases = {"t": {"USER": "acme", "PASSWORD": "pw_1!"}}
    assert schema_parameters("t", databases=databases) == {
        "user": "acme",
        "password": "pw_1!",
        "tablespace": "USERS",
    }
    with pytest.raises(LifecycleError, match="TENANT_TABLESPACE"):
        schema_parameters("t", tablespace="USERS; DROP", databases=databases)
    with pytest.raises(LifecycleError, match="DATABASES has no alias 'x'"):
        schema_parameters("x", databases=databases)
