"""The logon trigger replaces the per-checkout session set-up: a reused DRCP session gets no set-up statement,
every new session is set up by the trigger, and a one-query request is one round trip (+ the one-way
release). Asserted from the server's statement log and counters."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from drcp_multi.backends.oracle.base import DatabaseWrapper
from drcp_multi.backends.oracle.session import TRIGGER_NAME
from drcp_multi.exceptions import ConfigurationError
from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import tenant_context
from tests.core.helpers import settle

Get = Callable[[str], tuple[int, str]]
pytestmark = pytest.mark.usefixtures("wire")


def trigger_command(action: str) -> str:
    out = StringIO()
    call_command("drcp_session_trigger", action, stdout=out)
    return out.getvalue()


def is_client_setup(record: Any) -> bool:
    return record.trigger is None and "NLS_TERRITORY" in record.sql.upper()


@pytest.fixture
def trigger(wire: Any) -> Iterator[None]:
    assert "installed" in trigger_command("install")
    try:
        yield
    finally:
        trigger_command("drop")
        DatabaseWrapper.forget_session_trigger_state()


def test_status_install_drop(wire: Any) -> None:
    assert trigger_command("status").endswith(": missing\n")
    assert "installed" in trigger_command("install")
    assert trigger_command("status").endswith(": installed\n")
    assert trigger_command("drop").endswith(": missing\n")


@pytest.mark.emulator_only
@pytest.mark.usefixtures("trigger")
def test_reused_sessions_get_no_setup_and_a_request_is_one_round_trip(emulator: Any, get: Get) -> None:
    get("/one-query/")  # warm-up: the trigger state (asked once), version check, LIKE probe
    settle(emulator)
    emulator.reset_stats()
    for _ in range(5):
        assert get("/one-query/") == (200, "1")
    stats = settle(emulator)
    assert stats["classes"]["APP.APP_CC"]["num_requests"] == 5  # one checkout per request
    assert (stats["round_trips"], stats["one_way"]) == (5, 5)  # the query; the release
    assert stats["sessions_created"] == 0  # all five reused the pooled session (purity SELF)
    records = emulator.statements()
    assert not [r for r in records if is_client_setup(r) or r.trigger]  # no set-up at all on reuse
    # ... and the session still has Django's formats, set once by the trigger when it was created.
    info = json.loads(get("/session-info/")[1])
    assert info["date_format"] == "YYYY-MM-DD HH24:MI:SS"


@pytest.mark.emulator_only
@pytest.mark.usefixtures("trigger")
def test_every_new_session_is_set_up_by_the_trigger(emulator: Any, get: Get) -> None:
    get("/one-query/")
    settle(emulator)
    emulator.reset_stats()
    # New classes: each tenant's first checkout needs a new DRCP session (its own pool, its own class).
    for name in ("n1", "n2", "n3"):
        with tenant_context(Tenant(name, "default", f"T_{name}")):
            assert get("/session-info/")[0] == 200
    stats = settle(emulator)
    records = emulator.statements()
    trigger_runs = [r for r in records if r.trigger]
    assert stats["sessions_created"] == 3
    assert len(trigger_runs) == 3  # one set-up per new session, by the trigger
    assert {r.trigger.split(".")[-1] for r in trigger_runs} == {TRIGGER_NAME}
    assert not [r for r in records if is_client_setup(r)]  # none by the client
    sessions_with_setup = {(r.sid, r.serial) for r in trigger_runs}
    client_sessions = {(r.sid, r.serial) for r in records if r.trigger is None}
    assert client_sessions <= sessions_with_setup  # every session a request ran in was set up


def test_without_the_trigger_each_checkout_sets_up_its_session(emulator: Any, get: Get) -> None:
    get("/one-query/")
    settle(emulator)
    emulator.reset_stats()
    for _ in range(3):
        assert get("/one-query/") == (200, "1")
    stats = settle(emulator)
    assert stats["round_trips"] == 6  # set-up + the query, per request
    assert sum(is_client_setup(r) for r in emulator.statements()) == 3


@pytest.mark.usefixtures("trigger")
def test_checkout_mode_keeps_the_setup_round_trip(emulator: Any, get: Get) -> None:
    with override_settings(DRCP_MULTI={"SESSION_SETUP": "checkout"}):
        get("/one-query/")
        settle(emulator)
        emulator.reset_stats()
        for _ in range(2):
            assert get("/one-query/") == (200, "1")
        settle(emulator)
    assert sum(is_client_setup(r) for r in emulator.statements()) == 2


def test_trigger_mode_refuses_to_run_without_it() -> None:
    with override_settings(DRCP_MULTI={"SESSION_SETUP": "trigger"}):
        connection.close()
        with pytest.raises(ConfigurationError, match=r"drcp_multi\.E017.*drcp_session_trigger install"):
            connection.ensure_connection()
        connection.close()


@pytest.mark.usefixtures("trigger")
def test_an_outdated_trigger_is_not_trusted() -> None:
    with override_settings(USE_TZ=False):  # the trigger sets TIME_ZONE; these settings do not want it
        assert connection.session_trigger_state() == "outdated"
        connection.close()
