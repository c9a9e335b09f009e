"""Tenancy against the wire server or a live Oracle, asserted from the database's side.

Every statement the views run is tagged with the tenant it is meant for and returns what the database
says about the session that ran it (``SYS_CONTEXT('USERENV', …)``, see ``wire_urls``): its user,
client_identifier and which session it is. A monitoring connection adds DRCP's own views
(``V$CPOOL_CC_STATS``: requests, hits and misses per class; ``V$CPOOL_CONN_INFO``: the classes of the
connected clients). The same assertions run on the wire server and, with ``DRCP_TEST_DSN`` (and
``DRCP_TEST_MONITOR_DSN``), on a live Oracle; on the wire server its statement log also checks the class
of every single statement, which no Oracle view shows per statement.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import logging
import os
import queue
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import oracledb
import pytest
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, models
from django.test import override_settings

from drcp_multi.conf import drcp_setting
from drcp_multi.contrib.logging import TenantContextFilter
from drcp_multi.registry import get_registry
from drcp_multi.routers import NoTenant
from drcp_multi.tenancy.catalog import get_catalog
from drcp_multi.tenancy.checks import shared_pool_supported
from drcp_multi.tenancy.context import tenant_context
from drcp_multi.testing.database_side import DrcpMonitor, SessionFacts, session_facts, short_class
from drcp_multi.testing.handlers import asgi_get, wsgi_get
from tests.tenancy import wire_urls
from tests.tenancy.handlers import run_threads

pytestmark = pytest.mark.drcp

MIDDLEWARE = ["drcp_multi.middleware.TenantMiddleware"]

# python-oracledb thin before 4.0.2: "Fixed bug when acquiring a connection from a pool with a connection
# class different from the one associated with the pool when the pool is full" (its release notes). With
# 2.x, a full shared pool asked for another class fails in the driver and the acquire waits it out
# (check drcp_multi.E108 refuses the mode there).
OLD_DRIVER = not shared_pool_supported(oracledb.__version__)
MODES = [
    "pool_per_tenant",
    pytest.param(
        "shared_pool",
        marks=pytest.mark.skipif(OLD_DRIVER, reason="per-acquire cclass on a full thin pool: driver < 4.0.2"),
    ),
    "alias",
    "shared_class",
]

#: On a live Oracle, mode "alias" needs a user per tenant alias: "user/password,user/password,..."
#: (docs/live-oracle-user.sql creates them); on the wire server the test registers them itself.
ALIAS_USERS_VARIABLE = "DRCP_TEST_ALIAS_USERS"


def expected_class(tenant: Any) -> str:
    """The class a tenant's sessions run under: its own, or in mode "shared_class" its alias's."""
    if drcp_setting("TENANCY_MODE") == "shared_class":
        return str(settings.DATABASES[tenant.alias]["OPTIONS"]["cclass"])
    return str(tenant.cclass)


def close_everything() -> None:
    for conn in connections.all(initialized_only=True):
        conn.close()
    get_registry().close_all()


def live_alias_users() -> list[tuple[str, str]]:
    pairs = [p.strip() for p in os.environ.get(ALIAS_USERS_VARIABLE, "").split(",") if p.strip()]
    return [(user, password) for user, _, password in (p.partition("/") for p in pairs)]


@dataclass
class Target:
    """The database the module runs against: a wire server of its own (``srv``) or the live Oracle
    (``srv`` None), and the monitoring connection (None on a live Oracle without one)."""

    srv: Any
    monitor: DrcpMonitor | None


@dataclass
class Wire:
    target: Target
    added: list[str] = field(default_factory=list)
    ran: list[dict[str, Any]] = field(default_factory=list)  # what the views' statements reported
    figures_before: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def srv(self) -> Any:
        return self.target.srv

    @property
    def monitor(self) -> DrcpMonitor | None:
        return self.target.monitor

    def add_alias(self, alias: str, user: str, password: str, cclass: str) -> None:
        """A DATABASES alias for mode "alias": its own user (and so schema) and class."""
        entry = dict(settings.DATABASES["default"])
        entry.update(USER=user, PASSWORD=password, OPTIONS={"purity": "self", "cclass": cclass}, TEST={})
        settings.DATABASES[alias] = entry
        connections.configure_settings(settings.DATABASES)  # fills Django's per-alias defaults in place
        if self.srv is not None:
            self.srv.add_user(user, password)
        self.added.append(alias)

    def alias_user(self, index: int, tenant: str) -> tuple[str, str]:
        if self.srv is not None:
            return f"u_{tenant}", "pw"
        users = live_alias_users()
        if index >= len(users):
            pytest.skip(f"mode 'alias' on a live Oracle needs {ALIAS_USERS_VARIABLE} (user/password,...)")
        return users[index]

    def get_json(self, handler: WSGIHandler, path: str, tenant: str) -> dict[str, Any]:
        status, _, body = wsgi_get(handler, path, {"X-Tenant": tenant})
        assert status == 200, body[:2000]
        return self.note(json.loads(body))

    def note(self, answer: dict[str, Any]) -> dict[str, Any]:
        self.ran.extend(answer.get("ran", ()))  # list.extend: atomic under the GIL, for worker threads
        return answer

    def test_user(self) -> str:
        return str(settings.DATABASES["default"]["USER"]).upper()

    def users(self) -> set[str]:
        return {str(settings.DATABASES[alias]["USER"]).upper() for alias in ["default", *self.added]}

    def tenant_classes(self) -> set[str]:
        return {expected_class(t) for t in get_catalog().all()}

    def gained(self) -> dict[str, dict[str, int]]:
        """V$CPOOL_CC_STATS: what each class of our users gained during the test, keyed by the class as
        the client chose it (empty without a monitor)."""
        if self.monitor is None:
            return {}
        users = self.users()
        return {
            short_class(name): figures
            for name, figures in self.monitor.figures_since(self.figures_before).items()
            if name.rsplit(".", 1)[0].upper() in users
        }

    def assert_every_statement_ran_as_its_tenant(self, expected_tags: int) -> None:
        """Each tagged statement ran under its tenant's user and client_identifier (the database's
        SYS_CONTEXT), and no session ever served two tenants' classes."""
        catalog = get_catalog()
        assert len(self.ran) == expected_tags
        wrong = []
        classes_of_session: defaultdict[str, set[str]] = defaultdict(set)
        for ran in self.ran:
            name = ran["tag"].split(":")[0]
            tenant = catalog.lookup(name)  # disabled ones too: they ran before they were disabled
            assert tenant is not None, name
            user = settings.DATABASES[tenant.alias]["USER"]
            facts = SessionFacts.from_dict(ran)
            if ((facts.user or "").upper(), facts.client_identifier) != (user.upper(), name):
                wrong.append((ran["tag"], facts))
            classes_of_session[f"{facts.user}:{facts.identity}"].add(expected_class(tenant))
        assert wrong == []
        crossed = {session: classes for session, classes in classes_of_session.items() if len(classes) > 1}
        assert crossed == {}
        if self.srv is not None:  # the wire server also knows the class of each statement
            self._assert_each_logged_statement_ran_as_its_tenant(expected_tags)

    def _assert_each_logged_statement_ran_as_its_tenant(self, expected_tags: int) -> None:
        catalog = get_catalog()
        tagged = self.tagged()
        assert len(tagged) == expected_tags
        wrong = []
        for record in tagged:
            name = record.sql.split("'")[1].split(":")[0]
            tenant = catalog.lookup(name)  # disabled ones too: they ran before they were disabled
            assert tenant is not None, name
            user = settings.DATABASES[tenant.alias]["USER"]
            seen = (record.username.upper(), short_class(record.cclass), record.client_identifier)
            if seen != (user.upper(), expected_class(tenant), name):
                wrong.append((record.sql, seen))
        assert wrong == []
        assert all(r.error_code is None for r in self.srv.statements())

    def logged(self) -> list[Any]:
        """The wire server's log of our users' statements (not the monitor's; wire server only)."""
        users = self.users()
        return [r for r in self.srv.statements() if r.username.upper() in users]

    def tagged(self) -> list[Any]:
        """The wire server's log of the tagged statements (wire server only)."""
        return [r for r in self.logged() if r.sql.startswith("SELECT '")]

    def tags(self) -> list[str]:
        return [ran["tag"] for ran in self.ran]

    def assert_no_statement_outside_the_tenants(self) -> None:
        """Not even session set-up ran under a class that is not a tenant's: no DRCP request of our users
        under another class (V$CPOOL_CC_STATS), no client of theirs connected under one
        (V$CPOOL_CONN_INFO); on the wire server, no logged statement either."""
        classes = self.tenant_classes()
        if self.monitor is not None:
            assert set(self.gained()) <= classes, self.gained()
            connected = {cclass for user in self.users() for cclass, _ in self.monitor.connected(user)}
            assert connected <= classes
        if self.srv is not None:
            outside = [(r.sql[:60], r.cclass) for r in self.logged() if short_class(r.cclass) not in classes]
            assert outside == []

    def assert_nothing_busy(self) -> None:
        """No checkout left in the registry; on the wire server, no pooled server lent but those still
        held by the login that attached them: a DRCP login holds its server until the connection's first
        release, and a pool's background thread may log in a connection no checkout then takes
        (python-oracledb thin, pool.pyx ``_create_connection``: it is only connected). A server a release
        failed to return would be lent beyond those."""
        stats = get_registry().stats()
        assert sum(p.busy for p in stats) == 0
        if self.srv is None:
            return
        idle_connections = sum(p.opened for p in stats)  # none busy
        # The DRCP release is a one-way message: the server may not have read the last ones yet.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            figures = self.srv.stats()["pooled_servers"]
            if figures["busy"] == figures["held_since_login"]:
                break
            time.sleep(0.01)
        assert figures["busy"] == figures["held_since_login"] <= idle_connections, figures


