"""Fakes for the engine's collaborators: a server session, a server view and binds (no wire)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest

from oracle_emulator.results import Value
from oracle_emulator.sql import Engine

_sids = itertools.count(100)


@dataclass
class FakeSession:
    username: str = "APP"
    sid: int = field(default_factory=lambda: next(_sids))
    serial: int = 1
    current_schema: str = ""
    service_name: str = "FREEPDB1"
    con_name: str = "FREEPDB1"
    con_id: int = 3
    cclass: str | None = "TENANT_A"
    purity: str | None = "SELF"
    client_identifier: str | None = None
    module: str | None = None
    action: str | None = None
    client_info: str | None = None
    nls: dict[str, str] = field(default_factory=dict)
    contexts: dict[tuple[str, str], str] = field(default_factory=dict)
    program: str | None = "pytest"
    machine: str | None = "testhost"

    def __post_init__(self) -> None:
        self.current_schema = self.current_schema or self.username


@dataclass
class FakeServer:
    stats: list[dict[str, Any]] = field(default_factory=list)
    cc_stats: list[dict[str, Any]] = field(default_factory=list)
    conn_info: list[dict[str, Any]] = field(default_factory=list)
    session_rows: list[dict[str, Any]] = field(default_factory=list)

    def cpool_stats(self) -> list[dict[str, Any]]:
        return self.stats

    def cpool_cc_stats(self) -> list[dict[str, Any]]:
        return self.cc_stats

    def cpool_conn_info(self) -> list[dict[str, Any]]:
        return self.conn_info

    def sessions(self) -> list[dict[str, Any]]:
        return self.session_rows

    granted: set[tuple[str, str]] = field(default_factory=set)  # (grantee, privilege)
    readable: bool = True  # whether the session's user may read the V$ views

    def may_read(self, username: str, view: str) -> bool:
        return self.readable

    def grant(self, grantor: str, privilege: str, grantee: str) -> None:
        self.granted.add((grantee.upper(), privilege))

    def revoke(self, revoker: str, privilege: str, grantee: str) -> None:
        self.granted.discard((grantee.upper(), privilege))


@dataclass
class FakeCtx:
    session: FakeSession
    server: FakeServer


@dataclass
class B:
    value: Value = None
    name: str | None = None
    is_out: bool = False


def out() -> B:
    return B(None, None, True)


@pytest.fixture
def engine():
    eng = Engine()
    yield eng
    eng.close()


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture
def ctx(server: FakeServer) -> FakeCtx:
    return FakeCtx(FakeSession(), server)


def new_ctx(server: FakeServer, user: str = "APP", **kw: Any) -> FakeCtx:
    return FakeCtx(FakeSession(username=user, **kw), server)
