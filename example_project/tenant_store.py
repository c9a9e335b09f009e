"""Where the example keeps its tenants: three built-in ones plus those added at runtime.

Runtime tenants live in a small JSON file, so the web page, ``manage tenants add`` (another process) and
every worker thread see the same list at once; a new tenant needs nothing else to be served, because
drcp_multi creates its pool (and so its DRCP class) on first use. The file is re-read when it changes.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: writers in one process are still serialised by _lock
    fcntl = None  # type: ignore[assignment]

BUILTIN_TENANTS: tuple[str, ...] = ("acme", "globex", "initech")

# Stricter than drcp_multi's own rule: a name must also be a lower-case DNS label (browsers lower-case
# the Host, so "Acme" could never be reached by subdomain).
NAME_RE = re.compile(r"^[a-z][a-z0-9]{1,29}$")
RESERVED = frozenset({"www", "admin", "static", "api", "localhost", "dashboard", "tenants"})

_lock = threading.RLock()
_cache: tuple[tuple[int, int], dict[str, dict[str, Any]]] | None = None


def data_dir() -> Path:
    """Where the example keeps its state (gitignored); ``EXAMPLE_DATA_DIR`` moves it (tests do)."""
    return Path(os.environ.get("EXAMPLE_DATA_DIR") or Path(__file__).resolve().parent / "data")


def _path() -> Path:
    return data_dir() / "tenants.json"


def validate_name(name: str) -> str | None:
    """The reason ``name`` cannot be a tenant here, or None when it can."""
    if not NAME_RE.match(name):
        return "use 2 to 30 lower-case letters or digits, starting with a letter"
    if name in RESERVED:
        return f"'{name}' is reserved"
    return None


def runtime_tenants() -> dict[str, dict[str, Any]]:
    """Tenants added at runtime (name -> catalog spec), in the order they were added."""
    global _cache
    path = _path()
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _cache
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        try:
            tenants = dict(json.loads(path.read_text()).get("tenants", {}))
        except (OSError, ValueError):
            return {}  # replaced while we read it: the next call reads the new file
        _cache = (stamp, tenants)
    return tenants


def spec_of(name: str) -> dict[str, Any] | None:
    """The catalog spec of ``name`` ({} for defaults), or None when there is no such tenant."""
    if name in BUILTIN_TENANTS:
        return {}
    spec = runtime_tenants().get(name)
    return None if spec is None else dict(spec)


def all_tenants() -> tuple[str, ...]:
    return BUILTIN_TENANTS + tuple(n for n in runtime_tenants() if n not in BUILTIN_TENANTS)


def add_tenant(name: str, spec: dict[str, Any] | None = None) -> bool:
    """Register ``name``; False when it exists already. Raises ValueError for an invalid name."""
    reason = validate_name(name)
    if reason:
        raise ValueError(f"invalid tenant name {name!r}: {reason}")
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, _file_lock(path.with_suffix(".lock")):
        if spec_of(name) is not None:
            return False
        current = dict(runtime_tenants())
        current[name] = dict(spec or {})
        # Write, then rename: a reader in another process never sees a half-written file.
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"tenants": current}, indent=2) + "\n")
        os.replace(tmp, path)
    return True


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise writers across processes (the site and `manage tenants add`), where fcntl exists."""
    with open(path, "a") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
