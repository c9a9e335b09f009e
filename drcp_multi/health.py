"""Readiness and liveness: pools open, one cheap round trip per DRCP alias within a deadline, the broker.

:func:`check_health` runs one ``ping`` per alias, each in a thread of its own with no tenant (so on the
alias's own pool and class) and the driver's ``call_timeout`` set to the deadline
(``DRCP_MULTI['HEALTH_TIMEOUT']``, default 2 s), all at once, so the whole check ends within about one
deadline even when every pooled server is busy (the broker queues) or the network is gone. The broker's
figures come from :mod:`drcp_multi.monitor`'s cache: a missing privilege is reported, not a failure.

The report holds aliases, counts and error codes with their messages, never a setting's value.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connections

from drcp_multi.conf import drcp_aliases, drcp_setting
from drcp_multi.lifecycle import is_draining
from drcp_multi.monitor import get_monitor
from drcp_multi.registry import get_registry

DEFAULT_TIMEOUT = 2.0


def health_timeout() -> float:
    value = drcp_setting("HEALTH_TIMEOUT")
    if value is None:
        return DEFAULT_TIMEOUT
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(
            f"DRCP_MULTI['HEALTH_TIMEOUT'] must be a finite number of seconds > 0, not {value!r}"
        )
    return float(value)


@dataclass(frozen=True)
class AliasHealth:
    alias: str
    ok: bool
    error: str | None = None  # "DPY-4024: ..." or "timeout"


@dataclass(frozen=True)
class HealthReport:
    ok: bool
    draining: bool
    pools_open: int
    aliases: tuple[AliasHealth, ...]
    broker_figures: bool | None  # None: not asked
    broker_problem: str | None
    pid: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else ("draining" if self.draining else "failing"),
            "ok": self.ok,
            "draining": self.draining,
            "pid": self.pid,
            "pools_open": self.pools_open,
            "aliases": {a.alias: {"ok": a.ok, "error": a.error} for a in self.aliases},
            "broker": {"figures": self.broker_figures, "problem": self.broker_problem},
        }


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def ping_alias(alias: str, timeout: float) -> AliasHealth:
    """One checkout and one round trip (``ping``) on ``alias``, in this thread; the connection is given
    back before returning."""
    connection = connections[alias]
    try:
        connection.ensure_connection()
        raw: Any = connection.connection
        if hasattr(raw, "call_timeout"):
            raw.call_timeout = max(1, int(timeout * 1000))
        if hasattr(raw, "ping"):
            raw.ping()
        else:  # another engine: the cheapest statement it knows
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM DUAL")
        return AliasHealth(alias, True)
    except (DatabaseError, Exception) as exc:  # any failure makes the alias unready, with its reason
        return AliasHealth(alias, False, _error_text(exc))
    finally:
        with contextlib.suppress(Exception):  # a dead connection: the pool drops it
            connection.close()


def check_health(
    aliases: Sequence[str] | None = None, timeout: float | None = None, *, broker: bool = True
) -> HealthReport:
    """Ping every alias (default: the DRCP aliases) at once and wait at most ``timeout`` (+0.5 s)."""
    if timeout is None:
        timeout = health_timeout()
    names = list(aliases) if aliases is not None else drcp_aliases()
    results: dict[str, AliasHealth] = {}
    threads = []
    for alias in names:

        def work(alias: str = alias) -> None:
            results[alias] = ping_alias(alias, timeout)

        # A fresh context: the check runs without the caller's tenant, on the alias's own pool.
        thread = threading.Thread(
            target=contextvars.Context().run, args=(work,), name=f"drcp_multi-health-{alias}", daemon=True
        )
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout + 0.5
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    checked = tuple(
        results.get(alias) or AliasHealth(alias, False, f"timeout: no answer within {timeout:g} s")
        for alias in names
    )
    figures = get_monitor().figures() if broker else None
    draining = is_draining()
    return HealthReport(
        ok=not draining and all(a.ok for a in checked),
        draining=draining,
        pools_open=len(get_registry().stats()),
        aliases=checked,
        broker_figures=None if figures is None else figures.available,
        broker_problem=None if figures is None else figures.problem,
        pid=os.getpid(),
    )
