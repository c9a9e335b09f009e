"""System checks of the operations settings (ids ``drcp_multi.E3xx``), so a bad value fails ``manage.py
check`` instead of the first drain, scrape or checkout.

=================  =================================================================================
id                 rule
=================  =================================================================================
drcp_multi.E301    ``ALIAS_LIMITS`` is ``{alias: {"max_busy": n >= 1, "max_waiting": n >= 0 | None,
                   "wait_timeout": finite s >= 0}}`` and names DATABASES aliases
drcp_multi.E302    ``DRAIN_TIMEOUT``, ``HEALTH_TIMEOUT``, ``MONITOR_INTERVAL``, ``MONITOR_TIMEOUT``,
                   ``METRICS_SYNC_INTERVAL``, ``CONTROL_POLL_INTERVAL`` are finite numbers of seconds
                   (> 0 for the timeouts and the sync interval); ``RETRY_AFTER`` an integer >= 0
drcp_multi.E303    ``MONITOR_ALIAS`` names a DATABASES alias
drcp_multi.E304    ``METRICS = True`` needs prometheus_client (the ``prometheus`` extra)
drcp_multi.E305    ``CONTROL_DIR`` is a path (str or os.PathLike) that is not a file
=================  =================================================================================
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from drcp_multi.conf import drcp_setting
from drcp_multi.limits import parse_alias_limits

WHERE = "settings.DRCP_MULTI"
# name: (strictly positive?, what it is)
DURATIONS = {
    "DRAIN_TIMEOUT": (False, "the seconds a shutdown waits for requests and connections"),
    "HEALTH_TIMEOUT": (True, "the deadline of a readiness round trip"),
    "MONITOR_INTERVAL": (False, "how long the broker's figures are cached"),
    "MONITOR_TIMEOUT": (True, "the deadline of a broker figures read"),
    "METRICS_SYNC_INTERVAL": (True, "how often a worker refreshes its gauges (multiprocess mode)"),
    "CONTROL_POLL_INTERVAL": (False, "how often a worker looks at the control trigger"),
}


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def ops_problems() -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    aliases = set(getattr(settings, "DATABASES", {}))
    try:
        limits = parse_alias_limits(drcp_setting("ALIAS_LIMITS"))
    except ValueError as exc:
        problems.append(
            Error(str(exc), hint="See docs/operations.md#alias-cap.", obj=WHERE, id="drcp_multi.E301")
        )
    else:
        for alias in sorted(set(limits) - aliases):
            problems.append(
                Error(
                    f"DRCP_MULTI['ALIAS_LIMITS'] names {alias!r}, which is not a DATABASES alias.",
                    hint=f"Use one of {sorted(aliases)}.",
                    obj=WHERE,
                    id="drcp_multi.E301",
                )
            )
    for name, (positive, what) in DURATIONS.items():
        value = drcp_setting(name)
        if value is None:
            continue
        if not _finite(value) or value < 0 or (positive and value == 0):
            bound = "> 0" if positive else ">= 0"
            problems.append(
                Error(
                    f"DRCP_MULTI[{name!r}] is {value!r}: it must be a finite number of seconds {bound} "
                    f"({what}).",
                    hint="NaN and infinity are refused: use a number such as 30.",
                    obj=WHERE,
                    id="drcp_multi.E302",
                )
            )
    retry = drcp_setting("RETRY_AFTER")
    if retry is not None and (isinstance(retry, bool) or not isinstance(retry, int) or retry < 0):
        problems.append(
            Error(
                f"DRCP_MULTI['RETRY_AFTER'] is {retry!r}: it must be an integer number of seconds >= 0 "
                "(the Retry-After header of 503 answers).",
                obj=WHERE,
                id="drcp_multi.E302",
            )
        )
    monitor = drcp_setting("MONITOR_ALIAS")
    if monitor is not None and monitor not in aliases:
        problems.append(
            Error(
                f"DRCP_MULTI['MONITOR_ALIAS'] is {monitor!r}, which is not a DATABASES alias.",
                hint="Name the alias (connected to CDB$ROOT, or granted SELECT_CATALOG_ROLE) that reads the "
                "DRCP views.",
                obj=WHERE,
                id="drcp_multi.E303",
            )
        )
    if drcp_setting("METRICS") and importlib.util.find_spec("prometheus_client") is None:
        problems.append(
            Error(
                "DRCP_MULTI['METRICS'] is on but prometheus_client is not installed.",
                hint='pip install "drcp_multi[prometheus]", or set METRICS to False.',
                obj=WHERE,
                id="drcp_multi.E304",
            )
        )
    control = drcp_setting("CONTROL_DIR")
    if control is not None:
        if not isinstance(control, (str, os.PathLike)):
            problems.append(
                Error(
                    f"DRCP_MULTI['CONTROL_DIR'] is a {type(control).__name__}: use a path.",
                    obj=WHERE,
                    id="drcp_multi.E305",
                )
            )
        elif os.path.isfile(os.fspath(control)):
            problems.append(
                Error(
                    f"DRCP_MULTI['CONTROL_DIR'] ({os.fspath(control)}) is a file: it must be a directory.",
                    obj=WHERE,
                    id="drcp_multi.E305",
                )
            )
    return problems


@register(Tags.compatibility, "drcp_multi")
def check_ops_settings(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    return ops_problems()
