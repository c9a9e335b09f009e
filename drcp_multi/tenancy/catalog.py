"""The tenant catalog: tenant name -> alias, DRCP connection class, purity and quota."""

from __future__ import annotations

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
