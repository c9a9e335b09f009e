"""drcp_multi's layering, read from its source (docs/architecture.md): no import cycle between its
modules, no private name imported across modules, and the product never imports the test server.

Every import counts, wherever it stands (module level, under ``TYPE_CHECKING``, inside a function), so a
function-local import cannot hide a cycle. Importing ``a.b`` does not count as importing ``a``'s
``__init__``.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import drcp_multi

ROOT = Path(drcp_multi.__file__).resolve().parent
MODULES = {
    ".".join(p.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(".__init__"): p
    for p in sorted(ROOT.rglob("*.py"))
}


def imports_of(module: str) -> list[tuple[str, str | None]]:
    """(module imported, name taken from it or None) for every import in ``module`` of drcp_multi or
    oracle_emulator."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join([*base, node.module] if node.module else base)
            for a in node.names:
                submodule = f"{source}.{a.name}"
                found.append((submodule, None) if submodule in MODULES else (source, a.name))
    return [(m, n) for m, n in found if m.split(".")[0] in ("drcp_multi", "oracle_emulator")]


def test_no_import_cycle() -> None:
    graph = {m: {t for t, _ in imports_of(m) if t in MODULES and t != m} for m in MODULES}
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None
    assert {"drcp_multi.conf", "drcp_multi.poolconfig"} <= graph["drcp_multi.registry"]  # the walk sees
    assert "drcp_multi.backends.oracle.session" in graph["drcp_multi.backends.oracle.base"]  # relative too
    # The layers of docs/architecture.md, bottom first: each may import only those before it.
    layers = ["drcp_multi.tenant", "drcp_multi.exceptions", "drcp_multi.conf", "drcp_multi.registry"]
    layers += ["drcp_multi.routing", "drcp_multi.backends.oracle.base"]
    assert [order.index(m) for m in layers] == sorted(order.index(m) for m in layers)


def test_the_registry_knows_nothing_of_requests_or_tenancy() -> None:
    imported = {m for m, _ in imports_of("drcp_multi.registry")}
    assert not {m for m in imported if m.startswith(("drcp_multi.tenancy", "drcp_multi.limits"))}
    assert not {m for m in imported if m in ("drcp_multi.middleware", "drcp_multi.routers")}


def test_no_private_name_across_modules() -> None:
    private = [
        (module, source, name)
        for module in MODULES
        for source, name in imports_of(module)
        if name is not None and name.startswith("_") and not name.startswith("__")
    ]
    assert private == []


def test_the_product_never_imports_the_test_server_but_in_the_testing_package() -> None:
    users = {m for m in MODULES for source, _ in imports_of(m) if source.startswith("oracle_emulator")}
    assert users <= {"drcp_multi.testing.pytest_plugin"}