@pytest.fixture(scope="module")
def wire_server(
    oracle_server: Any, drcp_monitor: DrcpMonitor | None, django_db_blocker: Any
) -> Iterator[Target]:
    """A wire server of our own (a statement log big enough for the soak), DATABASES pointed at it; or,
    with DRCP_TEST_DSN, the live Oracle the plugin already pointed DATABASES at."""
    from drcp_multi.testing.pytest_plugin import open_monitor, point_databases_at, start_emulator

    if oracle_server is None:
        yield Target(None, drcp_monitor)
        return
    srv = start_emulator(service="FREEPDB1", statement_log_size=200_000)
    saved = {alias: dict(entry) for alias, entry in settings.DATABASES.items()}
    monitor = None
    with django_db_blocker.unblock():
        close_everything()
        for user, password in point_databases_at(srv.dsn):
            srv.add_user(user, password)
        try:
            monitor = open_monitor(srv)
            yield Target(srv, monitor)
        finally:
            close_everything()
            if monitor is not None:
                monitor.close()
            for alias, entry in saved.items():
                settings.DATABASES[alias].update(entry)
            srv.stop()


@pytest.fixture
def wire(wire_server: Target, django_db_blocker: Any) -> Iterator[Wire]:
    """Per test: no pools, the figures before it, the tenancy middleware and the tagging views."""
    wire = Wire(wire_server)
    with django_db_blocker.unblock():
        close_everything()
        if wire.srv is not None:
            wire.srv.reset_stats()
        if wire.monitor is not None:
            wire.figures_before = wire.monitor.class_figures()
        try:
            with override_settings(
                MIDDLEWARE=MIDDLEWARE,
                ROOT_URLCONF="tests.tenancy.wire_urls",
                DATABASE_ROUTERS=["drcp_multi.routers.TenantRouter"],
            ):
                yield wire
        finally:
            close_everything()
            for alias in wire.added:
                del settings.DATABASES[alias]  # the same dict as connections.settings


