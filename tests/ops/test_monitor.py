"""The broker's figures through a monitoring connection, and why they are missing when they are."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, connections
from django.test import override_settings

from drcp_multi.monitor import (
    BrokerFigures,
    BrokerMonitor,
    BrokerPool,
    capacity_advice,
    problem_for_error,
    read_broker,
)
from drcp_multi.testing.handlers import wsgi_get

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
def dedicated_alias(wire: Any) -> Iterator[str]:
    """A monitoring alias on Django's own Oracle backend (a dedicated server: no DRCP request itself)."""
    from django.conf import settings

    default = settings.DATABASES["default"]
    entry = {
        "ENGINE": "django.db.backends.oracle",
        "NAME": default["NAME"],
        "USER": default["USER"],
        "PASSWORD": default["PASSWORD"],
        "HOST": "",
        "PORT": "",
        "OPTIONS": {},
        "TEST": {"MIRROR": "default"},
    }
    settings.DATABASES["monitor"] = entry  # in place, as the pytest plugin points the entries
    connections.settings = connections.configure_settings(settings.DATABASES)
    try:
        yield "monitor"
    finally:
        connections["monitor"].close()
        del connections["monitor"]
        del settings.DATABASES["monitor"]
        connections.settings = connections.configure_settings(settings.DATABASES)


@pytest.mark.emulator_only
def test_no_rows_says_to_use_a_monitoring_alias_in_the_root(wire: Any, dedicated_alias: str) -> None:
    wire.reset_stats()  # nothing asked DRCP for a server: V$CPOOL_CC_STATS has no row, as in a PDB
    figures = read_broker(dedicated_alias)
    assert not figures.available and figures.classes == ()
    assert figures.error_code == "no-rows"
    assert "use a monitoring alias connected to CDB$ROOT" in (figures.problem or "")
    assert "DRCP_MULTI['MONITOR_ALIAS']" in (figures.problem or "")


def test_no_privilege_says_which_grant(wire: Any) -> None:
    # A real ORA-00942 from the server (the view a user without the grant cannot see).
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_view_granted")
    except DatabaseError as exc:
        error = exc
    else:
        raise AssertionError("the server ran a query on a missing view")
    finally:
        connections["default"].close()
    problem, code = problem_for_error(error, "default", "app")
    assert code == "ORA-00942"
    assert "grant SELECT_CATALOG_ROLE or SELECT on V_$CPOOL_STATS, V_$CPOOL_CC_STATS" in problem
    assert "user app of DATABASES['default']" in problem


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
