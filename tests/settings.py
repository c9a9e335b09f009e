"""Django settings of the test suite.

The Oracle entries carry placeholders: the pytest plugin (``drcp_multi.testing.pytest_plugin``, fixture
``oracle_server``) points them at the wire server it starts, or at ``DRCP_TEST_DSN``, before any connection.
"""

from __future__ import annotations

SECRET_KEY = "drcp-multi-tests"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "drcp_multi",
]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "tests.core.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_PLACEHOLDER_DSN = "127.0.0.1:1/FREEPDB1"  # replaced by the oracle_server fixture

DATABASES = {
    "default": {
        "ENGINE": "drcp_multi.backends.oracle",
        "NAME": _PLACEHOLDER_DSN,
        "USER": "app",
        "PASSWORD": "secret",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {"purity": "self", "cclass": "APP_CC"},
        "POOL": {"min": 0, "max": 4, "increment": 1, "wait_timeout": 10},
        "TEST": {"USER": "app", "PASSWORD": "secret", "CREATE_DB": False, "CREATE_USER": False},
    },
}

DRCP_MULTI = {"TENANCY_MODE": "pool_per_tenant", "CCLASS_PREFIX": "T_"}

LOGGING = {"version": 1, "disable_existing_loggers": False}
