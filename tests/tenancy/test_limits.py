"""The per-tenant limiter: a tenant at its cap waits a bounded time, other tenants go on."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from drcp_multi.exceptions import PoolTimeout
from drcp_multi.limits import TenantBusy, TenantLimiter, get_limiter
from drcp_multi.tenancy.catalog import Tenant
from tests.tenancy.handlers import run_threads

CAPPED = Tenant(name="capped", alias="default", cclass="C", max_busy=2)
FREE = Tenant(name="free", alias="default", cclass="F")


def test_cap_and_timeout_error() -> None:
    limiter = TenantLimiter()
    limiter.acquire(CAPPED, timeout=1)
    limiter.acquire(CAPPED, timeout=1)
    with pytest.raises(TenantBusy, match=r"'capped'.*max_busy=2") as info:
        limiter.acquire(CAPPED, timeout=0)
    assert isinstance(info.value, PoolTimeout)  # an oracledb.OperationalError, like pool exhaustion
    # The message names the settings involved and what to change.
    message = str(info.value)
    assert "DRCP_MULTI['TENANT_WAIT_TIMEOUT']" in message and "raise its max_busy in the catalog" in message
    assert info.value.tenant is CAPPED
    for _ in range(50):  # an uncapped tenant is never held up by the capped one
        limiter.acquire(FREE, timeout=0)
    assert limiter.stats() == {"capped": 2, "free": 50}
    assert limiter.busy() == 52 and limiter.busy("capped") == 2


def test_release_wakes_a_waiter() -> None:
    limiter = TenantLimiter()
    limiter.acquire(CAPPED)
    limiter.acquire(CAPPED)
    got = threading.Event()
    waiting = threading.Event()

    def waiter() -> None:
        waiting.set()
        limiter.acquire(CAPPED, timeout=60)
        got.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    waiting.wait()
    assert not got.is_set()
    limiter.release(CAPPED)
    thread.join()
    assert got.is_set()
    assert limiter.busy(CAPPED) == 2


def test_unpaired_release_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="without a matching acquire"):
        TenantLimiter().release(FREE)


def test_threads_never_exceed_the_cap() -> None:
    limiter = TenantLimiter()
    lock = threading.Lock()
    inside = {"now": 0, "max": 0}
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(200):
                limiter.acquire(CAPPED, timeout=30)
                with lock:
                    inside["now"] += 1
                    inside["max"] = max(inside["max"], inside["now"])
                with lock:
                    inside["now"] -= 1
                limiter.release(CAPPED)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    run_threads(*[worker] * 6)
    assert errors == []
    assert inside["max"] <= 2
    assert limiter.stats() == {}


def test_default_timeout_from_settings(drcp_settings: Any) -> None:
    drcp_settings(TENANT_WAIT_TIMEOUT=0)
    limiter = TenantLimiter()
    one = Tenant(name="one", alias="default", cclass="O", max_busy=1)
    limiter.acquire(one)
    with pytest.raises(TenantBusy, match="within 0 s"):
        limiter.acquire(one)


def test_process_wide_limiter() -> None:
    assert get_limiter() is get_limiter()
