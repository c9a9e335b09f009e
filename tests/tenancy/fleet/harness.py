"""Processes for fleet tests: the fleet project's commands, Debian's redis-server, a Celery worker.

The wire server runs in the test's own process (so the test reads its statement log); everything else
runs in processes of its own, as in a deployment.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from oracle_emulator import EmulatorServer

ROOT = Path(__file__).resolve().parents[3]
CELERY_APP = "tests.tenancy.fleet.celery_app"


def tenant_names(n: int, prefix: str = "t") -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(n)]


def start_server(
    tenants: Sequence[str], log_size: int = 200_000, grants: dict[str, list[str]] | None = None
) -> EmulatorServer:
    users = {"shared": "pw", **{t: f"pw_{t}" for t in tenants}}
    return EmulatorServer(users=users, statement_log_size=log_size, grants=grants).start()


def fleet_env(server: EmulatorServer, tenants: Sequence[str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(FLEET_DSN=server.dsn, FLEET_TENANTS=",".join(tenants), PYTHONPATH=str(ROOT), **extra)
    return env


def fleet_command(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m tests.tenancy.fleet <args>`` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "tests.tenancy.fleet", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_fleet_command(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.tenancy.fleet", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisUnavailable(RuntimeError):
    """redis-server is missing or did not start (the Celery tests skip with this reason)."""


@contextmanager
def redis_server() -> Iterator[str]:
    """Debian's ``redis-server`` on a free loopback port, no persistence; yields its ``redis://`` URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="fleet-redis-")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RedisUnavailable(f"redis-server did not start: {out[-500:]}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def celery_worker(env: dict[str, str], concurrency: int = 2) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker (prefork pool) of the fleet app; waits until it answers a ping. Its log goes
    to a file, never to a pipe nobody reads (a full pipe would block the worker mid-run)."""
    log = tempfile.NamedTemporaryFile(prefix="fleet-celery-", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            CELERY_APP,
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"fleet{os.getpid()}@localhost",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        ping = [sys.executable, "-m", "celery", "-A", CELERY_APP, "inspect", "ping", "--timeout", "1"]
        deadline = time.monotonic() + 60
        while subprocess.run(ping, cwd=ROOT, env=env, capture_output=True).returncode != 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not come up: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.5)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)  # warm shutdown: running tasks finish
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        os.unlink(log.name)
