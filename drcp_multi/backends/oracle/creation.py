"""Test database creation: Django's, with the test user's DRCP sessions drained before it is dropped.

Closing our pools ends our client connections, but on Oracle the DRCP pool keeps the sessions they
released, cached on pooled servers for the next request of the same user and class; ``DROP USER`` then
fails with ORA-01940 ("cannot drop a user that is currently connected"; Oracle's action: make sure the
user is logged off). Teardown therefore drops the user and, if Oracle answers ORA-01940, ends the test
user's sessions the way the Database Administrator's Guide documents ("Terminating Sessions":
``ALTER SYSTEM KILL SESSION 'sid,serial#' IMMEDIATE``, the sessions found in ``V$SESSION``), then tries
again until the killed sessions are gone. That needs the main (admin) user to hold SELECT on
``V_$SESSION`` and ALTER SYSTEM (SYSTEM has both); without them the error says so.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.oracle.creation import DatabaseCreation as OracleDatabaseCreation

from drcp_multi.backends.oracle.user_sessions import USER_CONNECTED, drop_ending_sessions
from drcp_multi.registry import get_registry


class TestUserStillConnected(RuntimeError):
    """The test user's pooled sessions could not be ended, so it could not be dropped."""


class DatabaseCreation(OracleDatabaseCreation):
    def _destroy_test_db(self, test_database_name: str, verbosity: int = 1) -> None:
        # Our own pools of the test user go first: their connections hold pooled servers.
        self.connection.close()
        get_registry().close(self.connection.alias, force=True)
        super()._destroy_test_db(test_database_name, verbosity)  # type: ignore[misc]  # not in django-stubs

    def _create_test_db(self, verbosity: int = 1, autoclobber: bool = False, keepdb: bool = False) -> str:
        name: str = super()._create_test_db(verbosity, autoclobber, keepdb)  # type: ignore[misc]
        # The admin user's pool is not needed while the tests run: drained once its connections are back.
        get_registry().close(self.connection.alias)
        return name

    def _destroy_test_user(self, cursor: Any, parameters: dict[str, Any], verbosity: int) -> None:
        username = str(parameters["user"]).upper()  # unquoted in Django's DROP USER: stored upper-case
        parent = super()._destroy_test_user  # type: ignore[misc]  # not in django-stubs

        def announce() -> None:
            if verbosity >= 1:
                self.log(
                    f"Ending the DRCP sessions of test user {username} still pooled ({USER_CONNECTED})..."
                )

        drop_ending_sessions(
            lambda: parent(cursor, parameters, verbosity),
            cursor,
            username,
            explain=lambda exc: still_connected(username, exc),
            on_retry=announce,
        )


def still_connected(username: str, exc: Exception) -> TestUserStillConnected:
    return TestUserStillConnected(
        f"Test user {username} cannot be dropped: its sessions stay cached in the DRCP pool after our "
        f"pools closed ({USER_CONNECTED}), and ending them failed: {exc}. Give the main user of "
        "DATABASES (the one that creates the test user) SELECT ON V_$SESSION and ALTER SYSTEM, or stop "
        "the pool (EXECUTE DBMS_CONNECTION_POOL.STOP_POOL()) before the run ends; see "
        "docs/live-oracle.md."
    )
