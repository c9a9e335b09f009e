"""The wire server's layers (docs/emulator.md, "Layers"): each calls only the one below.

Cycles and private names across modules are ``tests/test_architecture.py``'s; this checks direction.
"""

from __future__ import annotations

import ast
import pathlib

import oracle_emulator

PACKAGE = pathlib.Path(oracle_emulator.__file__).parent
TTC_MODULES = ("protocol", "handshake", "piggybacks", "execute", "cursors", "messages", "values", "lobs")


def _targets(module: str) -> set[str]:
    """The package modules ``module`` imports (any import, anywhere in the file)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(a.name for a in node.names)
    return found


def test_the_ttc_layer_reaches_neither_the_listener_nor_the_sql_package() -> None:
    for module in TTC_MODULES:
        assert not _targets(module) & {"server", "sql"}, module


def test_the_transport_knows_nothing_above_it() -> None:
    assert _targets("wire") == set()


def test_the_sessions_layer_knows_no_wire_message() -> None:
    for module in ("instance", "broker", "session", "triggers"):
        assert not _targets(module) & {"server", "protocol", "wire", *TTC_MODULES}, module
