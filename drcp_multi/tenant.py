"""The plain values every layer passes around: a tenant as the catalog knows it, and the tracing attributes
stamped on each checkout. A leaf module: it imports nothing of drcp_multi, Django or the driver."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Tenant:
    """One tenant as the catalog knows it.

    ``cclass`` is the DRCP connection class its sessions run under; ``alias`` the DATABASES alias its
    queries go to; ``max_busy`` caps the connections it may hold at once in this process (None: only the
    pool's own maximum applies).
    """

    name: str
    alias: str
    cclass: str
    purity: int | None = None  # an oracledb.Purity value; None: the alias's configured purity
    max_busy: int | None = None
    enabled: bool = True
    created: datetime.datetime | None = None  # when the tenant was created, if the catalog knows it


@dataclass(frozen=True)
class TraceAttributes:
    """What each checkout stamps on the session (piggybacked by the driver, no extra round trip)."""

    client_identifier: str | None = None
    module: str | None = None
    action: str | None = None


NO_TRACE = TraceAttributes()
