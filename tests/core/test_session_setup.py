"""The one-round-trip session set-up runs exactly Django's two ALTER SESSION statements."""

from __future__ import annotations

import re

import pytest

from drcp_multi.backends.oracle.base import session_setup_sql

# Django's Oracle backend, DatabaseWrapper.init_connection_state() (5.2, 6.0, 6.1).
DJANGO_TERRITORY = "ALTER SESSION SET NLS_TERRITORY = 'AMERICA'"
DJANGO_FORMATS = (
    "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'"
    " NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF'"
)


def statements(block: str) -> list[str]:
    literals = re.findall(r"EXECUTE IMMEDIATE '((?:[^']|'')*)';", block)
    return [literal.replace("''", "'") for literal in literals]


@pytest.mark.parametrize("use_tz", [True, False])
def test_block_runs_djangos_statements_in_order(use_tz: bool) -> None:
    block = session_setup_sql(use_tz)
    assert block.startswith("BEGIN ") and block.endswith(" END;")
    expected_formats = DJANGO_FORMATS + (" TIME_ZONE = 'UTC'" if use_tz else "")
    assert statements(block) == [DJANGO_TERRITORY, expected_formats]