def names(n: int) -> list[str]:
    return [f"t{i:02d}" for i in range(n)]


def configure(drcp_settings: Any, wire: Wire, mode: str, n: int, **extra: Any) -> list[str]:
    tenants = names(n)
    specs: dict[str, dict[str, Any]] = {t: {} for t in tenants}
    if mode == "alias":
        for index, t in enumerate(tenants):
            wire.add_alias(t, *wire.alias_user(index, t), f"CC_{t.upper()}")
    drcp_settings(TENANCY_MODE=mode, TENANTS=specs, CCLASS_PREFIX="T_", RESOLVERS=["header"], **extra)
    return tenants


@pytest.mark.parametrize("mode", ["pool_per_tenant", "shared_pool", "alias", "shared_class"])
def test_each_mode_runs_each_tenant_under_its_class(wire: Wire, drcp_settings: Any, mode: str) -> None:
    tenants = configure(drcp_settings, wire, mode, 4)
    handler = WSGIHandler()
    tags = 0
    for rid in range(40):
        tenant = tenants[rid % 4]
        tags += len(wire.get_json(handler, f"/one/?rid={rid}", tenant)["tags"])
        other = tenants[(rid + 1) % 4]
        tags += len(wire.get_json(handler, f"/switch/?rid={rid}&other={other}", tenant)["tags"])
    wire.assert_every_statement_ran_as_its_tenant(tags)
    wire.assert_no_statement_outside_the_tenants()  # session set-up included
    wire.assert_nothing_busy()
    reused: defaultdict[str, Counter[str]] = defaultdict(Counter)  # class -> how often each session served
    for ran in wire.ran:
        reused[expected_class(get_catalog().get(ran["tag"].split(":")[0]))][
            SessionFacts.from_dict(ran).identity
        ] += 1
    for t in tenants:
        cclass = expected_class(get_catalog().get(t))
        assert max(reused[cclass].values()) > 1, (cclass, reused[cclass])  # a session reused in its class
    if wire.monitor is not None:
        classes = wire.gained()
        for t in tenants:
            cclass = expected_class(get_catalog().get(t))
            assert classes[cclass]["num_hits"] > 0, (cclass, classes)  # V$CPOOL_CC_STATS: DRCP hits
    pools = get_registry().stats()
    if mode == "pool_per_tenant":
        assert sorted(p.tenant for p in pools) == tenants  # a pool per tenant on one alias, no other
        assert {p.cclass for p in pools} == {f"T_{t}" for t in tenants}
    elif mode in ("shared_pool", "shared_class"):
        # One pool on the alias: the class chosen per acquire, or the alias's class for every tenant.
        assert {(p.alias, p.tenant) for p in pools} == {("default", None)}
        if mode == "shared_class" and wire.monitor is not None:  # V$CPOOL_CC_STATS: one class, reused
            assert set(classes) == {"APP_CC"} and classes["APP_CC"]["num_misses"] <= 1
    else:
        assert {p.alias for p in pools} >= set(tenants)  # a pool per alias, each its own user
        users = {str(settings.DATABASES[t]["USER"]).upper() for t in tenants}
        assert {str(r["user"]).upper() for r in wire.ran} == users and len(users) == len(tenants)


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_under_concurrency(wire: Wire, drcp_settings: Any, mode: str) -> None:
    """4 threads, 6 tenants, 400 requests (100 in shared_pool), half of them switching tenant: pools fill
    up and every statement still runs as its tenant."""
    tenants = configure(drcp_settings, wire, mode, 6)
    handler = WSGIHandler()
    rng = random.Random(7)
    work: queue.SimpleQueue[str] = queue.SimpleQueue()
    # In shared_pool nearly every checkout for another class is a new connection, and the driver closes
    # the ones it drops later, from its pool thread; this process holds both ends of each socket. 400
    # requests peaked at 1,300 descriptors, past the 1,024 that python-oracledb's select() can watch
    # (a flaky failure); 100 stay far below whatever the timing, and still fill and switch the pool.
    for rid in range(100 if mode == "shared_pool" else 400):
        other = f"&other={rng.choice(tenants)}" if rid % 2 else ""
        work.put(f"/{'switch' if other else 'one'}/?rid={rid}{other}|{rng.choice(tenants)}")
    tags: list[int] = []
    errors: list[str] = []

    def worker() -> None:
        while True:
            try:
                path, tenant = work.get_nowait().split("|")
            except queue.Empty:
                return
            status, _, body = wsgi_get(handler, path, {"X-Tenant": tenant})
            if status != 200:
                errors.append(f"{path} {tenant}: {status}")
            else:
                tags.append(len(wire.note(json.loads(body))["tags"]))

    run_threads(*[worker] * 4)
    assert errors == []
    wire.assert_every_statement_ran_as_its_tenant(sum(tags))
    wire.assert_no_statement_outside_the_tenants()
    wire.assert_nothing_busy()


