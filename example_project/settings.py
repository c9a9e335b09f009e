"""Settings for the drcp_multi example: a small multi-tenant task list on DRCP.

The database comes from ``DRCP_DSN``, ``DRCP_USER`` and ``DRCP_PASSWORD``. ``python -m example_project``
sets them to its embedded wire server when they are absent, so these settings are the same for a real
Oracle and for the embedded server.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

# A local demo: a fixed key is fine here; set EXAMPLE_SECRET_KEY anywhere else.
SECRET_KEY = os.environ.get("EXAMPLE_SECRET_KEY", "drcp-multi-example-not-secret")
DEBUG = os.environ.get("EXAMPLE_DEBUG", "1") == "1"
# ".localhost" admits every tenant subdomain (acme.localhost); browsers resolve *.localhost to loopback.
ALLOWED_HOSTS = [".localhost", "localhost", "127.0.0.1", "[::1]"] + [
    h for h in os.environ.get("EXAMPLE_ALLOWED_HOSTS", "").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "drcp_multi.apps.DrcpMultiConfig",
    "example_project.tasks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "drcp_multi.middleware.TenantMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Messages in a signed cookie: no session table needed.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "example_project.tasks.context_processors.served_by",
            ],
        },
    },
]

# The shared alias: no tenant (landing page, dashboard, migrate) runs under its own class.
DATABASES = {
    "default": {
        "ENGINE": "drcp_multi.backends.oracle",
        "NAME": os.environ.get("DRCP_DSN", ""),
        "USER": os.environ.get("DRCP_USER", ""),
        "PASSWORD": os.environ.get("DRCP_PASSWORD", ""),
        "OPTIONS": {"purity": "self", "cclass": "EXAMPLE_SHARED"},
        "POOL": {"min": 0, "max": 8, "increment": 1, "timeout": 60},
    },
}

# `python -m example_project.manage tenants add NAME` needs no database; without DRCP_DSN the empty NAME
# would fail the system checks of every command. Database commands still fail, at connect, saying why.
SILENCED_SYSTEM_CHECKS = [] if os.environ.get("DRCP_DSN") else ["drcp_multi.E013"]

DRCP_MULTI = {
    # One database user for every tenant, one pool per tenant (created on first use) with
    # cclass = CCLASS_PREFIX + name: tenants never share a pooled server session.
    "TENANCY_MODE": "pool_per_tenant",
    "SHARED_ALIAS": "default",
    "CCLASS_PREFIX": "T_",
    # acme, globex, initech plus tenants added at runtime (the page or `manage tenants add`).
    "TENANT_CATALOG": "example_project.catalog.FileCatalog",
    # acme.localhost:8000 first; /t/acme/ for clients that cannot set Host.
    "RESOLVERS": [("host", {"domain": os.environ.get("EXAMPLE_DOMAIN", "localhost")}), "path"],
    # The bare site (tenant list, dashboard) runs without a tenant, under the shared alias's class.
    "TENANT_REQUIRED": False,
    # Prometheus at /ops/metrics (when prometheus_client is installed: it is in the dev extra).
    "METRICS": importlib.util.find_spec("prometheus_client") is not None,
    # `python -m example_project.manage drcp_pools resize|rotate` reach the running site through this.
    "CONTROL_DIR": os.environ.get("DRCP_MULTI_CONTROL_DIR")
    or str(Path(os.environ.get("EXAMPLE_DATA_DIR") or BASE_DIR / "data") / "control"),
    # A pool-wide cap across the tenant pools: at most 8 of the shared alias's connections at once.
    "ALIAS_LIMITS": {
        "default": {"max_busy": int(os.environ.get("EXAMPLE_ALIAS_CAP", "8")), "max_waiting": 32}
    },
}

DATABASE_ROUTERS = ["drcp_multi.routers.TenantRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"example_project": {"handlers": ["console"], "level": "INFO"}},
}
