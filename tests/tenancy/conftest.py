"""Tenancy tests: pure ones run without a database (``-p no:django`` is fine); wire ones need the server.

When pytest-django has not configured settings (no ``tests/settings.py`` yet, or ``-p no:django``), a
minimal configuration is made here. Each test sets its own ``DRCP_MULTI`` with ``override_settings``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tenancy-tests",
            ALLOWED_HOSTS=[".example.com", "testserver", "localhost"],
            INSTALLED_APPS=[
                "django.contrib.contenttypes",
                "django.contrib.auth",
                "drcp_multi",
            ],
            DATABASES={"default": {}},  # the dummy backend: pure tests never connect
            MIDDLEWARE=[],
            ROOT_URLCONF="tests.tenancy.urls",
            USE_TZ=True,
        )
        django.setup()


@pytest.fixture(autouse=True)
def _tenancy_base_settings() -> Iterator[None]:
    """Hosts and URLs these tests rely on, whatever the project-wide test settings say."""
    from django.test import override_settings

    with override_settings(
        ALLOWED_HOSTS=[".example.com", "shop.acme.test", "testserver", "localhost"],
        ROOT_URLCONF="tests.tenancy.urls",
    ):
        yield


TENANTS = {
    "acme": {"max_busy": 2},
    "globex": {"cclass": "GLOBEX_CC", "purity": "new"},
    "initech": {"enabled": False},
}


@pytest.fixture
def drcp_settings() -> Iterator[Any]:
    """``drcp_settings(**keys)`` overrides ``settings.DRCP_MULTI`` for the test (the catalog is rebuilt)."""
    from django.test import override_settings

    overrides: list[Any] = []

    def apply(**keys: Any) -> None:
        o = override_settings(DRCP_MULTI=keys)
        o.enable()
        overrides.append(o)

    yield apply
    for o in reversed(overrides):
        o.disable()


@pytest.fixture
def tenants(drcp_settings: Any) -> None:
    """Three static tenants (acme, globex, initech disabled), pool-per-tenant mode, header resolver."""
    drcp_settings(TENANTS=TENANTS, CCLASS_PREFIX="T_", RESOLVERS=["header"])
