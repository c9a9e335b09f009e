"""Fixtures for the example project: a wire server in this process and the site as a real subprocess.

The site runs as ``python -m example_project`` (the README's command) in its own process: it has its own
Django settings, which pytest-django's settings for the rest of the suite would clash with, and this way
the tests exercise the real command, the real threaded server and per-request pool release. Pointing it at
a wire server started here (through ``DRCP_*``, as for a real Oracle) lets the tests read the server's
statement log; with ``DRCP_TEST_DSN`` the site runs against that live Oracle instead. Either way the
tests read DRCP's own views through a monitoring connection (``Backing``), so their DRCP assertions run
in both places.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from drcp_multi.testing.database_side import DrcpMonitor, short_class
from drcp_multi.testing.pytest_plugin import EMULATOR_MONITOR, MONITOR_ROLE, live_dsn, live_monitor_settings

REPO = Path(__file__).resolve().parents[2]
TENANTS = ("acme", "globex", "initech")
URL_LINE = re.compile(r"^EXAMPLE_URL=(http://\S+)$", re.M)
START_TIMEOUT = 60.0


def record_field(record: Any, name: str) -> Any:
    """A field of a statement-log record, whether the server gives dicts or objects."""
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


#: The class of the site's shared alias: its dashboard sampler runs under it beside the requests under test.
SHARED_CLASS = "EXAMPLE_SHARED"


@dataclass
class Backing:
    """The database the site runs on: a wire server started here (``srv``) or the live Oracle of
    ``DRCP_TEST_DSN`` (``srv`` None), with the monitoring connection reading its DRCP views."""

    srv: Any
    dsn: str
    user: str
    password: str
    monitor: DrcpMonitor | None

    def mark(self) -> dict[str, dict[str, int]]:
        """V$CPOOL_CC_STATS now, for :meth:`classes_since` (skips on a live Oracle without a monitor)."""
        if self.monitor is None:
            pytest.skip("reads V$CPOOL_CC_STATS: set DRCP_TEST_MONITOR_DSN (docs/live-oracle.md)")
        return self.monitor.class_figures()

    def classes_since(self, mark: dict[str, dict[str, int]]) -> set[str]:
        """The classes (as the site named them) of the site's user that got DRCP requests since ``mark``,
        leaving out the shared class of the dashboard's sampler."""
        assert self.monitor is not None
        gained = self.monitor.figures_since(mark)
        classes = {short_class(n) for n in gained if n.rsplit(".", 1)[0].upper() == self.user.upper()}
        return classes - {SHARED_CLASS}


@dataclass
class Site:
    """A running ``python -m example_project`` and what it printed."""

    process: subprocess.Popen[str]
    url: str
    port: int
    data_dir: Path
    output: list[str] = field(default_factory=list)

    def request(
        self,
        method: str,
        path: str,
        host: str | None = None,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        """One request to 127.0.0.1 with the given Host (tenant subdomains need no resolver)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            hdrs = {"Host": host or f"localhost:{self.port}", **(headers or {})}
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text
        finally:
            conn.close()

    def get(self, path: str, tenant: str | None = None) -> tuple[int, str]:
        host = f"{tenant}.localhost:{self.port}" if tenant else None
        status, _headers, text = self.request("GET", path, host=host)
        return status, text

    def log(self) -> str:
        return "".join(self.output)


def start_site(env_extra: dict[str, str], data_dir: Path, args: tuple[str, ...] = ()) -> Site:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRCP_", "EXAMPLE_", "DJANGO_"))}
    env.update(env_extra, EXAMPLE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "example_project", "--port", "0", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:  # keep reading so the child never blocks on a full pipe
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            m = URL_LINE.match(line.strip())
            if m and not found:
                found.append(m.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    ready.wait(START_TIMEOUT)
    if not found:
        proc.kill()
        pytest.fail("python -m example_project did not start:\n" + "".join(output))
    url = found[0]
    port = int(url.rsplit(":", 1)[1].strip("/"))
    return Site(proc, url, port, data_dir, output)


def stop_site(site: Site) -> int:
    if site.process.poll() is None:
        site.process.send_signal(signal.SIGTERM)
        try:
            return site.process.wait(30)
        except subprocess.TimeoutExpired:
            site.process.kill()
            site.process.wait(10)
            pytest.fail("the example did not stop within 30 s of SIGTERM:\n" + site.log())
    return site.process.returncode


@pytest.fixture(scope="module")
def backing() -> Iterator[Backing]:
    """A wire server of the module's own, or the live Oracle of DRCP_TEST_DSN."""
    dsn = live_dsn()
    if dsn:
        found = live_monitor_settings()
        monitor = DrcpMonitor(*found) if found else None
        user, password = os.environ.get("DRCP_TEST_USER", ""), os.environ.get("DRCP_TEST_PASSWORD", "")
        try:
            yield Backing(None, dsn, user, password, monitor)
        finally:
            if monitor is not None:
                monitor.close()
        return
    oracle_emulator = pytest.importorskip("oracle_emulator")
    server = oracle_emulator.EmulatorServer(
        host="127.0.0.1",
        port=0,
        service="FREEPDB1",
        users={"app": "secret", EMULATOR_MONITOR[0]: EMULATOR_MONITOR[1]},
        # The site's dashboard reads the broker's views as its own user; the monitor reads them too.
        grants={"app": [MONITOR_ROLE], EMULATOR_MONITOR[0]: [MONITOR_ROLE]},
        max_pooled_servers=40,
        statement_log_size=500_000,  # the tests slice the log by index: it must not wrap during a module
    )
    server.start()
    monitor = DrcpMonitor(server.dsn, *EMULATOR_MONITOR)
    try:
        yield Backing(server, server.dsn, "app", "secret", monitor)
    finally:
        monitor.close()
        server.stop()


@pytest.fixture(scope="module")
def site(backing: Backing, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The example against the database above, configured like a real Oracle (DRCP_* variables)."""
    env = {"DRCP_DSN": backing.dsn, "DRCP_USER": backing.user, "DRCP_PASSWORD": backing.password}
    running = start_site(env, tmp_path_factory.mktemp("example-data"))
    yield running
    stop_site(running)


def wait_until(predicate: Any, timeout: float = 15.0, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
