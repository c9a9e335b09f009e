"""pytest plugin (entry point ``drcp_multi``): an Oracle for the test session.

The session fixture ``oracle_server`` starts ``oracle_emulator.EmulatorServer`` on a free port and points
every Oracle entry of ``settings.DATABASES`` at it (the dicts are changed in place, before any connection
exists), registering each entry's USER/PASSWORD with the server. With ``DRCP_TEST_DSN`` (and
``DRCP_TEST_USER``, ``DRCP_TEST_PASSWORD``) set, the entries point at that live Oracle instead, the fixture
yields None, and tests that read the wire server's statistics (``emulator`` fixture or
``@pytest.mark.emulator_only``) are skipped with the reason.

The session fixture ``drcp_monitor`` is a :class:`~drcp_multi.testing.database_side.DrcpMonitor` (a
dedicated connection reading ``V$CPOOL_CC_STATS``, ``V$CPOOL_CONN_INFO``, ``V$SESSION``): on the wire
server as a monitoring user of its own, on a live Oracle from ``DRCP_TEST_MONITOR_DSN`` (and
``DRCP_TEST_MONITOR_USER``, ``DRCP_TEST_MONITOR_PASSWORD``), or None when those are unset.

The wire server, like Oracle, lets only users granted ``SELECT_CATALOG_ROLE`` (or SELECT on the ``V_$``
views) read those views. The plugin stands in for the DBA of docs/live-oracle-user.sql: it grants the role
to its monitoring user and to the user of the alias drcp_multi reads the broker's figures through
(``DRCP_MULTI['MONITOR_ALIAS']``, by default the shared alias); every other user gets no grant.

This is the only module of drcp_multi that imports ``oracle_emulator``, and only when a test asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from drcp_multi.testing.database_side import DrcpMonitor

if TYPE_CHECKING:
    from oracle_emulator import EmulatorServer

ORACLE_ENGINES = ("drcp_multi.backends.oracle", "django.db.backends.oracle")
LIVE_SKIP_REASON = (
    "asserts from the wire server's side (broker figures, statement log); DRCP_TEST_DSN points the tests "
    "at a live Oracle, which has no such log"
)


#: The monitoring user the plugin gives a wire server (a live Oracle's comes from the environment).
EMULATOR_MONITOR = ("drcp_monitor", "monitor_pw")
#: What a monitoring user is granted on the wire server (docs/live-oracle-user.sql grants the same views).
MONITOR_ROLE = "SELECT_CATALOG_ROLE"


def live_dsn() -> str | None:
    """The live Oracle the tests run against, or None for the wire server."""
    return os.environ.get("DRCP_TEST_DSN") or None


def live_monitor_settings() -> tuple[str, str, str] | None:
    """(dsn, user, password) of the live monitoring connection; None when DRCP_TEST_MONITOR_DSN is unset."""
    dsn = os.environ.get("DRCP_TEST_MONITOR_DSN")
    if not dsn:
        return None
    return dsn, os.environ.get("DRCP_TEST_MONITOR_USER", ""), os.environ.get("DRCP_TEST_MONITOR_PASSWORD", "")


def open_monitor(server: EmulatorServer | None) -> DrcpMonitor | None:
    """A monitoring connection to ``server`` (a user of its own), or to the live Oracle (None if unset)."""
    if server is None:
        found = live_monitor_settings()
        return DrcpMonitor(*found) if found else None
    server.add_user(*EMULATOR_MONITOR)
    server.grant(EMULATOR_MONITOR[0], MONITOR_ROLE)
    return DrcpMonitor(server.dsn, *EMULATOR_MONITOR)


def grant_monitoring_alias(server: EmulatorServer) -> str | None:
    """Grant :data:`MONITOR_ROLE` to the user of drcp_multi's monitoring alias; returns that user."""
    from django.conf import settings

    from drcp_multi.monitor import monitor_alias

    user = (settings.DATABASES.get(monitor_alias()) or {}).get("USER")
    if not isinstance(user, str) or not user:
        return None  # a callable or file USER (drcp_multi.credentials): the test grants it itself
    server.grant(user, MONITOR_ROLE)
    return user


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "emulator_only: needs the wire server's statistics; skipped when DRCP_TEST_DSN is set"
    )
    config.addinivalue_line(
        "markers", "drcp: asserts DRCP itself (classes, purity, session reuse, state, trace attributes)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if live_dsn() and item.get_closest_marker("emulator_only") is not None:
        pytest.skip(LIVE_SKIP_REASON)


def point_databases_at(dsn: str, credentials: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Point every Oracle entry of ``settings.DATABASES`` at ``dsn``, in place.

    ``credentials`` ({"user", "password"}) replaces USER/PASSWORD (the live path); otherwise each entry
    keeps its own. Returns the (user, password) pairs in use, for the server to accept.
    """
    from django.conf import settings

    users: list[tuple[str, str]] = []
    for settings_dict in settings.DATABASES.values():
        if settings_dict.get("ENGINE") not in ORACLE_ENGINES:
            continue
        settings_dict.update(NAME=dsn, HOST="", PORT="")
        if credentials:
            settings_dict.update(USER=credentials["user"], PASSWORD=credentials["password"])
            test: Any = settings_dict.get("TEST") or {}
            if "USER" in test:  # a test user named after the placeholder one: the live user instead
                test.update(USER=credentials["user"], PASSWORD=credentials["password"])
        users.append((str(settings_dict.get("USER") or ""), str(settings_dict.get("PASSWORD") or "")))
    return users


EMULATOR_MISSING = (
    "the wire-level test server is not installed: pip install oracle-emulator (in a drcp_multi checkout: "
    "pip install -e ./oracle-emulator), or set DRCP_TEST_DSN, DRCP_TEST_USER and DRCP_TEST_PASSWORD to "
    "run against a live Oracle"
)


def start_emulator(**kwargs: Any) -> EmulatorServer:
    """A started wire server on a free port (callers stop it). Fails the test session with how to install
    the server when it is missing."""
    try:
        from oracle_emulator import EmulatorServer
    except ImportError as exc:
        raise pytest.UsageError(f"{EMULATOR_MISSING} ({exc})") from exc

    kwargs.setdefault("host", "127.0.0.1")
    kwargs.setdefault("port", 0)
    server = EmulatorServer(**kwargs)
    # Users created through SQL (Django's test database creation) must be able to log in.
    engine = server.engine
    if getattr(engine, "on_create_user", False) is None:
        engine.on_create_user = server.add_user  # type: ignore[attr-defined]  # oracle_emulator.sql.Engine
    server.start()
    return server


@pytest.fixture(scope="session")
def oracle_server() -> Iterator[EmulatorServer | None]:
    """The wire server the Django settings point at (None when DRCP_TEST_DSN selects a live Oracle)."""
    dsn = live_dsn()
    if dsn:
        point_databases_at(
            dsn,
            {
                "user": os.environ.get("DRCP_TEST_USER", ""),
                "password": os.environ.get("DRCP_TEST_PASSWORD", ""),
            },
        )
        yield None
        return
    server = start_emulator(service="FREEPDB1", users={})
    try:
        for user, password in point_databases_at(server.dsn):
            if user:
                server.add_user(user, password)
        grant_monitoring_alias(server)
        yield server
    finally:
        from drcp_multi.registry import get_registry

        get_registry().close_all()  # before the server goes, so no pool thread talks to a closed port
        server.stop()


@pytest.fixture(scope="session")
def drcp_monitor(oracle_server: EmulatorServer | None) -> Iterator[DrcpMonitor | None]:
    """Reads DRCP's views beside the tests (None on a live Oracle without DRCP_TEST_MONITOR_DSN)."""
    monitor = open_monitor(oracle_server)
    try:
        yield monitor
    finally:
        if monitor is not None:
            monitor.close()


@pytest.fixture
def emulator(oracle_server: EmulatorServer | None) -> EmulatorServer:
    """The wire server, for tests that assert from its side; skips on a live Oracle."""
    if oracle_server is None:
        pytest.skip(LIVE_SKIP_REASON)
    return oracle_server
