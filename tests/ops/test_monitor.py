"""The broker's figures through a monitoring connection, and why they are missing when they are."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import oracledb
import pytest
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from drcp_multi.monitor import (
    CLASS_SQL,
    BrokerFigures,
    BrokerMonitor,
    BrokerPool,
    capacity_advice,
    get_monitor,
    read_broker,
)
from drcp_multi.testing.handlers import wsgi_get
from drcp_multi.testing.pytest_plugin import MONITOR_ROLE, start_emulator

pytestmark = pytest.mark.usefixtures("wire")


def request_once() -> None:
    from django.core.handlers.wsgi import WSGIHandler

    with override_settings(MIDDLEWARE=[]):
        assert wsgi_get(WSGIHandler(), "/one-query/")[0] == 200


@pytest.mark.emulator_only
def test_figures_match_the_servers_own(wire: Any) -> None:
    request_once()
    figures = read_broker("default")
    assert figures.available and figures.problem is None
    server = wire.stats()["classes"]
    assert {c.cclass for c in figures.classes} == set(server)
    for cls in figures.classes:
        own = server[cls.cclass]
        # The monitor's own checkout is one more request of its class than the server had before it.
        assert cls.hits + cls.misses == cls.requests
        assert cls.requests >= own["num_requests"] - 1
    assert figures.pool is not None and figures.pool.max_servers == wire.broker.max_pooled_servers
    assert figures.client_connections is not None and figures.client_connections >= 1


@pytest.mark.emulator_only
def test_cached_once_per_interval(wire: Any) -> None:
    monitor = BrokerMonitor(interval=3600)
    first = monitor.figures()
    wire.reset_stats()
    assert monitor.figures() is first  # no second read within the interval
    assert wire.stats()["round_trips"] == 0
    fresh = monitor.figures(max_age=0)
    assert fresh is not first and wire.stats()["round_trips"] > 0


@pytest.fixture
def monitor_alias_to(wire: Any) -> Iterator[Callable[..., str]]:
    """Adds a DATABASES alias on Django's own Oracle backend (a dedicated server: no DRCP request itself)
    for a given DSN and user, as a deployment's monitoring alias would be; removed afterwards."""
    from django.conf import settings

    added: list[str] = []

    def add(dsn: str, user: str, password: str) -> str:
        alias = f"monitor{len(added)}"
        settings.DATABASES[alias] = {  # in place, as the pytest plugin points the entries
            "ENGINE": "django.db.backends.oracle",
            "NAME": dsn,
            "USER": user,
            "PASSWORD": password,
            "HOST": "",
            "PORT": "",
            "OPTIONS": {},
            "TEST": {"MIRROR": "default"},
        }
        connections.settings = connections.configure_settings(settings.DATABASES)
        added.append(alias)
        return alias

    try:
        yield add
    finally:
        for alias in added:
            connections[alias].close()
            del connections[alias]
            del settings.DATABASES[alias]
        connections.settings = connections.configure_settings(settings.DATABASES)


