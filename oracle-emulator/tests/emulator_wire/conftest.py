"""Fixtures for the wire server tests: a server on a free port backed by the stub engine."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from oracle_emulator import EmulatorServer

from .stub_engine import StubEngine

USER = "app"
PASSWORD = "secret"


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until ``predicate()`` holds (one-way calls such as SESSION_RELEASE get no reply, so
    the server may still be processing them when the client call returns)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


@pytest.fixture
def engine() -> StubEngine:
    return StubEngine()


@pytest.fixture
def server(engine: StubEngine) -> Iterator[EmulatorServer]:
    with EmulatorServer(users={USER: PASSWORD}, engine=engine) as srv:
        yield srv
