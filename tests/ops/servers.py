"""Run the served site (tests.ops.served) under a real gunicorn or uvicorn process, and drive load at it."""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "served-secret-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    directory: Path
    log_path: Path

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        return http_get(self.port, path, timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 60) -> int:
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start(
    server: str,
    dsn: str,
    directory: Path,
    *,
    workers: int = 2,
    env: dict[str, str] | None = None,
) -> Served:
    """Start gunicorn ("gunicorn") or uvicorn ("uvicorn") on a free port; returns once it answers."""
    directory.mkdir(parents=True, exist_ok=True)
    password_file = directory / "password"
    if not password_file.exists():
        password_file.write_text(PASSWORD)
    (directory / "prometheus").mkdir(exist_ok=True)
    port = free_port()
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.ops.served.settings",
        "SERVED_DSN": dsn,
        "SERVED_USER": "ops",
        "SERVED_PASSWORD_FILE": str(password_file),
        "SERVED_DIR": str(directory),
        "PROMETHEUS_MULTIPROC_DIR": str(directory / "prometheus"),
        **(env or {}),
    }
    if server == "gunicorn":
        argv: Sequence[str] = [
            sys.executable, "-m", "gunicorn", "-c", str(ROOT / "tests/ops/served/gunicorn_conf.py"),
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "tests.ops.served.wsgi:application",
        ]  # fmt: skip
    else:
        argv = [
            sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--lifespan", "on", "tests.ops.served.asgi:application",
        ]  # fmt: skip
    log_path = directory / f"{server}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(argv, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
    served = Served(process, port, directory, log_path)
    for _ in range(600):
        if process.poll() is not None:
            raise AssertionError(f"{server} exited at start:\n{served.log()}")
        try:
            if served.get("/ops/health/live", timeout=5)[0] == 200:
                return served
        except OSError:
            pass
        threading.Event().wait(0.1)
    served.stop()
    raise AssertionError(f"{server} did not answer:\n{served.log()}")


@dataclass
class Load:
    """``concurrency`` threads, each sending one request at a time on its own connection, round robin
    over ``paths``, until stopped. Each outcome is counted with whether the request was sent before
    ``mark()`` was called (e.g. before SIGTERM)."""

    port: int
    paths: Sequence[str]
    concurrency: int = 4
    outcomes: Counter[tuple[str, bool]] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _marked: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def start(self) -> Load:
        for _ in range(self.concurrency):
            thread = threading.Thread(target=self._run, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def mark(self) -> None:
        self._marked.set()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    @property
    def sent(self) -> int:
        with self._lock:
            return sum(self.outcomes.values())

    def failures_before_mark(self) -> int:
        """Requests sent before mark() that got an answer other than 200, or none at all."""
        with self._lock:
            counted = self.outcomes.items()
            return sum(n for (outcome, before), n in counted if before and outcome not in ("200", "reset"))

    def _run(self) -> None:
        while not self._stop.is_set():
            path = self.paths[next(self._counter) % len(self.paths)]
            before = not self._marked.is_set()
            try:
                status, _ = http_get(self.port, path)
                outcome = str(status)
            except ConnectionRefusedError:
                outcome = "refused"  # the listener is closed: never reached the server
            except ConnectionResetError:
                # A connection still in the listen backlog when the server closes its socket is reset by
                # the kernel: accepted by no worker, it never reached the application (uvicorn closes the
                # listener at SIGTERM with such connections queued). Counted apart from failures; the
                # requests the test knows had started (the hold/late ones) must still all succeed.
                outcome = "reset"
            except OSError as exc:
                outcome = type(exc).__name__
            with self._lock:
                self.outcomes[(outcome, before)] += 1
                if outcome.isdigit():
                    self.statuses[int(outcome)] += 1
            if outcome in ("refused", "reset"):
                self._stop.wait(0.05)
