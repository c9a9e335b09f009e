"""The wire server's layering, read from its source: no import cycle, no private name across modules.

Every ``import`` / ``from … import`` in the package counts, wherever it stands (module level, under
``TYPE_CHECKING``, inside a function): a cycle hidden behind any of them is still a cycle between the
modules. Importing a submodule does not count as importing its parent package's ``__init__``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import oracle_emulator

PACKAGE = "oracle_emulator"
ROOT = Path(oracle_emulator.__file__).resolve().parent
SQL_PACKAGE = f"{PACKAGE}.sql"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


@dataclass(frozen=True)
class ImportedName:
    importer: str
    module: str  # the module the name is taken from
    name: str
    line: int


def _resolve(importer: str, level: int, module: str | None) -> str:
    """The absolute name of ``from <level dots><module> import …`` written in ``importer``."""
    if level == 0:
        return module or ""
    is_package = MODULES[importer].name == "__init__.py"
    base = importer.split(".")
    base = base if is_package else base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _imports(importer: str) -> Iterator[tuple[str, ImportedName | None]]:
    """(imported module inside the package, the name taken from it when it is not a module)."""
    tree = ast.parse(MODULES[importer].read_text(), filename=str(MODULES[importer]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(importer, node.level, node.module)
            if source == "__future__":
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:
                    yield submodule, None
                elif source in MODULES:
                    yield source, ImportedName(importer, source, alias.name, node.lineno)


def _graph() -> dict[str, set[str]]:
    return {m: {target for target, _ in _imports(m) if target != m} for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _in_sql(module: str) -> bool:
    return module == SQL_PACKAGE or module.startswith(SQL_PACKAGE + ".")


def _private_imports() -> list[ImportedName]:
    found = []
    for m in MODULES:
        for _, name in _imports(m):
            if name is not None and name.name.startswith("_") and not name.name.startswith("__"):
                found.append(name)
    return found


def _private_attributes() -> list[str]:
    """``module._name`` where ``module`` is a package module bound by ``import`` / ``from . import``."""
    found = []
    for m, path in MODULES.items():
        tree = ast.parse(path.read_text())
        aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _resolve(m, node.level, node.module)
                aliases.update(a.asname or a.name for a in node.names if f"{source}.{a.name}" in MODULES)
            elif isinstance(node, ast.Import):
                aliases.update(a.asname or a.name for a in node.names if a.name in MODULES)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.append(f"{m}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_the_walk_sees_the_package() -> None:
    graph = _graph()
    assert f"{SQL_PACKAGE}.engine" in graph
    assert f"{SQL_PACKAGE}.ddl" in graph[f"{SQL_PACKAGE}.engine"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_inside_the_sql_engine() -> None:
    graph = _graph()
    sql_only = {m: {t for t in ts if _in_sql(t)} for m, ts in graph.items() if _in_sql(m)}
    assert _cycles(sql_only) == []


def test_no_cycle_through_the_sql_engine() -> None:
    assert [c for c in _cycles(_graph()) if any(_in_sql(m) for m in c)] == []


def test_no_import_cycle_in_the_package() -> None:
    assert _cycles(_graph()) == []


def test_no_private_name_imported_across_modules() -> None:
    assert [f"{n.importer}:{n.line} from {n.module} import {n.name}" for n in _private_imports()] == []


def test_no_private_attribute_of_another_module() -> None:
    assert _private_attributes() == []
