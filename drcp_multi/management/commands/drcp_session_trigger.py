"""``manage.py drcp_session_trigger install|drop|status [--database ALIAS]``: the logon trigger that sets up
every new session of the alias's user, so checkouts need no session set-up round trip.

Oracle fires ``AFTER LOGON`` triggers for every authentication and every session DRCP creates, never on a
reused pooled session (Oracle Database Administrator's Guide, "Database Resident Connection Pooling and
LOGON/LOGOFF Triggers"); a session set up at creation keeps its state under purity SELF. Installing needs
the CREATE TRIGGER privilege (Django's test user has it). Sessions DRCP created before the trigger existed
were not set up by it: until they are recycled, keep ``SESSION_SETUP = 'checkout'``, or restart the pool
(``DBMS_CONNECTION_POOL.RESTART_POOL``, as an administrator).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from drcp_multi.backends.oracle.session import DROP_TRIGGER_SQL, TRIGGER_NAME, trigger_ddl
from drcp_multi.conf import ENGINE


class Command(BaseCommand):
    help = (
        f"Install, drop or show the logon trigger {TRIGGER_NAME}, which applies Django's session set-up "
        "(NLS territory, date and timestamp formats, time zone) to every new session of the alias's user, "
        "so a checkout needs no set-up round trip (DRCP_MULTI['SESSION_SETUP'] 'auto' or 'trigger')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("install", "drop", "status"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The alias (default: 'default').")

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        if settings.DATABASES.get(alias, {}).get("ENGINE") != ENGINE:
            raise CommandError(f"DATABASES[{alias!r}] does not use {ENGINE!r}.")
        connection = connections[alias]
        action = options["action"]
        try:
            if action in ("install", "drop"):
                with connection.cursor() as cursor:
                    cursor.execute(trigger_ddl(settings.USE_TZ) if action == "install" else DROP_TRIGGER_SQL)
            state = connection.session_trigger_state()  # type: ignore[attr-defined]  # our backend
        except DatabaseError as exc:
            hint = " (the user needs the CREATE TRIGGER privilege)" if action == "install" else ""
            raise CommandError(
                f"DATABASES[{alias!r}]: {action} of {TRIGGER_NAME} failed{hint}: {exc}"
            ) from exc
        finally:
            connection.close()
        # This process asks again on its next checkout; other processes keep their answer until restarted
        # (drop the trigger only after switching them to SESSION_SETUP = 'checkout').
        connection.forget_session_trigger_state()  # type: ignore[attr-defined]  # our backend
        user = connection.settings_dict["USER"]
        self.stdout.write(f"{TRIGGER_NAME} on DATABASES[{alias!r}] ({user}): {state}")
        if action == "install" and state == "installed":
            self.stdout.write(
                "New sessions are set up by the trigger; sessions DRCP created before it are not, until the "
                "pool recycles them (DBMS_CONNECTION_POOL.RESTART_POOL does it at once)."
            )
