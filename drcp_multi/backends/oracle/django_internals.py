"""The one place that uses what Django's Oracle backend does not offer as a public hook, and why.

Django's ``DatabaseWrapper.init_connection_state()`` (``django/db/backends/oracle/base.py``) runs two
``ALTER SESSION`` round trips on every new connection, probes LIKE support, sets the statement cache size
and commits. drcp_multi replaces the first two by one block or by a logon trigger (zero round trips), and
keeps the probe's answer per server, so it must run the base class's part (the version check) without
Oracle's. Django offers no hook for either, so this module:

* calls ``BaseDatabaseWrapper.init_connection_state`` past the Oracle override;
* reads the class attributes ``_standard_operators`` / ``_standard_pattern_ops`` and ``_likec_operators`` /
  ``_likec_pattern_ops``, the two operator sets Oracle's override chooses between.

``tests/core/test_django_internals.py`` fails when Django changes any of this (the attributes, or what
Oracle's ``init_connection_state`` sends), so an upgrade cannot silently skip a step.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.oracle.base import DatabaseWrapper as OracleDatabaseWrapper

#: The private attributes read here, for the test that pins them.
OPERATOR_ATTRIBUTES = (
    "_standard_operators",
    "_standard_pattern_ops",
    "_likec_operators",
    "_likec_pattern_ops",
)


def init_connection_state_without_oracle_setup(wrapper: BaseDatabaseWrapper) -> None:
    """The base class's ``init_connection_state`` (the server version check, once per alias), skipping
    Oracle's session set-up, which the caller does its own way."""
    BaseDatabaseWrapper.init_connection_state(wrapper)


def like_operators(wrapper: OracleDatabaseWrapper, standard: bool) -> tuple[dict[str, str], Any]:
    """The operators and pattern operators Oracle's backend would pick after its LIKE probe (ticket
    #14149): the standard set when ``LIKE ... ESCAPE`` with TRANSLATE works, else LIKEC."""
    if standard:
        return getattr(wrapper, "_standard_operators"), getattr(wrapper, "_standard_pattern_ops")  # noqa: B009
    return getattr(wrapper, "_likec_operators"), getattr(wrapper, "_likec_pattern_ops")  # noqa: B009
