"""The command line, and Django 5.2's own Oracle backend connecting through a DRCP pool."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import oracledb
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def test_cli_prints_address_serves_and_stops_on_sigterm() -> None:
    pytest.importorskip("oracle_emulator.sql")  # the CLI serves SQL through the real engine
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "oracle_emulator",
            "--port",
            "0",
            "--service",
            "CLISVC",
            "--user",
            "app/secret",
            "--user",
            "other/pw",
            "--max-pooled-servers",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        prefix = "oracle_emulator listening on 127.0.0.1:"
        assert line.startswith(prefix) and line.endswith(" service CLISVC"), line
        port = int(line[len(prefix) :].split()[0])
        with oracledb.connect(user="other", password="pw", dsn=f"127.0.0.1:{port}/CLISVC:pooled") as conn:
            assert conn.cursor().execute("SELECT 1 FROM DUAL").fetchall() == [(1,)]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


DJANGO_SCRIPT = textwrap.dedent(
    """
    import django
    from django.conf import settings
    from oracle_emulator import EmulatorServer

    srv = EmulatorServer(users={"app": "secret"}).start()
    settings.configure(
        USE_TZ=True,
        DATABASES={"default": {
            "ENGINE": "django.db.backends.oracle",
            "NAME": srv.dsn + ":pooled",
            "USER": "app",
            "PASSWORD": "secret",
            "OPTIONS": {"pool": {"cclass": "DJANGO", "purity": 2, "min": 1, "max": 2}},
        }},
    )
    django.setup()
    from django.db import connection
    for _ in range(3):
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM DUAL")
            assert cur.fetchall() == [(1,)]
        connection.close()  # returns the connection to the pool: DRCP release
    cls = srv.stats()["classes"]["APP.DJANGO"]
    assert (cls["num_requests"], cls["num_hits"], cls["num_misses"]) == (3, 2, 1), cls
    kinds = {(r.cclass, r.session_kind) for r in srv.statements()}
    assert kinds == {("DJANGO", "pooled")}, kinds
    srv.stop()
    print("DJANGO-OK")
    """
)


def test_django_oracle_backend_through_drcp_pool() -> None:
    pytest.importorskip("django")
    pytest.importorskip("oracle_emulator.sql")
    done = subprocess.run(
        [sys.executable, "-c", DJANGO_SCRIPT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=120,
    )
    assert "DJANGO-OK" in done.stdout, done.stderr[-3000:]