@pytest.mark.emulator_only  # counts the wire server's client connections
@pytest.mark.parametrize("mode", MODES)
def test_after_churn_the_server_holds_no_more_client_connections_than_the_pools(
    wire: Wire, drcp_settings: Any, mode: str
) -> None:
    """8 threads, 24 tenants in random order (tenant classes churn through POOL['max'] = 4): once the load
    has stopped, the server counts no more open client connections than this process's pools hold. (In
    shared_pool the driver closes the connections it dropped from its pool thread, after the load: the
    test waits for that, then asserts.)"""
    tenants = configure(drcp_settings, wire, mode, 24)
    handler = WSGIHandler()
    # Connections open on the server that no pool of ours holds (the fixtures' monitoring connection).
    others = wire.srv.stats()["client_connections"]["open"] - sum(p.opened for p in get_registry().stats())
    rng = random.Random(3)
    work: queue.SimpleQueue[str] = queue.SimpleQueue()
    for _ in range(120 if mode == "shared_pool" else 480):  # shared_pool: far below 1,024 descriptors
        work.put(rng.choice(tenants))
    errors: list[str] = []

    def worker() -> None:
        while True:
            try:
                tenant = work.get_nowait()
            except queue.Empty:
                return
            status, _, body = wsgi_get(handler, "/one/?rid=0", {"X-Tenant": tenant})
            if status != 200:
                errors.append(f"{tenant}: {status} {body[:200]!r}")

    run_threads(*[worker] * 8)
    assert errors == []
    wire.assert_nothing_busy()

    def held() -> int:
        # Read again each time: a pool's background thread may still be logging a connection in, which
        # the server counts open before the pool counts it opened.
        return sum(p.opened for p in get_registry().stats()) + others

    deadline = time.monotonic() + 30
    while wire.srv.stats()["client_connections"]["open"] > held() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert wire.srv.stats()["client_connections"]["open"] <= held()
    assert wire.srv.stats()["client_connections"]["opened"] > 0


@pytest.mark.parametrize("mode", MODES)
def test_session_state_never_crosses_tenants(wire: Wire, drcp_settings: Any, mode: str) -> None:
    """Each request reads the application context the pooled server carries and leaves its own tenant's
    name in it: what a request finds is nothing (a new session) or its own tenant's, never another's;
    and state does survive within a class (purity SELF reuses the session)."""
    tenants = configure(drcp_settings, wire, mode, 6, RESET_CONTEXTS=["APPCTX"])
    handler = WSGIHandler()
    rng = random.Random(11)
    work: queue.SimpleQueue[str] = queue.SimpleQueue()
    for _ in range(240):
        work.put(rng.choice(tenants))
    seen: list[tuple[str, str | None]] = []

    def worker() -> None:
        while True:
            try:
                tenant = work.get_nowait()
            except queue.Empty:
                return
            seen.append((tenant, wire.get_json(handler, "/state/", tenant)["seen"]))

    run_threads(*[worker] * 4)
    assert len(seen) == 240
    crossed = [(tenant, found) for tenant, found in seen if found not in (None, tenant)]
    assert crossed == []
    if mode == "shared_class":
        # Tenants share sessions, so each request that left state cleared it before release.
        assert all(found is None for _, found in seen)
        if wire.monitor is not None:  # V$CPOOL_CC_STATS: and they did share the sessions
            assert wire.gained()["APP_CC"]["num_hits"] > 120
        if wire.srv is not None:  # the statement log: one reset per request
            resets = [r for r in wire.logged() if "CLEAR_ALL_CONTEXT('APPCTX')" in r.sql]
            assert len(resets) == 240
    else:
        assert sum(found == tenant for tenant, found in seen) > 120  # most reused their class's session
    wire.assert_no_statement_outside_the_tenants()
    wire.assert_nothing_busy()


def test_soak_threads_and_asyncio_client(wire: Wire, drcp_settings: Any) -> None:
    """8 WSGI threads plus an asyncio ASGI client, 24 tenants, 10,000 requests in random order, a third
    of them switching tenant inside the view; every statement checked on the server's side."""
    tenants = configure(drcp_settings, wire, "pool_per_tenant", 24)
    rng = random.Random(20261128)
    plan = []
    for rid in range(10_000):
        tenant = rng.choice(tenants)
        if rng.random() < 1 / 3:
            path = f"/switch/?rid={rid}&other={rng.choice(tenants)}"
        else:
            path = f"/one/?rid={rid}" if rid % 9 else f"/aone/?rid={rid}"
        plan.append((rid, tenant, path))
    async_part = [p for p in plan if p[0] % 9 == 0]  # about 1,100 requests over ASGI
    sync_part: queue.SimpleQueue[tuple[int, str, str]] = queue.SimpleQueue()
    for item in plan:
        if item[0] % 9:
            sync_part.put(item)

    wsgi, asgi = WSGIHandler(), ASGIHandler()
    tags: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def check(rid: int, tenant: str, status: int, body: bytes) -> None:
        if status != 200:
            errors.append(f"{rid} {tenant}: {status} {body[:300]!r}")
            return
        got = wire.note(json.loads(body))["tags"]
        with lock:
            tags.update(t.split(":")[0] for t in got)
        if got[0].split(":")[:2] != [tenant, str(rid)]:
            errors.append(f"{rid} {tenant}: tags {got}")

    def thread_worker() -> None:
        while True:
            try:
                rid, tenant, path = sync_part.get_nowait()
            except queue.Empty:
                return
            try:
                status, _, body = wsgi_get(wsgi, path, {"X-Tenant": tenant})
            except Exception as exc:  # pragma: no cover - reported by the assertion below
                errors.append(f"{rid}: {exc!r}")
                continue
            check(rid, tenant, status, body)

    async def asyncio_client() -> None:
        limit = asyncio.Semaphore(4)

        async def one(rid: int, tenant: str, path: str) -> None:
            async with limit:
                status, _, body = await asgi_get(asgi, path, {"X-Tenant": tenant})
            check(rid, tenant, status, body)

        await asyncio.gather(*(one(*item) for item in async_part))

    run_threads(*[thread_worker] * 8, functools.partial(asyncio.run, asyncio_client()))

    assert errors == []
    assert sum(tags.values()) >= 10_000
    wire.assert_every_statement_ran_as_its_tenant(sum(tags.values()))
    wire.assert_no_statement_outside_the_tenants()
    wire.assert_nothing_busy()
    if wire.monitor is not None:
        classes = wire.gained()
        for name in tenants:
            figures = classes[f"T_{name}"]
            assert figures["num_hits"] > figures["num_misses"], (name, figures)  # reused by class


