"""The containers of the emulated CDB: the root ``CDB$ROOT`` and one PDB, each reached by its service.

Oracle Database Free is a CDB: the root's service is ``FREE``, the PDB ``FREEPDB1`` has a service of the
same name. ``SYS_CONTEXT('USERENV', 'CON_NAME')`` / ``'CON_ID'`` name the container a session is in
(CON_ID 1 is the root, PDBs start at 3: 2 is PDB$SEED). Where DRCP runs (Administrator's Guide, "Using
Database Resident Connection Pooling"; Database Reference, ENABLE_PER_PDB_DRCP): with
``ENABLE_PER_PDB_DRCP = FALSE`` (Oracle's default) one pool, kept in the root, serves every PDB, and the
``V$CPOOL_*`` views have rows only in the root; with TRUE each PDB has its own pool, monitored from that
PDB, and there is no CDB-wide pool.
"""

from __future__ import annotations

from dataclasses import dataclass

ROOT_NAME = "CDB$ROOT"
ROOT_CON_ID = 1
PDB_CON_ID = 3
#: The CON_ID of rows that pertain to the whole CDB (Database Reference, "CON_ID" of V$ views).
WHOLE_CDB = 0


@dataclass(frozen=True)
class Container:
    name: str  # CON_NAME
    con_id: int
    service: str  # the service name clients give in the connect descriptor

    @property
    def is_root(self) -> bool:
        return self.con_id == ROOT_CON_ID


class Containers:
    """The root and the PDB of one instance, found by service name (case-insensitive, as the listener
    matches them)."""

    def __init__(self, pdb_service: str, root_service: str | None, per_pdb_drcp: bool) -> None:
        self.pdb = Container(pdb_service.upper(), PDB_CON_ID, pdb_service)
        self.root = Container(ROOT_NAME, ROOT_CON_ID, root_service) if root_service else None
        if self.root is not None and root_service and root_service.upper() == pdb_service.upper():
            raise ValueError(f"the root and the PDB cannot share the service {pdb_service!r}")
        self.per_pdb_drcp = per_pdb_drcp

    def all(self) -> list[Container]:
        return [c for c in (self.root, self.pdb) if c is not None]

    def for_service(self, service: str | None) -> Container | None:
        """The container a service name reaches, None when the listener knows no such service."""
        if service is None:
            return None
        return next((c for c in self.all() if c.service.upper() == service.upper()), None)

    @property
    def pool_con_id(self) -> int:
        """The CON_ID the pool's rows carry: the PDB's own pool, or one pool for the whole CDB."""
        return self.pdb.con_id if self.per_pdb_drcp else WHOLE_CDB

    def shows_pool(self, container: Container) -> bool:
        """Whether ``V$CPOOL_*`` queried in ``container`` have rows: the root sees every container's
        rows (as for any container data object), a PDB only its own pool's, which exists with per-PDB
        DRCP only."""
        return container.is_root or self.per_pdb_drcp
