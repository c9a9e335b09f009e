"""Processes: a forked child builds its own pool and leaves the parent's alone; a process exits promptly
with pools open; the seed's example project runs with only ENGINE changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from drcp_multi.registry import get_registry
from drcp_multi.routing import acquire_for
from drcp_multi.testing.database_side import session_facts

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("wire")


def run_forked(child: Callable[[], dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """Run ``child`` in a forked process; return its pid and the JSON report it returned. The child
    never returns into pytest (``os._exit``); a child that fails exits non-zero and the test fails."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read)
            os.write(write, json.dumps(child()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    report = json.loads(os.read(read, 65536) or b"{}")
    os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0
    return pid, report


def query(sql: str = "SELECT 1 FROM DUAL") -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


# Python 3.12+ warns on fork() with threads running; pool threads are exactly what the registry handles.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.drcp
def test_fork_child_builds_its_own_pool(oracle_server: Any) -> None:
    assert query() == 1
    held = connection.connection  # the parent keeps this one checked out across the fork
    with connection.cursor() as cursor:
        parent_session = session_facts(cursor).identity
    parent_pid = os.getpid()
    logins_before = oracle_server.stats()["logins"] if oracle_server else 0

    def child() -> dict[str, Any]:
        # The inherited wrapper's connection is the parent's socket: it is set aside, not used.
        value = query("SELECT 2 FROM DUAL")
        with connection.cursor() as cursor:
            session = session_facts(cursor).identity
        rows = get_registry().stats()
        connection.close()
        return {"value": value, "session": session, "pids": [r.pid for r in rows]}

    pid, report = run_forked(child)
    assert report["value"] == 2
    assert report["pids"] == [pid]  # the child's registry has only its own pool
    # The database's side: the child ran on a session of its own, not the one the parent holds.
    assert report["session"] != parent_session
    if oracle_server is not None:
        assert oracle_server.stats()["logins"] == logins_before + 1  # the child logged in on its own socket
    # The parent's checked-out connection and pool are intact.
    assert connection.connection is held
    assert query("SELECT 3 FROM DUAL") == 3
    with connection.cursor() as cursor:
        assert session_facts(cursor).identity == parent_session  # still the parent's own session
    connection.close()
    (row,) = get_registry().stats()
    assert row.pid == parent_pid and row.busy == 0


def test_forked_child_exiting_normally_leaves_the_parent_intact(emulator: Any) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "core" / "fork_script.py"), emulator.dsn],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,  # turns a hang (a child waiting on pool threads at exit) into a failure
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"child_exit": 0, "held": 3, "pooled": 4}
    fork_statements = [r for r in emulator.statements() if r.cclass == "FORK"]
    assert [r.sql for r in fork_statements if r.error_code is None] == [
        r.sql for r in fork_statements
    ]  # nothing garbled on the parent's sessions


def test_interpreter_exit_with_open_pools_is_prompt() -> None:
    from django.conf import settings

    entry = settings.DATABASES["default"]
    script = textwrap.dedent(
        """
        import sys
        import django
        from django.conf import settings
        settings.configure(DATABASES={"default": %r}, USE_TZ=True)
        django.setup()
        from drcp_multi.registry import get_registry
        from drcp_multi.routing import acquire_for
        registry = get_registry()
        conn = acquire_for("default")
        conn.cursor().execute("SELECT 1 FROM DUAL")
        held = acquire_for("default")  # still checked out at exit
        registry.release(conn)
        print("done", flush=True)
        """
        % {k: v for k, v in entry.items() if k != "TEST"}
    )
    # The timeout only turns a hang into a failure; nothing here measures time.
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"


@pytest.mark.drcp
def test_seed_settings_with_only_engine_changed(emulator: Any, tmp_path: Path) -> None:
    host, _, rest = emulator.dsn.partition(":")
    port, _, service = rest.partition("/")
    (tmp_path / "tnsnames.ora").write_text(
        f"my_drcp_db = (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST={host})(PORT={port}))"
        f"(CONNECT_DATA=(SERVICE_NAME={service})))\n"
    )
    emulator.add_user("my_db_user", "my_password")
    emulator.reset_stats()
    env = {**os.environ, "TNS_ADMIN": str(tmp_path), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "core" / "seed_project.py"), "3"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["200 MY_DB_USER"] * 3
    figures = emulator.stats()["classes"]["MY_DB_USER.myappname"]
    assert figures["num_requests"] == 3  # served through DRCP, one checkout per request
    records = [r for r in emulator.statements() if r.sql == "SELECT USER FROM DUAL"]
    assert {(r.cclass, str(r.purity).upper()) for r in records} == {("myappname", "NEW")}


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_fork_child_starts_with_no_tenant_slot_held() -> None:
    """A tenant's max_busy slots held by the parent's checkouts are not the child's: the child never
    gives those connections back, so inheriting the count would leave the tenant at its cap forever."""
    from django.test import override_settings

    from drcp_multi.limits import get_limiter
    from drcp_multi.tenancy.catalog import Tenant

    capped = Tenant(name="capped", alias="default", cclass="T_CAPPED", max_busy=1)
    registry = get_registry()
    held = acquire_for("default", capped)  # the parent holds the tenant's only slot across the fork

    def child() -> dict[str, Any]:
        report: dict[str, Any] = {"busy_at_start": get_limiter().busy(capped)}
        with override_settings(DRCP_MULTI={"TENANT_WAIT_TIMEOUT": 0}):
            try:
                conn = acquire_for("default", capped)
            except Exception as exc:
                report["error"] = repr(exc)
            else:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT 2 FROM DUAL")
                    report["value"] = cursor.fetchone()[0]
                registry.release(conn)
        report["busy_at_end"] = get_limiter().busy(capped)
        return report

    _, report = run_forked(child)
    assert report == {"busy_at_start": 0, "value": 2, "busy_at_end": 0}
    # The parent's slot is still its own, and given back with its connection.
    assert get_limiter().busy(capped) == 1
    registry.release(held)
    assert get_limiter().busy(capped) == 0
