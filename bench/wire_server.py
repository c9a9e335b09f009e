"""The wire server in a child process, for benchmarks that must not share their GIL with it.

``ServerProcess(**kwargs)`` starts ``EmulatorServer(**kwargs)`` (``latency`` given as a dict of
``LatencyModel`` fields) in a spawned process; ``call(name, *args)`` runs ``EmulatorServer.name`` there.
"""

from __future__ import annotations

import multiprocessing
from typing import Any


class ServerProcess:
    """The wire server in a child process; ``call(name, *args)`` runs ``EmulatorServer.name`` there."""

    def __init__(self, **kwargs: Any) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, kwargs), daemon=True)
        self._process.start()
        self.dsn: str = self._conn.recv()

    def call(self, name: str, *args: Any) -> Any:
        self._conn.send((name, args))
        ok, value = self._conn.recv()
        if not ok:
            raise RuntimeError(f"wire server: {name}{args}: {value}")
        return value

    def stats(self) -> dict[str, Any]:
        return self.call("stats")  # type: ignore[no-any-return]

    def reset_stats(self) -> None:
        self.call("reset_stats")

    def wait_idle(self, timeout: float = 10.0) -> None:
        self.call("wait_idle", timeout)

    def add_user(self, user: str, password: str) -> None:
        self.call("add_user", user, password)

    def stop(self) -> None:
        self.call("stop")
        self._process.join(30)


def _serve(conn: Any, kwargs: dict[str, Any]) -> None:
    from oracle_emulator import EmulatorServer, LatencyModel

    kwargs["latency"] = LatencyModel(**kwargs.get("latency", {}))
    srv = EmulatorServer(**kwargs).start()
    conn.send(srv.dsn)
    while True:
        name, args = conn.recv()
        try:
            conn.send((True, getattr(srv, name)(*args)))
        except Exception as exc:
            conn.send((False, repr(exc)))
        if name == "stop":
            return
