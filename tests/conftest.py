"""Shared fixtures: the wire server (from the drcp_multi pytest plugin) comes before Django's test DB."""

from __future__ import annotations

import pytest

pytest_plugins: list[str] = []


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, oracle_server: object
) -> None:
    """pytest-django runs this before creating test databases: start the server and point DATABASES at it."""
