"""The emulator's SQL engine: Oracle SQL for server sessions, backed by SQLite.

``from oracle_emulator.sql import Engine``; ``Engine(data_dir=None)`` implements
:class:`oracle_emulator.results.SqlEngine`.
"""

from .engine import Engine

__all__ = ["Engine"]
