"""Settings of the site the server tests run under a real gunicorn/uvicorn (from the environment the
test sets: SERVED_DSN, SERVED_USER, SERVED_PASSWORD_FILE, SERVED_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

SECRET_KEY = "drcp-multi-served-tests"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "drcp_multi"]
MIDDLEWARE = ["drcp_multi.middleware.TenantMiddleware"]
ROOT_URLCONF = "tests.ops.served.urls"
DATABASE_ROUTERS = ["drcp_multi.routers.TenantRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {
    "default": {
        "ENGINE": "drcp_multi.backends.oracle",
        "NAME": os.environ.get("SERVED_DSN", ""),
        "USER": os.environ.get("SERVED_USER", "app"),
        # Read at each pool creation: `drcp_pools rotate` picks up a new one (drcp_multi.credentials).
        "PASSWORD": Path(os.environ.get("SERVED_PASSWORD_FILE", "/nonexistent")),
        "OPTIONS": {"purity": "self", "cclass": "SERVED"},
        "POOL": {
            "min": int(os.environ.get("SERVED_POOL_MIN", "0")),
            "max": int(os.environ.get("SERVED_POOL_MAX", "4")),
            "increment": 1,
            "wait_timeout": 10,
        },
    },
}

DRCP_MULTI = {
    "TENANCY_MODE": "pool_per_tenant",
    "CCLASS_PREFIX": "T_",
    "TENANTS": {f"t{i}": {} for i in range(8)},
    "RESOLVERS": ["path"],
    "TENANT_REQUIRED": False,
    "METRICS": True,
    "CONTROL_DIR": os.environ.get("SERVED_DIR", "/tmp") + "/control",
    "CONTROL_POLL_INTERVAL": 0.2,
    "DRAIN_TIMEOUT": 30,
    "MONITOR_INTERVAL": 0,
}
if os.environ.get("SERVED_ALIAS_CAP"):
    DRCP_MULTI["ALIAS_LIMITS"] = {"default": {"max_busy": int(os.environ["SERVED_ALIAS_CAP"])}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"drcp_multi": {"handlers": ["stderr"], "level": "INFO"}},
}
