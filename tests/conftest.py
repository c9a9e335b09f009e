"""Shared fixtures: the wire server (from the drcp_multi pytest plugin) comes before Django's test DB."""

from __future__ import annotations

import pytest

PLUGIN = "drcp_multi.testing.pytest_plugin"


def pytest_configure(config: pytest.Config) -> None:
    # Installed packages load the plugin through its pytest11 entry point; a bare checkout does not.
    manager = config.pluginmanager
    if not manager.has_plugin("drcp_multi") and not manager.has_plugin(PLUGIN):
        manager.import_plugin(PLUGIN)
        manager.get_plugin(PLUGIN).pytest_configure(config)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, oracle_server: object
) -> None:
    """pytest-django runs this before creating test databases: start the server and point DATABASES at it."""