@pytest.fixture
def cdb_wide_pool() -> Iterator[Any]:
    """A wire server with Oracle's default ENABLE_PER_PDB_DRCP = FALSE: one pool for the CDB, its figures
    in CDB$ROOT only; a monitoring user granted the views, as docs/live-oracle-user.sql does."""
    server = start_emulator(
        users={"app": "secret", "watch": "watch_pw"}, per_pdb_drcp=False, grants={"watch": [MONITOR_ROLE]}
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.emulator_only
def test_no_rows_in_a_pdb_without_per_pdb_drcp_says_to_monitor_from_the_root(
    cdb_wide_pool: Any, monitor_alias_to: Callable[..., str]
) -> None:
    client = oracledb.connect(user="app", password="secret", dsn=cdb_wide_pool.dsn + ":pooled", cclass="WORK")
    client.cursor().execute("SELECT 1 FROM dual").fetchall()
    client.close()
    cdb_wide_pool.wait_idle()
    assert "APP.WORK" in cdb_wide_pool.stats()["classes"]  # the pool served the PDB's client ...

    in_pdb = read_broker(monitor_alias_to(cdb_wide_pool.dsn, "watch", "watch_pw"))
    assert not in_pdb.available and in_pdb.classes == () and in_pdb.pool is None  # ... its PDB sees none
    assert in_pdb.error_code == "no-rows" and in_pdb.container == "FREEPDB1"
    assert "use a monitoring alias connected to CDB$ROOT" in (in_pdb.problem or "")
    assert "DRCP_MULTI['MONITOR_ALIAS']" in (in_pdb.problem or "")

    in_root = read_broker(monitor_alias_to(cdb_wide_pool.root_dsn, "watch", "watch_pw"))
    assert in_root.available and in_root.problem is None and in_root.container == "CDB$ROOT"
    assert {c.cclass: c.requests for c in in_root.classes} == {
        name: figures["num_requests"] for name, figures in cdb_wide_pool.stats()["classes"].items()
    }


@pytest.mark.emulator_only
def test_no_privilege_says_which_grant(wire: Any, monitor_alias_to: Callable[..., str]) -> None:
    wire.add_user("nogrant", "nogrant_pw")  # a user a DBA gave no SELECT_CATALOG_ROLE
    figures = read_broker(monitor_alias_to(wire.dsn, "nogrant", "nogrant_pw"))
    assert not figures.available and figures.error_code == "ORA-00942"
    problem = figures.problem or ""
    assert "grant SELECT_CATALOG_ROLE or SELECT on V_$CPOOL_STATS, V_$CPOOL_CC_STATS" in problem
    assert "user nogrant of DATABASES['monitor0']" in problem
    # From the server's side: the refusal was its answer to the user's query of the view.
    refused = [s for s in wire.statements() if s.username == "NOGRANT" and s.error_code == 942]
    assert [s.sql for s in refused] == [CLASS_SQL]


def test_capacity_advice_counts_the_servers_that_would_stop_reclaims() -> None:
    pool = BrokerPool(
        open_servers=40,
        busy_servers=12,
        max_servers=40,
        requests=1000,
        hits=600,
        misses=400,
        waits=0,
        reclaims=300,
        historic_max=40,
    )
    before = BrokerFigures("default", 0.0, (), BrokerPool(40, 0, 40, 200, 150, 50, 0, 40, 40))
    figures = BrokerFigures("default", 1.0, (), pool, client_connections=97, previous=before)
    advice = capacity_advice(figures)
    assert advice is not None
    assert "reclaimed 260 pooled servers from other classes in 800 requests" in advice
    assert "About 97 pooled servers" in advice and "'MAXSIZE', param_value => '97'" in advice
    quiet = BrokerFigures("default", 1.0, (), BrokerPool(40, 1, 40, 1000, 999, 1, 0, 1, 10))
    assert capacity_advice(quiet) is None


@pytest.mark.emulator_only
def test_the_command_and_the_metrics_give_the_reason_instead_of_figures(
    wire: Any, monitor_alias_to: Callable[..., str]
) -> None:
    from django.conf import settings

    from drcp_multi.metrics import BrokerCollector

    wire.add_user("nogrant", "nogrant_pw")
    alias = monitor_alias_to(wire.dsn, "nogrant", "nogrant_pw")
    with override_settings(DRCP_MULTI={**settings.DRCP_MULTI, "MONITOR_ALIAS": alias}):
        get_monitor().clear()
        out = io.StringIO()
        call_command("drcp_pools", "stats", "--connect", stdout=out)
        said = f"broker ({alias}): figures missing: ORA-00942: user nogrant of DATABASES[{alias!r}]"
        assert said in out.getvalue()
        families = {f.name: f for f in BrokerCollector().collect()}
    assert [s.value for s in families["drcp_multi_broker_up"].samples] == [0]
    (problem,) = families["drcp_multi_broker_problem"].samples
    assert problem.labels["code"] == "ORA-00942" and "grant SELECT_CATALOG_ROLE" in problem.labels["reason"]
    assert not any(name.startswith("drcp_multi_broker_requests") for name in families)  # no empty figures
