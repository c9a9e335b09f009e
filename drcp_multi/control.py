"""Run-time pool commands (resize, rotate) that reach every worker process: a shared trigger file.

Pools live in the process that made them, so ``manage.py drcp_pools resize`` (another process) cannot
touch them directly. It appends the command to ``<CONTROL_DIR>/drcp_multi-control.json`` (atomically:
written to a temporary file and renamed, under an ``flock``); every process that serves requests looks at
the file's modification time at most once per ``CONTROL_POLL_INTERVAL`` second (default 1) when a request
starts (Django's ``request_started``) and applies the commands it has not applied yet, in order:

* ``resize``: ``PoolRegistry.resize(alias, tenant, min=, max=, increment=)``;
* ``rotate``: ``PoolRegistry.retire(alias, tenant)``: the next checkout builds a new pool, reading the
  settings, hence the credentials (:mod:`drcp_multi.credentials`) again; the old pool is closed when its
  last connection comes back, so no request fails.

A worker started later applies the resizes too (they persist in the file); the file keeps the last
``MAX_COMMANDS`` commands. Why a file and not a signal: gunicorn and uvicorn own the signals of their
workers (HUP, USR1, USR2, WINCH, TTIN, TTOU all mean something to them), a file needs no process ids,
works for every worker model and across hosts on a shared volume, and survives a worker restart.

``DRCP_MULTI['CONTROL_DIR']`` (or the environment variable ``DRCP_MULTI_CONTROL_DIR``) names the directory;
every worker and the operator's shell must be able to read and write it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import math
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from drcp_multi.conf import drcp_setting
from drcp_multi.exceptions import ConfigurationError
from drcp_multi.registry import get_registry

logger = logging.getLogger("drcp_multi.control")

FILE_NAME = "drcp_multi-control.json"
ENV_DIR = "DRCP_MULTI_CONTROL_DIR"
MAX_COMMANDS = 200
DEFAULT_POLL_INTERVAL = 1.0
ACTIONS = ("resize", "rotate")


@dataclass(frozen=True)
class Command:
    """One run-time command as stored in the trigger file."""

    seq: int
    action: str
    alias: str | None = None
    tenant: str | None = None
    min: int | None = None
    max: int | None = None
    increment: int | None = None
    issued_at: float = 0.0


def control_dir(required: bool = False) -> Path | None:
    value = drcp_setting("CONTROL_DIR") or os.environ.get(ENV_DIR)
    if not value:
        if required:
            raise ConfigurationError(
                "Run-time pool commands need a directory every worker can read: set "
                f"DRCP_MULTI['CONTROL_DIR'] (or the environment variable {ENV_DIR}) to it."
            )
        return None
    return Path(os.fspath(value))


def _check_size(name: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"--{name} must be an integer >= 0, not {value!r}")


def validate(action: str, *, min: int | None, max: int | None, increment: int | None) -> None:
    """ValueError for a command that could never apply (sizes out of range, nothing to change)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    if action == "resize":
        for name, value in (("min", min), ("max", max), ("increment", increment)):
            _check_size(name, value)
        if min is None and max is None and increment is None:
            raise ValueError("resize needs --min, --max or --increment")
        if max is not None and max < 1:
            raise ValueError("--max must be at least 1")
        if min is not None and max is not None and min > max:
            raise ValueError(f"--min ({min}) must not exceed --max ({max})")


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / (FILE_NAME + ".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_commands(directory: Path) -> list[Command]:
    try:
        data = json.loads((directory / FILE_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        logger.error("cannot read %s: %s", directory / FILE_NAME, exc)
        return []
    return [Command(**c) for c in data.get("commands", []) if c.get("action") in ACTIONS]


def issue(
    action: str,
    alias: str | None = None,
    tenant: str | None = None,
    *,
    min: int | None = None,
    max: int | None = None,
    increment: int | None = None,
) -> Command:
    """Append a command for every process (including this one, on its next request or :func:`poll`)."""
    validate(action, min=min, max=max, increment=increment)
    directory = control_dir(required=True)
    assert directory is not None
    with _locked(directory):
        commands = read_commands(directory)
        seq = (commands[-1].seq if commands else 0) + 1
        command = Command(seq, action, alias, tenant, min, max, increment, time.time())
        commands = [*commands, command][-MAX_COMMANDS:]
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=FILE_NAME + ".")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"commands": [asdict(c) for c in commands]}, out, indent=1)
        os.replace(tmp, directory / FILE_NAME)
    return command


def apply(command: Command) -> None:
    """Carry out one command in this process."""
    registry = get_registry()
    if command.action == "resize":
        if command.alias is None:
            raise ValueError("resize needs an alias")
        registry.resize(
            command.alias, command.tenant, min=command.min, max=command.max, increment=command.increment
        )
    elif command.action == "rotate":
        registry.retire(command.alias, command.tenant)


class Poller:
    """Applies new commands of the trigger file in this process, looking at most once per interval."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._applied = 0
        self._mtime: int | None = None
        self._next_look = 0.0
        self._pid = os.getpid()

    def poll(self, force: bool = False) -> int:
        """Apply pending commands now (``force``) or if the interval has passed; returns how many."""
        now = time.monotonic()
        if not force and now < self._next_look:
            return 0
        directory = control_dir()
        if directory is None:
            self._next_look = now + 60.0  # not configured: look again rarely (override_settings)
            return 0
        if not self._lock.acquire(blocking=force):
            return 0  # another thread of this process is applying
        try:
            if os.getpid() != self._pid:  # a forked child starts over: its registry has no pools yet
                self._pid, self._applied, self._mtime = os.getpid(), 0, None
            self._next_look = now + _poll_interval()
            try:
                mtime = (directory / FILE_NAME).stat().st_mtime_ns
            except FileNotFoundError:
                return 0
            if mtime == self._mtime and not force:
                return 0
            self._mtime = mtime
            done = 0
            for command in read_commands(directory):
                if command.seq <= self._applied:
                    continue
                try:
                    apply(command)
                    logger.info("applied pool command %s (pid %d)", _describe(command), os.getpid())
                except Exception as exc:  # one bad command must not block the ones after it
                    logger.error("pool command %s failed: %s", _describe(command), exc)
                self._applied = command.seq
                done += 1
            return done
        finally:
            self._lock.release()

    @property
    def applied(self) -> int:
        return self._applied


def _describe(command: Command) -> str:
    parts: list[str] = [f"#{command.seq} {command.action}", command.alias or "*"]
    if command.tenant:
        parts.append(f"tenant={command.tenant}")
    parts += [
        f"{k}={v}"
        for k, v in (("min", command.min), ("max", command.max), ("increment", command.increment))
        if v is not None
    ]
    return " ".join(parts)


def _poll_interval() -> float:
    value = drcp_setting("CONTROL_POLL_INTERVAL")
    if value is None:
        return DEFAULT_POLL_INTERVAL
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ConfigurationError(
            f"DRCP_MULTI['CONTROL_POLL_INTERVAL'] must be a finite number of seconds >= 0, not {value!r}"
        )
    return float(value)


_poller = Poller()


def get_poller() -> Poller:
    return _poller


def on_request_started(**kwargs: Any) -> None:
    """Django ``request_started`` receiver (connected by the app): a monotonic clock read per request,
    a ``stat()`` at most once per interval."""
    _poller.poll()


def describe(command: Command) -> str:
    return _describe(command)