def test_no_checkout_outside_the_request_tenant(wire: Wire, drcp_settings: Any) -> None:
    """Also after the view: Django's request_finished handling must not check out a connection without
    the tenant (it runs after TenantMiddleware has reset the context)."""
    tenants = configure(drcp_settings, wire, "pool_per_tenant", 3)
    handler = WSGIHandler()
    for rid in range(12):
        wire.get_json(handler, f"/switch/?rid={rid}&other={tenants[(rid + 1) % 3]}", tenants[rid % 3])
    wire.assert_no_statement_outside_the_tenants()
    assert all(p.tenant is not None for p in get_registry().stats())


def test_asgi_1000_requests_keep_the_tenant_and_leak_nothing(wire: Wire, drcp_settings: Any) -> None:
    tenants = configure(drcp_settings, wire, "pool_per_tenant", 5)
    app = ASGIHandler()

    async def main() -> list[tuple[int, dict[str, str], bytes]]:
        limit = asyncio.Semaphore(8)

        async def one(rid: int) -> tuple[int, dict[str, str], bytes]:
            path = f"/aone/?rid={rid}" if rid % 2 else f"/one/?rid={rid}"  # async and sync views
            async with limit:
                return await asgi_get(app, path, {"X-Tenant": tenants[rid % 5]})

        return await asyncio.gather(*(one(rid) for rid in range(1000)))

    responses = asyncio.run(main())
    assert [status for status, _, _ in responses] == [200] * 1000
    for rid, (_, _, body) in enumerate(responses):
        seen = wire.note(json.loads(body))
        assert seen["tags"][0].startswith(f"{tenants[rid % 5]}:{rid}:")
        if rid % 2:
            assert seen["tenant"] == tenants[rid % 5]  # the async view itself
    wire.assert_every_statement_ran_as_its_tenant(1000)
    wire.assert_no_statement_outside_the_tenants()
    wire.assert_nothing_busy()  # every checkout was given back
    assert sum(p.opened for p in get_registry().stats()) <= 5 * settings.DATABASES["default"]["POOL"]["max"]


def test_tenant_at_its_cap_gets_503_while_others_are_served(wire: Wire, drcp_settings: Any) -> None:
    configure(drcp_settings, wire, "pool_per_tenant", 2, TENANT_WAIT_TIMEOUT=0.2)
    get_catalog().remove("t00")
    get_catalog().add("t00", max_busy=1)
    handler = WSGIHandler()
    wire_urls.HOLD.clear()
    wire_urls.HELD.clear()
    holder = threading.Thread(target=wire.get_json, args=(handler, "/hold/?rid=1", "t00"))
    holder.start()
    try:
        assert wire_urls.HELD.wait(60)
        status, headers, _ = wsgi_get(handler, "/one/?rid=2", {"X-Tenant": "t00"})
        assert (status, headers.get("Retry-After")) == (503, "1")
        assert wire.get_json(handler, "/one/?rid=3", "t01")["tags"] == ["t01:3:a"]  # another tenant is served
    finally:
        wire_urls.HOLD.set()
        holder.join()
    assert wire.get_json(handler, "/one/?rid=4", "t00")["tags"] == ["t00:4:a"]  # and t00 again once released
    assert sorted(wire.tags()) == ["t00:1:a", "t00:4:a", "t01:3:a"]
    wire.assert_every_statement_ran_as_its_tenant(3)  # on the wire server: the refused request ran nothing
    wire.assert_nothing_busy()


def test_disabled_tenant_pool_is_closed_and_new_tenant_served_without_restart(
    wire: Wire, drcp_settings: Any
) -> None:
    configure(drcp_settings, wire, "pool_per_tenant", 2)
    handler = WSGIHandler()
    wire.get_json(handler, "/one/?rid=1", "t00")
    assert [p.tenant for p in get_registry().stats()] == ["t00"]
    get_catalog().set_enabled("t00", False)
    assert get_registry().stats() == []  # drained and closed
    assert wsgi_get(handler, "/one/?rid=2", {"X-Tenant": "t00"})[0] == 404
    get_catalog().add("late")
    assert wire.get_json(handler, "/one/?rid=3", "late")["tags"] == ["late:3:a"]
    wire.assert_every_statement_ran_as_its_tenant(2)
    if wire.monitor is not None:
        assert set(wire.gained()) == {"T_t00", "T_late"}  # V$CPOOL_CC_STATS: DRCP requests per class
        assert wire.monitor.connected(wire.test_user()) == [
            ("T_late", "SELF")
        ]  # t00's pool closed, late's is open


