"""What the database itself says about a DRCP session, through SQL a real Oracle answers.

The tests assert DRCP from here, so the same assertions run against the wire server and against a live
Oracle (``DRCP_TEST_DSN``):

* :func:`session_facts` — ``SYS_CONTEXT('USERENV', …)`` of the session a checkout is attached to: the
  user, current schema, the trace attributes (``CLIENT_IDENTIFIER``, ``MODULE``, ``ACTION``), the
  ``CLIENT_INFO`` a previous holder may have left, and which session it is (``SID`` with ``SESSIONID``,
  the audit session id Oracle gives each new session, so a session destroyed and re-created on the same
  pooled server counts as another). Any user may read these (Oracle SQL Language Reference, SYS_CONTEXT).
* :class:`DrcpMonitor` — a separate, dedicated connection with SELECT_CATALOG_ROLE (or SELECT on the
  views) reading ``V$CPOOL_CC_STATS`` (requests, hits and misses per connection class),
  ``V$CPOOL_CONN_INFO`` (the classes and purities of the clients connected to the broker) and
  ``V$SESSION`` (``SERVER = 'POOLED'``, the trace attributes as the database shows them to others).
  On Oracle these views need the grant, and from a PDB ``V$CPOOL_*`` have rows only with per-PDB DRCP
  (23ai): point the monitoring DSN at the root otherwise (docs/live-oracle.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import oracledb

_KEYS = (
    ("user", "SESSION_USER"),
    ("schema", "CURRENT_SCHEMA"),
    ("client_identifier", "CLIENT_IDENTIFIER"),
    ("module", "MODULE"),
    ("action", "ACTION"),
    ("client_info", "CLIENT_INFO"),
    ("sid", "SID"),
    ("audsid", "SESSIONID"),
)
#: The select list of :func:`session_facts`, for a caller that adds its own columns before it.
FACT_COLUMNS = ", ".join(f"SYS_CONTEXT('USERENV', '{key}')" for _, key in _KEYS)
SESSION_FACTS_SQL = f"SELECT {FACT_COLUMNS} FROM DUAL"


@dataclass(frozen=True)
class SessionFacts:
    """The session a connection is attached to, as ``SYS_CONTEXT('USERENV', …)`` reports it."""

    user: str | None
    schema: str | None
    client_identifier: str | None
    module: str | None
    action: str | None
    client_info: str | None
    sid: str | None
    audsid: str | None

    @property
    def identity(self) -> str:
        """One database session: the same on reuse (a DRCP hit), another once the session is re-created."""
        return f"{self.sid}:{self.audsid}"

    @property
    def traced(self) -> bool:
        return bool(self.client_identifier or self.module or self.action)

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> SessionFacts:
        return cls(*(None if value in (None, "") else str(value) for value in row))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionFacts:
        return cls(**{name: data.get(name) for name, _ in _KEYS})


def session_facts(cursor: Any) -> SessionFacts:
    """The facts of the session ``cursor`` runs on (a python-oracledb or Django cursor)."""
    cursor.execute(SESSION_FACTS_SQL)
    return SessionFacts.from_row(tuple(cursor.fetchone()))


def short_class(cclass: str | None) -> str:
    """Oracle shows a class as ``USER.CCLASS``; the part the client chose."""
    return (cclass or "").rsplit(".", 1)[-1]


class MonitorUnavailable(RuntimeError):
    """The monitoring connection cannot read the DRCP views (no grant, or no rows in this container)."""


class DrcpMonitor:
    """A dedicated connection reading DRCP's views; its own queries are no DRCP request."""

    def __init__(self, dsn: str, user: str, password: str) -> None:
        self.dsn = dsn
        self.connection = oracledb.connect(user=user, password=password, dsn=dsn)
        try:
            self._rows("SELECT COUNT(*) FROM V$CPOOL_CC_STATS")
            self._rows("SELECT COUNT(*) FROM V$CPOOL_CONN_INFO")
            self._rows("SELECT COUNT(*) FROM V$SESSION")
        except oracledb.DatabaseError as exc:
            self.close()
            raise MonitorUnavailable(
                f"the monitoring user {user!r} cannot read V$CPOOL_CC_STATS, V$CPOOL_CONN_INFO and V$SESSION "
                f"({exc}); grant it SELECT_CATALOG_ROLE (see docs/live-oracle-user.sql)"
            ) from exc

    def close(self) -> None:
        self.connection.close()

    def _rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params or {})
            return list(cursor.fetchall())

    def class_figures(self) -> dict[str, dict[str, int]]:
        """``V$CPOOL_CC_STATS``: {``USER.CCLASS``: {num_requests, num_hits, num_misses}}."""
        rows = self._rows("SELECT CCLASS_NAME, NUM_REQUESTS, NUM_HITS, NUM_MISSES FROM V$CPOOL_CC_STATS")
        figures: dict[str, dict[str, int]] = {}
        for name, requests, hits, misses in rows:
            into = figures.setdefault(str(name), {"num_requests": 0, "num_hits": 0, "num_misses": 0})
            into["num_requests"] += int(requests or 0)  # one row per class and container (CON_ID)
            into["num_hits"] += int(hits or 0)
            into["num_misses"] += int(misses or 0)
        return figures

    def figures_since(self, before: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
        """What each class gained since ``before`` (an earlier :meth:`class_figures`); classes with no
        new request are left out."""
        gained: dict[str, dict[str, int]] = {}
        for name, now in self.class_figures().items():
            then = before.get(name, {})
            delta = {key: value - then.get(key, 0) for key, value in now.items()}
            if delta["num_requests"] > 0:
                gained[name] = delta
        return gained

    def connected(self, username: str) -> list[tuple[str, str]]:
        """``V$CPOOL_CONN_INFO``: (class as the client chose it, purity) of each client of ``username``
        connected to the broker."""
        rows = self._rows(
            "SELECT CCLASS_NAME, PURITY FROM V$CPOOL_CONN_INFO WHERE USERNAME = :username",
            {"username": username.upper()},
        )
        return sorted((short_class(str(cclass)), str(purity).upper()) for cclass, purity in rows)

    def session(self, sid: str | int) -> dict[str, str | None]:
        """``V$SESSION`` of one session: SERVER, USERNAME, CLIENT_IDENTIFIER, MODULE, ACTION."""
        rows = self._rows(
            "SELECT SERVER, USERNAME, CLIENT_IDENTIFIER, MODULE, ACTION FROM V$SESSION WHERE SID = :sid",
            {"sid": int(sid)},
        )
        if not rows:
            return {}
        keys = ("server", "username", "client_identifier", "module", "action")
        return {
            key: (None if value in (None, "") else str(value))
            for key, value in zip(keys, rows[0], strict=True)
        }
