"""Test database creation: Django's, with the alias's pools closed before the test user is dropped."""

from __future__ import annotations

from django.db.backends.oracle.creation import DatabaseCreation as OracleDatabaseCreation

from drcp_multi.registry import get_registry


class DatabaseCreation(OracleDatabaseCreation):
    def _destroy_test_db(self, test_database_name: str, verbosity: int = 1) -> None:
        # Sessions of the test user still pooled would make DROP USER fail (ORA-01940).
        self.connection.close()
        get_registry().close(self.connection.alias, force=True)
        super()._destroy_test_db(test_database_name, verbosity)  # type: ignore[misc]  # not in django-stubs

    def _create_test_db(self, verbosity: int = 1, autoclobber: bool = False, keepdb: bool = False) -> str:
        name: str = super()._create_test_db(verbosity, autoclobber, keepdb)  # type: ignore[misc]
        # The admin user's pool is not needed while the tests run: drained once its connections are back.
        get_registry().close(self.connection.alias)
        return name
