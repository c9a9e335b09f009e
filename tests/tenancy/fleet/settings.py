"""Settings of the fleet test project, from the environment.

``FLEET_DSN`` (the wire server), ``FLEET_TENANTS`` (comma-separated names; each is a user with password
``pw_<name>`` on the server), ``FLEET_MODE`` ("alias", the default, or "pool_per_tenant"),
``FLEET_BROKER`` (a redis:// URL for Celery, optional), ``FLEET_CATALOG=model`` (tenants in the
``customers`` table instead of settings; FLEET_TENANTS then only lists the DATABASES aliases ready for
tenants). The shared user is ``shared``/``pw``; it is also the administrator that creates tenant users.
"""

from __future__ import annotations

import os
from typing import Any

DSN = os.environ.get("FLEET_DSN", "127.0.0.1:1521/FREEPDB1")
TENANTS = [t for t in os.environ.get("FLEET_TENANTS", "acme,globex").split(",") if t]
MODE = os.environ.get("FLEET_MODE", "alias")


def _alias(user: str, password: str, cclass: str) -> dict[str, Any]:
    return {
        "ENGINE": "drcp_multi.backends.oracle",
        "NAME": DSN,
        "USER": user,
        "PASSWORD": password,
        "OPTIONS": {"cclass": cclass, "purity": "self"},
        "POOL": {"min": 0, "max": 2, "increment": 1},
    }


DATABASES = {"default": _alias("shared", "pw", "SHARED")}
if MODE == "alias":
    DATABASES.update({t: _alias(t, f"pw_{t}", f"T_{t}") for t in TENANTS})
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "drcp_multi",
    "tests.tenancy.fleet.notes",
    "tests.tenancy.fleet.customers",
]
DATABASE_ROUTERS = ["drcp_multi.routers.TenantRouter"]
DRCP_MULTI = {
    "TENANCY_MODE": MODE,
    "CCLASS_PREFIX": "T_",
    "TENANTS": {t: {} for t in TENANTS},
    "SHARED_APPS": ["contenttypes", "auth", "customers"],
    "CELERY_APP": "tests.tenancy.fleet.celery_app.app",
    "ADMIN_ALIAS": "default",
}
if os.environ.get("FLEET_CATALOG") == "model":
    del DRCP_MULTI["TENANTS"]
    DRCP_MULTI["TENANT_CATALOG"] = ("customers.Customer", {"ttl": 0})
USE_TZ = True
SECRET_KEY = "fleet-tests"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CELERY_BROKER_URL = os.environ.get("FLEET_BROKER", "memory://")
CELERY_RESULT_BACKEND = os.environ.get("FLEET_BROKER", "cache+memory://")
