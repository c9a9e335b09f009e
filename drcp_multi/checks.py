"""System checks (``manage.py check``): every invalid setting, with a stable id, before any connection.

The rules live in :mod:`drcp_multi.conf` (``find_problems``/``project_problems``), which also refuses the
same settings at run time, so the check and the failure always agree. Ids are documented in
docs/configuration.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from drcp_multi.conf import ENGINE, Problem, find_problems, project_problems


def _message(problem: Problem, obj: Any = None) -> CheckMessage:
    cls = Error if problem.level == "error" else Warning
    return cls(problem.msg, hint=problem.hint, obj=obj, id=problem.id)


@register(Tags.compatibility, "drcp_multi")
def check_drcp_settings(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Check ``settings.DRCP_MULTI`` and every ``DATABASES`` entry that uses our engine.

    Runs with every ``manage.py check`` (tags ``compatibility`` and ``drcp_multi``). It reads settings
    only and never connects, so it is not tagged ``database``, which Django skips unless asked.
    """
    return [_message(p, "settings.DRCP_MULTI") for p in project_problems()] + check_databases(
        settings.DATABASES
    )


def check_databases(databases: Mapping[str, Mapping[str, Any]]) -> list[CheckMessage]:
    """The check messages for the entries of ``databases`` that use our engine."""
    messages: list[CheckMessage] = []
    for alias, settings_dict in databases.items():
        if settings_dict.get("ENGINE") != ENGINE:
            continue
        messages.extend(_message(p, f"DATABASES[{alias!r}]") for p in find_problems(alias, settings_dict))
    return messages
