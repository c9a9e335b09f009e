"""Django's full test-database cycle on the backend, in its own interpreter (run by test_test_database.py).

Creates the test user and tablespaces as the main user, migrates and queries as the test user through
the registry, destroys it all; prints JSON with what the wire server saw. The server's DROP USER hook
records which clients of the test user were still connected at that moment: none, because the alias's
pools are closed before the user is dropped. Their sessions stay cached in the DRCP pool, as on Oracle,
so the first DROP USER fails with ORA-01940 and teardown kills them (V$SESSION + KILL SESSION).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django
from django.conf import settings

from drcp_multi.testing.pytest_plugin import start_emulator


def main() -> dict[str, Any]:
    # The main user reads V$SESSION to end the test user's pooled sessions when DROP USER is refused
    # (drcp_multi.backends.oracle.creation): the grant a DBA gives it (docs/live-oracle.md).
    server = start_emulator(
        service="FREEPDB1", users={"app": "secret"}, grants={"app": ["SELECT ON V_$SESSION"]}
    )
    connected_at_drop: list[dict[str, Any]] = []
    server.engine.on_drop_user = lambda name: connected_at_drop.extend(
        c for c in server.broker.cpool_conn_info() if c["USERNAME"] == name.upper()
    )
    settings.configure(
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "drcp_multi"],
        DATABASES={
            "default": {
                "ENGINE": "drcp_multi.backends.oracle",
                "NAME": server.dsn,
                "USER": "app",
                "PASSWORD": "secret",
                "OPTIONS": {"cclass": "APP_CC"},
                "TEST": {"PASSWORD": "TestPw1"},
            }
        },
    )
    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection

    from drcp_multi.registry import get_registry

    try:
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        User.objects.create(username="ada")
        report: dict[str, Any] = {
            "test_user": connection.settings_dict["USER"],
            "rows": User.objects.count(),
            "pool_users_during": sorted(r.user for r in get_registry().stats()),
        }
        connection.creation.destroy_test_db(old_name, verbosity=0)
        report["pools_after"] = get_registry().stats()
        report["user_after"] = connection.settings_dict["USER"]
        report["connected_at_drop"] = connected_at_drop
        report["ddl"] = [
            (r.username, " ".join(r.sql.split()[:3]).upper(), r.error_code)
            for r in server.statements()
            if r.sql.split()[0].upper() in ("CREATE", "DROP") and r.sql.split()[1].upper() == "USER"
        ]
        report["kills"] = [
            (r.username, r.error_code)
            for r in server.statements()
            if r.sql.upper().startswith("ALTER SYSTEM KILL")
        ]
        report["test_user_sessions_after"] = [
            s for s in server.broker.sessions() if s["USERNAME"] == "TEST_APP"
        ]
        return report
    finally:
        get_registry().close_all()
        server.stop()


if __name__ == "__main__":
    print(json.dumps(main()))
