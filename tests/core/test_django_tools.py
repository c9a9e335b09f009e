"""Django's own tooling on the backend: test database set-up and migrate, flush, inspectdb, dbshell,
check, and the drcp_pools command."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from drcp_multi.registry import get_registry


@pytest.mark.django_db(transaction=True)
def test_migrated_test_database_and_flush() -> None:
    from django.contrib.auth.models import User

    User.objects.create(username="ada")
    assert User.objects.filter(username="ada").count() == 1
    # As Django's TransactionTestCase flushes between tests (the wire server's SQL engine does not run the
    # identity-sequence reset block that reset_sequences=True adds).
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_inspectdb_reads_the_dictionary_through_the_pool() -> None:
    out = io.StringIO()
    call_command("inspectdb", "auth_group", stdout=out)
    assert "class AuthGroup(models.Model):" in out.getvalue()
    assert "name = models.CharField(" in out.getvalue()


def test_dbshell_runs_sqlplus_with_the_alias_settings() -> None:
    args, _ = connection.client.settings_to_cmd_args_env(connection.settings_dict, [])
    assert "sqlplus" in args[-2] or "sqlplus" in args[0]
    assert connection.settings_dict["NAME"] in args[-1]
    with pytest.raises(CommandError, match="sqlplus"):
        call_command("dbshell")  # not installed here: Django's own message, not a driver traceback


def test_check_command_passes_on_the_test_settings() -> None:
    call_command("check", "--fail-level", "WARNING")


def test_drcp_pools_stats_and_close(wire: Any) -> None:
    out = io.StringIO()
    call_command("drcp_pools", "stats", "--connect", "--json", stdout=out)
    report = json.loads(out.getvalue())
    (pool,) = report["pools"]
    assert (pool["alias"], pool["cclass"], pool["busy"]) == ("default", "APP_CC", 0)
    out = io.StringIO()
    call_command("drcp_pools", "stats", stdout=out)
    assert "APP_CC" in out.getvalue()
    call_command("drcp_pools", "close", "--alias", "default", stdout=io.StringIO())
    assert get_registry().stats() == []
