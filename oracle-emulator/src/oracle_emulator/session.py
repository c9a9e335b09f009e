"""The server session: what a pooled server (or a dedicated connection) carries between calls.

Under DRCP, state lives here, on the *server* session, so it survives a release and is seen by the
next borrower of the same pooled server (purity SELF, same class), exactly as on Oracle.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .results import ServerView

_sid_lock = threading.Lock()
_sid_counter = itertools.count(20)


def _next_sid() -> int:
    with _sid_lock:
        return next(_sid_counter)


@dataclass(eq=False)
class ServerSession:
    """Implements :class:`oracle_emulator.results.SessionState`."""

    username: str
    service_name: str
    cclass: str | None = None
    # The container (CON_NAME, CON_ID) the session is in; the instance stamps it from the service.
    con_name: str = ""
    con_id: int = 0
    purity: str | None = None
    pooled: bool = False
    sid: int = field(default_factory=_next_sid)
    serial: int = field(default_factory=lambda: random.randint(1000, 60000))
    current_schema: str = ""
    client_identifier: str | None = None
    module: str | None = None
    action: str | None = None
    client_info: str | None = None
    nls: dict[str, str] = field(default_factory=dict)
    contexts: dict[tuple[str, str], str] = field(default_factory=dict)
    program: str | None = None
    machine: str | None = None
    terminal: str | None = None
    osuser: str | None = None
    # Broker bookkeeping (pooled servers only).
    busy: bool = False
    uses: int = 0
    in_transaction: bool = False
    created_at: float = field(default_factory=time.monotonic)
    last_active: float = field(default_factory=time.monotonic)  # end of the last call, or release
    in_call: bool = False  # a call is being served (never idle for MAX_THINK_TIME)
    killed: bool = False  # ALTER SYSTEM KILL SESSION
    ended: bool = False  # left the broker; its storage is freed (or about to be)
    # Set by the connection holding the session: closes that client connection (MAX_THINK_TIME,
    # KILL SESSION IMMEDIATE).
    disconnect: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        self.username = self.username.upper()
        if not self.current_schema:
            self.current_schema = self.username
        self.nls.setdefault("NLS_LANGUAGE", "AMERICAN")
        self.nls.setdefault("NLS_TERRITORY", "AMERICA")
        self.nls.setdefault("NLS_DATE_FORMAT", "DD-MON-RR")
        self.nls.setdefault("TIME_ZONE", "+00:00")

    @property
    def kind(self) -> str:
        return "pooled" if self.pooled else "dedicated"

    def as_v_session_row(self) -> dict[str, Any]:
        """A V$SESSION row with Oracle's column names."""
        return {
            "SID": self.sid,
            "SERIAL#": self.serial,
            "USERNAME": self.username,
            "SCHEMANAME": self.current_schema,
            "STATUS": "KILLED" if self.killed else "ACTIVE" if self.busy or not self.pooled else "INACTIVE",
            "SERVER": "POOLED" if self.pooled else "DEDICATED",
            "SERVICE_NAME": self.service_name,
            "PROGRAM": self.program,
            "MACHINE": self.machine,
            "TERMINAL": self.terminal,
            "OSUSER": self.osuser,
            "TYPE": "USER",
            "CLIENT_IDENTIFIER": self.client_identifier,
            "MODULE": self.module,
            "ACTION": self.action,
            "CLIENT_INFO": self.client_info,
            "CON_ID": self.con_id,
        }


@dataclass
class LoginSettings:
    """What a client's connect data and login ask of every server session it is given."""

    program: str | None = None
    machine: str | None = None
    terminal: str | None = None
    osuser: str | None = None
    time_zone: str | None = None  # from the login's AUTH_ALTER_SESSION
    contexts: list[tuple[str, str, str]] = field(default_factory=list)  # (namespace, attribute, value)

    def apply(self, session: ServerSession, new: bool) -> None:
        """Stamp ``session`` for this client; the time zone only when the session is new (a reused
        pooled session keeps what it had, as under DRCP)."""
        session.program = self.program
        session.machine = self.machine
        session.terminal = self.terminal
        session.osuser = self.osuser
        if new and self.time_zone:
            session.nls["TIME_ZONE"] = self.time_zone
        for namespace, attribute, value in self.contexts:
            session.contexts[(namespace.upper(), attribute.upper())] = value


@dataclass
class ExecutionCtx:
    """Implements :class:`oracle_emulator.results.ExecutionContext` for one engine call."""

    session: ServerSession
    server: ServerView
