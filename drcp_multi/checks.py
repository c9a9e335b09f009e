"""System checks (``manage.py check``): every invalid setting, with a stable id, before any connection.

The rules live in :mod:`drcp_multi.problems`, which also refuses the same settings at run time, so the
check and the failure always agree. Ids are documented in docs/configuration.md. One check is tagged
``database`` (Django runs it only with ``check --database ALIAS``): whether the logon trigger that sets up
new sessions is installed (``drcp_multi.W020``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import connections

from drcp_multi.conf import ENGINE
from drcp_multi.problems import Problem, find_problems, project_problems


def as_messages(problems: Iterable[Problem], obj: Any = None) -> list[CheckMessage]:
    """Django check messages for ``problems`` (one per problem, same id, message and hint)."""
    return [
        (Error if p.level == "error" else Warning)(p.msg, hint=p.hint, obj=obj, id=p.id) for p in problems
    ]


@register(Tags.compatibility, "drcp_multi")
def check_drcp_settings(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Check ``settings.DRCP_MULTI`` and every ``DATABASES`` entry that uses our engine.

    Runs with every ``manage.py check`` (tags ``compatibility`` and ``drcp_multi``). It reads settings
    only and never connects.
    """
    project = as_messages(project_problems(getattr(settings, "DRCP_MULTI", None)), "settings.DRCP_MULTI")
    return project + check_databases(settings.DATABASES)


def check_databases(databases: Mapping[str, Mapping[str, Any]]) -> list[CheckMessage]:
    """The check messages for the entries of ``databases`` that use our engine."""
    messages: list[CheckMessage] = []
    for alias, settings_dict in databases.items():
        if settings_dict.get("ENGINE") == ENGINE:
            messages += as_messages(find_problems(alias, settings_dict), f"DATABASES[{alias!r}]")
    return messages


@register(Tags.database)
def check_session_trigger(databases: Sequence[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --database ALIAS``: whether new sessions of each alias are set up by the logon trigger."""
    messages: list[CheckMessage] = []
    for alias in databases or ():
        if settings.DATABASES.get(alias, {}).get("ENGINE") != ENGINE:
            continue
        connection: Any = connections[alias]  # drcp_multi's DatabaseWrapper
        state = connection.session_trigger_state()
        if state != "installed":
            messages.append(
                Warning(
                    f"DATABASES[{alias!r}]: the logon trigger that sets up new sessions is {state}; every "
                    "checkout runs one session set-up round trip.",
                    hint=f"Run `manage.py drcp_session_trigger install --database {alias}` (needs CREATE "
                    "TRIGGER), or set DRCP_MULTI['SESSION_SETUP'] = 'checkout' to keep the round trip.",
                    obj=f"DATABASES[{alias!r}]",
                    id="drcp_multi.W020",
                )
            )
    return messages
