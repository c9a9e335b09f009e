"""Progress and the result table of fleet commands (``migrate_tenants``, ``all_tenants_command``).

On a terminal: one bar redrawn in place; otherwise (a log, CI, a pipe) one plain line per unit, so the
output reads the same in a file.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from drcp_multi.tenancy.fleet import UnitResult

BAR_WIDTH = 30


class Stream(Protocol):
    """What Progress writes to: a text file, or a command's ``stdout`` (Django's OutputWrapper, whose
    ``write`` adds a newline unless told ``ending=""``)."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...

    def isatty(self) -> bool: ...


class _NoEnding:
    """An OutputWrapper that writes exactly what it is given (the bar redraws one line with "\r")."""

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper

    def write(self, text: str, /) -> object:
        return self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()

    def isatty(self) -> bool:
        return bool(self.wrapper.isatty())


def command_stream(stdout: Any) -> Stream:
    """A management command's ``self.stdout`` as a :class:`Stream`."""
    return _NoEnding(stdout)


class Progress:
    """Counts finished units and shows them; thread-safe (the Celery executor reports from one thread,
    but signal handlers may print too)."""

    def __init__(self, stream: Stream, total: int, *, tty: bool | None = None) -> None:
        self.stream = stream
        self.total = total
        self.tty = stream.isatty() if tty is None else tty
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, result: UnitResult) -> None:
        with self._lock:
            self.counts[result.status] += 1
            done = sum(self.counts.values())
            if self.tty:
                filled = BAR_WIDTH * done // max(self.total, 1)
                summary = " ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
                self.stream.write(
                    f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{self.total} {summary}"
                )
                if done == self.total:
                    self.stream.write("\n")
            else:
                line = f"[{done}/{self.total}] {result.unit.label}: {result.status}"
                if result.applied:
                    line += f" ({len(result.applied)} migration{'s' * (len(result.applied) != 1)})"
                if result.error:
                    line += f": {result.error.splitlines()[0][:200]}"
                self.stream.write(line + "\n")
            self.stream.flush()

    def finish(self) -> None:
        """End the bar's line when the run stopped before every unit finished."""
        with self._lock:
            if self.tty and sum(self.counts.values()) < self.total:
                self.stream.write("\n")
                self.stream.flush()


def result_table(results: Sequence[UnitResult]) -> str:
    """One row per tenant (a schema shared by several tenants: one row each, the same status)."""
    rows = [("TENANT", "ALIAS", "STATUS", "APPLIED", "SECONDS", "ERROR")]
    for result in results:
        unit = result.unit
        shared_schema = unit.tenant is None and unit.tenants
        labels = [f"{n} (shared schema)" for n in unit.tenants] if shared_schema else [unit.label]
        for label in labels:
            rows.append(
                (
                    label,
                    result.unit.alias,
                    result.status,
                    str(len(result.applied)),
                    f"{result.seconds:.2f}",
                    (result.error or "").splitlines()[0][:80] if result.error else "",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, [*widths, 0], strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines)