class TenantRow(models.Model):
    """A tenant catalog table (ModelCatalog), on the shared alias."""

    name = models.CharField(max_length=63, unique=True)
    cclass = models.CharField(max_length=128, blank=True)
    purity = models.CharField(max_length=8, blank=True)
    max_busy = models.IntegerField(null=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        app_label = "tenant_catalog"


def test_model_catalog_tenants_managed_by_command_at_runtime(wire: Wire, drcp_settings: Any) -> None:
    """``manage.py tenants add`` writes the catalog table; the running process serves the new tenant on
    its next request, under its class, with no restart and no settings change; ``disable`` closes its
    pool and the next request is a 404."""
    with connection.schema_editor() as editor:
        editor.create_model(TenantRow)
    try:
        drcp_settings(
            TENANT_CATALOG=("tests.tenancy.test_wire.TenantRow", {"ttl": 0}),
            CCLASS_PREFIX="T_",
            RESOLVERS=["header"],
        )
        handler = WSGIHandler()
        assert wsgi_get(handler, "/one/?rid=1", {"X-Tenant": "newco"})[0] == 404
        call_command("tenants", "add", "newco", "--max-busy", "2", stdout=io.StringIO())
        assert wire.get_json(handler, "/one/?rid=2", "newco")["tags"] == ["newco:2:a"]
        [ran] = wire.ran
        assert (ran["user"], ran["client_identifier"]) == (wire.test_user(), "newco")
        wire.assert_every_statement_ran_as_its_tenant(1)
        if wire.monitor is not None:
            assert ("T_newco", "SELF") in wire.monitor.connected(wire.test_user())  # V$CPOOL_CONN_INFO
        assert [(p.tenant, p.cclass) for p in get_registry().stats() if p.tenant] == [("newco", "T_newco")]
        listed = io.StringIO()
        call_command("tenants", "list", "--json", stdout=listed)
        assert [(t["name"], t["max_busy"], t["enabled"]) for t in json.loads(listed.getvalue())] == [
            ("newco", 2, True)
        ]
        call_command("tenants", "disable", "newco", stdout=io.StringIO())
        assert [p for p in get_registry().stats() if p.tenant] == []  # its pool was closed
        assert wsgi_get(handler, "/one/?rid=3", {"X-Tenant": "newco"})[0] == 404
        assert len(wire.ran) == 1
        if wire.srv is not None:
            assert len(wire.tagged()) == 1  # nothing ran for the disabled tenant
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(TenantRow)


def test_alias_mode_orm_rows_stay_in_the_tenants_schema(wire: Wire, drcp_settings: Any) -> None:
    """The ORM, through TenantRouter: each tenant writes and reads its own schema (its own user)."""
    tenants = configure(drcp_settings, wire, "alias", 2)
    for alias in tenants:
        with connections[alias].schema_editor() as editor:
            editor.create_model(wire_urls.Note)
    try:
        handler = WSGIHandler()
        answers = [
            wire.get_json(handler, "/notes/?text=first", "t00"),
            wire.get_json(handler, "/notes/?text=second", "t01"),
            wire.get_json(handler, "/notes/?text=third", "t00"),
        ]
        assert [a["notes"] for a in answers] == [["first"], ["second"], ["first", "third"]]
        users = [str(settings.DATABASES[t]["USER"]).upper() for t in ("t00", "t01", "t00")]
        assert [(a["facts"]["user"], a["facts"]["schema"]) for a in answers] == [(u, u) for u in users]
        if wire.srv is not None:  # the class of each INSERT, from the statement log
            writes = [r for r in wire.logged() if r.sql.lstrip().upper().startswith("INSERT")]
            assert [(r.username, short_class(r.cclass)) for r in writes] == [
                ("U_T00", "CC_T00"),
                ("U_T01", "CC_T01"),
                ("U_T00", "CC_T00"),
            ]
    finally:
        for alias in tenants:
            with connections[alias].schema_editor() as editor:
                editor.delete_model(wire_urls.Note)


@pytest.mark.parametrize("mode", MODES)
def test_rows_written_by_one_tenant_are_never_seen_by_another(
    wire: Wire, drcp_settings: Any, mode: str
) -> None:
    """TenantScopedModel: in the shared-schema modes every tenant's rows share one table, and still each
    tenant reads, updates and deletes only its own; in mode "alias" each schema holds one tenant's."""
    tenants = configure(drcp_settings, wire, mode, 3)
    catalog = get_catalog()
    aliases = tenants if mode == "alias" else ["default"]
    for alias in aliases:
        with connections[alias].schema_editor() as editor:
            editor.create_model(wire_urls.ScopedNote)
    try:
        for t in tenants:
            with tenant_context(catalog.get(t)):
                wire_urls.ScopedNote.objects.create(text=f"{t} one")
                wire_urls.ScopedNote.objects.bulk_create([wire_urls.ScopedNote(text=f"{t} two")])
        for t in tenants:
            with tenant_context(catalog.get(t)):
                notes = wire_urls.ScopedNote.objects
                assert sorted(notes.values_list("text", "tenant")) == [(f"{t} one", t), (f"{t} two", t)]
                other = next(x for x in tenants if x != t)
                assert not notes.filter(text__startswith=other).exists()
                assert notes.update(text="changed") == 2  # only its own rows
        first, second = tenants[:2]
        with tenant_context(catalog.get(first)):
            assert wire_urls.ScopedNote.objects.all().delete()[0] == 2
            stranger = wire_urls.ScopedNote(text="forged", tenant=second)
            with pytest.raises(ValueError, match="written while tenant"):
                stranger.save()
        with tenant_context(catalog.get(second)):
            assert wire_urls.ScopedNote.objects.count() == 2  # untouched by the first tenant's delete
        with pytest.raises(NoTenant):
            wire_urls.ScopedNote.objects.count()  # no tenant: refused, not every tenant's rows
        rows_per_alias = {alias: wire_urls.ScopedNote.all_tenants.using(alias).count() for alias in aliases}
        assert sum(rows_per_alias.values()) == 4  # second's and third's rows are all still there
        if mode != "alias":
            assert rows_per_alias == {"default": 4}  # one shared table
        if wire.monitor is not None:  # V$CPOOL_CC_STATS: each tenant's checkouts ran under its class
            # The DDL ran on the alias's own class; in modes "alias" and "shared_class" that is the
            # tenants' class too.
            own_class = mode in ("alias", "shared_class")
            schema_classes = set() if own_class else {settings.DATABASES["default"]["OPTIONS"]["cclass"]}
            assert set(wire.gained()) - schema_classes == {expected_class(catalog.get(t)) for t in tenants}
        if wire.srv is not None:  # the statement log: every write ran under the writing tenant's class
            inserts = [r for r in wire.logged() if r.sql.lstrip().upper().startswith("INSERT")]
            assert len(inserts) == 6
            assert Counter((short_class(r.cclass), r.client_identifier) for r in inserts) == {
                (expected_class(catalog.get(t)), t): 2 for t in tenants
            }
    finally:
        for alias in aliases:
            with connections[alias].schema_editor() as editor:
                editor.delete_model(wire_urls.ScopedNote)


def test_a_row_of_another_tenant_is_never_overwritten_or_deleted_by_primary_key(
    wire: Wire, drcp_settings: Any
) -> None:
    """TenantScopedModel.save() of an instance carrying another tenant's primary key must not turn into an
    UPDATE of that tenant's row (Django updates by pk through the unscoped base manager), and delete() of
    such an instance must not remove it."""
    tenants = configure(drcp_settings, wire, "pool_per_tenant", 2)
    catalog = get_catalog()
    with connections["default"].schema_editor() as editor:
        editor.create_model(wire_urls.ScopedNote)
    try:
        first, second = tenants
        with tenant_context(catalog.get(first)):
            pk = wire_urls.ScopedNote.objects.create(text="mine").pk
        with tenant_context(catalog.get(second)):
            with pytest.raises(DatabaseError):
                wire_urls.ScopedNote(pk=pk, text="hijacked").save()  # stamped with the second tenant
            with pytest.raises(ValueError, match="deleted while tenant"):
                wire_urls.ScopedNote(pk=pk).delete()
        with tenant_context(catalog.get(first)):
            own = wire_urls.ScopedNote.objects.get(pk=pk)
            own.text = "still mine"
            own.save()  # its own row: updated as usual
        rows = list(wire_urls.ScopedNote.all_tenants.using("default").values_list("pk", "text", "tenant"))
        assert rows == [(pk, "still mine", first)]
        if wire.srv is not None:  # the statement log: no UPDATE or DELETE of the second tenant unfiltered
            second_class = catalog.get(second).cclass
            writes = [
                r.sql
                for r in wire.logged()
                if short_class(r.cclass) == second_class
                and r.sql.lstrip().upper().startswith(("UPDATE", "DELETE"))
            ]
            assert all('"TENANT"' in sql.upper() for sql in writes), writes
    finally:
        with connections["default"].schema_editor() as editor:
            editor.delete_model(wire_urls.ScopedNote)


def test_a_connection_left_open_by_a_finished_thread_gives_its_tenant_slot_back(
    wire: Wire, drcp_settings: Any
) -> None:
    """A worker thread (e.g. of a TenantThreadPoolExecutor) uses the ORM and ends without closing its
    connection: Django drops the thread's wrapper and the driver returns the connection to its pool when
    it is collected. The registry must then give the tenant's max_busy slot back too, or the tenant stays
    at its cap (503) for the life of the process."""
    import gc

    from drcp_multi.limits import get_limiter

    drcp_settings(
        TENANCY_MODE="pool_per_tenant",
        TENANTS={"t00": {"max_busy": 1}},
        CCLASS_PREFIX="T_",
        RESOLVERS=["header"],
        TENANT_WAIT_TIMEOUT=0,
    )
    tenant = get_catalog().get("t00")

    sessions: list[SessionFacts] = []

    def work() -> None:
        with tenant_context(tenant), connections["default"].cursor() as cursor:
            sessions.append(session_facts(cursor))
        # no connections.close_all(): the thread ends holding its checkout

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    del thread
    for _ in range(3):
        gc.collect()
    # The next checkout of the same tenant is served (not TenantBusy), and nothing stays busy.
    with tenant_context(tenant), connections["default"].cursor() as cursor:
        sessions.append(session_facts(cursor))
    connections["default"].close()
    assert get_limiter().busy(tenant) == 0
    wire.assert_nothing_busy()
    worker, main = sessions
    assert worker.client_identifier == main.client_identifier == "t00"
    assert worker.identity == main.identity  # the connection the thread left went back: reused (SELF)
    if wire.monitor is not None:
        assert set(wire.gained()) == {"T_t00"}


def test_a_queryset_made_under_one_tenant_and_run_under_another_shows_only_the_runners_rows(
    wire: Wire, drcp_settings: Any
) -> None:
    """Querysets are lazy: one built under tenant A (a class attribute such as a view's
    ``queryset = Note.objects.all()`` evaluated during A's request, a cached queryset) and run during
    B's request runs on B's connection (the router decides at execution), so its tenant filter must be
    B's too, never A's rows."""
    tenants = configure(drcp_settings, wire, "pool_per_tenant", 2)
    catalog = get_catalog()
    first, second = (catalog.get(t) for t in tenants)
    with connections["default"].schema_editor() as editor:
        editor.create_model(wire_urls.ScopedNote)
    try:
        for tenant in (first, second):
            with tenant_context(tenant):
                wire_urls.ScopedNote.objects.create(text=f"{tenant.name} note")
        with tenant_context(first):
            made_under_first = wire_urls.ScopedNote.objects.all()  # not evaluated yet
        with tenant_context(second):
            assert [n.text for n in made_under_first.all()] == ["t01 note"]
            assert made_under_first.filter(text__endswith="note").count() == 1
            assert made_under_first.update(text="changed by t01") == 1
        with tenant_context(first):
            assert list(wire_urls.ScopedNote.objects.values_list("text", flat=True)) == ["t00 note"]
        unbound = wire_urls.ScopedNote.objects.all()  # no tenant while building: fine, refused when run
        with pytest.raises(NoTenant):
            list(unbound)
        with tenant_context(second):
            assert list(unbound.values_list("text", flat=True)) == ["changed by t01"]
    finally:
        with connections["default"].schema_editor() as editor:
            editor.delete_model(wire_urls.ScopedNote)


CACHE_TABLE = "drcp_blocks_cache"


@pytest.mark.parametrize("mode", MODES)
def test_cache_keys_log_records_and_urlconf_follow_the_tenant_the_database_saw(
    wire: Wire, drcp_settings: Any, mode: str
) -> None:
    """The tenant-aware building blocks in requests, checked against what the database saw: Django's
    DatabaseCache with ``contrib.cache.make_key`` writes each tenant's entries under its own key (in mode
    "alias" in its own schema), as that tenant's user and class, and a tenant reads only its own;
    ``TenantContextFilter`` records the tenant, its alias and the class its statements ran under (the
    alias's in mode "shared_class"); the middleware serves the tenant URLconf to tenants and the public
    one, which runs no statement, to requests without one."""
    tenants = configure(
        drcp_settings,
        wire,
        mode,
        2,
        TENANT_REQUIRED=False,
        PUBLIC_URLCONF="tests.tenancy.public_urls",
        TENANT_URLCONF={"*": "tests.tenancy.wire_urls"},
    )
    catalog = get_catalog()
    on_alias = {catalog.get(t).alias: catalog.get(t) for t in tenants}  # a tenant of each alias used
    caches_setting = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "tenants": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "KEY_FUNCTION": "drcp_multi.contrib.cache.make_key",
        },
    }
    records: list[Any] = []
    log_handler = logging.Handler()
    log_handler.emit = records.append  # type: ignore[method-assign]
    log_handler.addFilter(TenantContextFilter())
    wire_urls.BLOCKS_LOGGER.addHandler(log_handler)
    try:
        with override_settings(CACHES=caches_setting, ROOT_URLCONF="tests.tenancy.public_urls"):
            for alias, tenant in on_alias.items():  # the router puts the cache table on the tenant's alias
                with tenant_context(tenant):
                    call_command("createcachetable", database=alias, verbosity=0)
            try:
                if wire.srv is not None:
                    wire.srv.reset_stats()
                handler = WSGIHandler()
                order = [tenants[0], tenants[1], tenants[0], tenants[1]]
                answers = [wire.get_json(handler, f"/blocks/?rid={rid}", t) for rid, t in enumerate(order)]
                public = wsgi_get(handler, "/whoami/", {})
                not_public = wsgi_get(handler, "/blocks/?rid=9", {})
                keys = {}
                for alias, tenant in on_alias.items():
                    with tenant_context(tenant), connections[alias].cursor() as cursor:
                        cursor.execute(f"SELECT cache_key FROM {CACHE_TABLE}")
                        keys[alias] = sorted(key for (key,) in cursor.fetchall())
            finally:
                for alias, tenant in on_alias.items():
                    with tenant_context(tenant), connections[alias].cursor() as cursor:
                        cursor.execute(f"DROP TABLE {CACHE_TABLE}")
    finally:
        wire_urls.BLOCKS_LOGGER.removeHandler(log_handler)

    # The cache: a tenant sees only what it set itself; the table holds a key per tenant, with its name.
    assert [a["seen"] for a in answers] == [None, None, tenants[0], tenants[1]]
    if mode == "alias":  # a table in each tenant's schema, holding that tenant's entry only
        assert keys == {t: [f"{t}::1:owner"] for t in tenants}
    else:
        assert keys == {"default": [f"{t}::1:owner" for t in tenants]}
    # Every tagged statement ran as its tenant (user, client_identifier; on the wire server the class).
    wire.assert_every_statement_ran_as_its_tenant(len(order))
    # The log records name the tenant, its alias and the class its sessions run under.
    tags = [a["tags"][0] for a in answers]
    assert [(r.tenant, r.cclass, r.alias, r.getMessage()) for r in records] == [
        (t, expected_class(catalog.get(t)), catalog.get(t).alias, f"blocks {tag}")
        for t, tag in zip(order, tags, strict=True)
    ]
    # Requests without a tenant get the public URLconf, which knows no /blocks/.
    assert public[0] == 200 and json.loads(public[2]) == {"urlconf": "public", "reverse": "/whoami/"}
    assert not_public[0] == 404
    if wire.srv is not None:
        # The class of each tagged statement, from the server's log, is the one its log record named.
        logged_class = {r.sql.split("'")[1]: short_class(r.cclass) for r in wire.tagged()}
        assert [logged_class[tag] for tag in tags] == [r.cclass for r in records]
        # The public requests ran no statement: every one logged carries one of the tenants.
        logged = wire.logged()
        strays = [(r.sql[:60], r.client_identifier) for r in logged if r.client_identifier not in tenants]
        assert strays == []
        # Each cache write ran as the tenant whose key it wrote: its user, class and identifier.
        writes = [
            (r.username, short_class(r.cclass), r.client_identifier)
            for r in logged
            if CACHE_TABLE.upper() in r.sql.upper()
            and r.sql.lstrip().upper().startswith(("INSERT", "UPDATE"))
        ]
        users = {t: str(settings.DATABASES[catalog.get(t).alias]["USER"]).upper() for t in tenants}
        assert writes == [(users[t], expected_class(catalog.get(t)), t) for t in order]
