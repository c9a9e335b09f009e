"""Celery for real: Debian's redis-server as broker and result backend, a real worker (prefork) of the
fleet project's app, and the wire server in this process. Skipped, with the reason, only when
redis-server cannot start (and never in CI: .ci/run sets DRCP_TEST_REQUIRE_REDIS)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from oracle_emulator import EmulatorServer, LatencyModel
from tests.tenancy.fleet.harness import (
    ROOT,
    RedisUnavailable,
    celery_worker,
    fleet_command,
    fleet_env,
    redis_server,
    start_fleet_command,
)
from tests.tenancy.test_fleet import created_tables, make_tenant_fail, table_rows, writers

TENANTS = ["acme", "globex", "initech", "umbrella", "hooli", "k05", "k06", "k07"]


@pytest.fixture(scope="module")
def deployment() -> Iterator[tuple[EmulatorServer, dict[str, str]]]:
    """The wire server (slow round trips, so an interruption lands mid-run), redis and one worker."""
    users = {"shared": "pw", **{t: f"pw_{t}" for t in TENANTS}}
    srv = EmulatorServer(users=users, latency=LatencyModel(rtt_ms=2), statement_log_size=200_000).start()
    try:
        with redis_server() as url:
            env = fleet_env(srv, TENANTS, FLEET_BROKER=url)
            with celery_worker(env, concurrency=2):
                yield srv, env
    except RedisUnavailable as exc:
        if os.environ.get("DRCP_TEST_REQUIRE_REDIS"):  # set by .ci/run, which installed it
            raise
        pytest.skip(str(exc))
    finally:
        srv.stop()


def test_tasks_run_under_the_tenant_they_were_queued_under(
    deployment: tuple[EmulatorServer, dict[str, str]],
) -> None:
    srv, env = deployment
    srv.reset_stats()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.tenancy.fleet.queue_probe",
            "acme",
            "m-acme",
            "-",
            "m-none",
            "globex",
            "m-globex",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.splitlines()[-1]) == {
        "m-acme": "m-acme",
        "m-none": "m-none",
        "m-globex": "m-globex",
    }
    ran = {
        marker: (r.username, r.cclass, r.client_identifier)
        for r in srv.statements()
        for marker in ("m-acme", "m-none", "m-globex")
        if f"'{marker}'" in r.sql
    }
    assert ran == {
        "m-acme": ("ACME", "T_acme", "acme"),
        "m-globex": ("GLOBEX", "T_globex", "globex"),
        "m-none": ("SHARED", "SHARED", None),  # no tenant: the shared alias's own class, no identifier
    }


def test_celery_executor_migrates_interrupted_resumes_and_reports_a_failure(
    deployment: tuple[EmulatorServer, dict[str, str]],
) -> None:
    srv, env = deployment
    make_tenant_fail(srv, "initech")
    srv.reset_stats()
    # Interrupted (SIGTERM) after three results: queued tasks are revoked, running ones finish.
    proc = start_fleet_command(env, "migrate_tenants", "--executor", "celery", "--continue-on-error")
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("[3/"):
            proc.send_signal(signal.SIGTERM)
            break
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    first = {k: v[2] for k, v in table_rows("".join(seen) + out).items()}
    assert "not run" in first.values(), first
    done = {t for t in TENANTS if first[t] == "migrated"}

    # The re-run does the rest; the failing tenant is reported, the others are done.
    srv.reset_stats()
    rerun = fleet_command(env, "migrate_tenants", "--executor", "celery", "--continue-on-error")
    assert rerun.returncode == 1
    rows = table_rows(rerun.stdout)
    assert rows["initech"][2] == "failed" and "ORA-00955" in rows["initech"][5]
    assert {t for t in TENANTS if rows[t][2] == "up-to-date"} == done - {"initech"}
    assert {t for t in TENANTS if rows[t][2] == "migrated"} == set(TENANTS) - done - {"initech"}
    created = created_tables(srv)
    for tenant in set(TENANTS) - done - {"initech"}:
        assert created[(tenant.upper(), f"T_{tenant}")] >= {"NOTES_NOTE"}  # its user, its class
    assert "NOTES_NOTE" not in created.get(("INITECH", "T_initech"), set())

    # A third run changes nothing but still reports the failure.
    srv.reset_stats()
    third = fleet_command(env, "migrate_tenants", "--executor", "celery", "--continue-on-error")
    assert third.returncode == 1
    assert writers(srv) <= {"INITECH"}
    assert {k for k, v in table_rows(third.stdout).items() if v[2] != "up-to-date"} == {"initech"}
