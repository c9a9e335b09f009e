"""The wire server's modules form layers: no import cycle, no private name imported across modules."""

from __future__ import annotations

import ast
import pathlib

import oracle_emulator

PACKAGE = pathlib.Path(oracle_emulator.__file__).parent


def _imports() -> dict[str, list[tuple[str, list[str]]]]:
    """module -> [(imported module, names imported from it)], top-level package modules only."""
    graph: dict[str, list[tuple[str, list[str]]]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        module = path.stem
        edges: list[tuple[str, list[str]]] = []
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    edges.append((node.module.split(".")[0], [a.name for a in node.names]))
                else:
                    edges.extend((a.name, []) for a in node.names)
        graph[module] = edges
    return graph


def test_no_import_cycle() -> None:
    graph = {m: {target for target, _ in edges} for m, edges in _imports().items()}
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        if state.get(module) == 2:
            return
        assert state.get(module) != 1, f"import cycle: {' -> '.join([*path, module])}"
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            visit(target, [*path, module])
        state[module] = 2

    for module in graph:
        visit(module, [])


def test_no_private_name_imported_across_modules() -> None:
    offences = [
        f"{module} imports {name} from {target}"
        for module, edges in _imports().items()
        for target, names in edges
        for name in names
        if name.startswith("_")
    ]
    assert offences == []


def test_the_ttc_layer_does_not_reach_the_listener_or_the_engine() -> None:
    """protocol and the message modules talk to the sessions layer (instance), never to server.py
    or the SQL package."""
    graph = {m: {target for target, _ in edges} for m, edges in _imports().items()}
    for module in ("protocol", "execute", "handshake", "piggybacks", "messages", "cursors", "values"):
        assert "server" not in graph[module], module
        assert "sql" not in graph[module], module
    assert graph["wire"] == set(), "the transport imports nothing of the server"
