"""``migrate`` from scratch on several tenant schemas through drcp_multi's pools, then again (a no-op).

Run as ``python -m tests.tenancy.migrate_script`` from the repository root: a process of its own, so its
settings (mode "alias": one DATABASES alias, user, schema and DRCP class per tenant) never mix with the
suite's. It starts a wire server, runs ``manage.py tenant_command <tenant> migrate`` for each tenant
twice, and prints one JSON object with what the server logged; tests/tenancy/test_migrate.py asserts it.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oracle_emulator import EmulatorServer

TENANTS = ("acme", "globex", "initech")
APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.admin",
    "drcp_multi",
    "example_project.tasks",
]
_CREATE_TABLE = re.compile(r'^\s*CREATE TABLE\s+"?([A-Za-z0-9_$#]+)"?', re.IGNORECASE)


def main() -> dict[str, object]:
    from oracle_emulator import EmulatorServer

    srv = EmulatorServer(users={"shared": "pw", **{t: f"pw_{t}" for t in TENANTS}})
    srv.start()
    try:
        return run(srv)
    finally:
        srv.stop()


def run(srv: EmulatorServer) -> dict[str, object]:
    import django
    from django.conf import settings

    def alias(user: str) -> dict[str, object]:
        return {
            "ENGINE": "drcp_multi.backends.oracle",
            "NAME": srv.dsn,
            "USER": user,
            "PASSWORD": "pw" if user == "shared" else f"pw_{user}",
            "OPTIONS": {"cclass": f"T_{user}", "purity": "self"},
            "POOL": {"min": 0, "max": 2, "increment": 1},
        }

    settings.configure(
        DATABASES={"default": alias("shared"), **{t: alias(t) for t in TENANTS}},
        INSTALLED_APPS=APPS,
        DATABASE_ROUTERS=["drcp_multi.routers.TenantRouter"],
        # Every app, the shared ones included, is migrated into each tenant's own schema.
        DRCP_MULTI={"TENANCY_MODE": "alias", "TENANTS": {t: {} for t in TENANTS}, "SHARED_APPS": []},
        USE_TZ=True,
        SECRET_KEY="migrate-script",
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from drcp_multi.registry import get_registry
    from drcp_multi.tenancy.catalog import get_tenant
    from drcp_multi.tenancy.context import tenant_context
    from example_project.tasks.models import Task

    result: dict[str, object] = {}
    for round_ in ("first", "second"):
        srv.wait_idle()
        srv.reset_stats()
        outputs = {}
        for tenant in TENANTS:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                call_command("tenant_command", tenant, "migrate", "--verbosity", "1")
            outputs[tenant] = out.getvalue()
        for conn in connections.all(initialized_only=True):
            conn.close()
        srv.wait_idle()
        statements = srv.statements()
        result[round_] = {
            "outputs": outputs,
            "created": sorted(
                {
                    (r.username, r.cclass or "", m.group(1).upper())
                    for r in statements
                    if (m := _CREATE_TABLE.match(r.sql)) and r.error_code is None
                }
            ),
            "ddl": sum(1 for r in statements if re.match(r"\s*(CREATE|ALTER|DROP)\b", r.sql, re.IGNORECASE)),
            "errors": [(r.sql[:120], r.error_code) for r in statements if r.error_code is not None],
            "users_classes": sorted({(r.username, r.cclass or "") for r in statements}),
        }

    # The migrated tables hold data per schema: a row written as acme is not seen by globex.
    with tenant_context(get_tenant("acme")):
        Task.objects.create(tenant="acme", title="only in acme's schema")
    counts = {}
    for tenant in TENANTS:
        with tenant_context(get_tenant(tenant)):
            counts[tenant] = Task.objects.count()
    for conn in connections.all(initialized_only=True):
        conn.close()
    result["task_counts"] = counts
    result["busy_after"] = sum(p.busy for p in get_registry().stats())
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
