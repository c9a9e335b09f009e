"""System checks: every bad setting is reported with a stable id naming the setting and the fix."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from drcp_multi.checks import check_databases, check_drcp_settings

GOOD: dict[str, Any] = {
    "ENGINE": "drcp_multi.backends.oracle",
    "NAME": "dbhost:1521/FREEPDB1",
    "USER": "app",
    "PASSWORD": "secret",
    "HOST": "",
    "PORT": "",
    "CONN_MAX_AGE": 0,
    "OPTIONS": {"purity": "self", "cclass": "APP"},
    "POOL": {"min": 1, "max": 4, "increment": 1},
}


def ids_for(**changes: Any) -> set[str]:
    return {m.id for m in check_databases({"default": {**GOOD, **changes}})}


def test_good_settings_pass() -> None:
    assert ids_for() == set()


@pytest.mark.parametrize(
    ("changes", "check_id"),
    [
        ({"POOL": {"min": 5, "max": 2}}, "drcp_multi.E001"),
        ({"POOL": {"increment": 0}}, "drcp_multi.E002"),
        ({"POOL": {"timeout": -1}}, "drcp_multi.E003"),
        ({"POOL": {"wait_timeout": -0.5}}, "drcp_multi.E003"),
        ({"POOL": {"max_lifetime_session": "long"}}, "drcp_multi.E003"),
        ({"POOL": {"ping_interval": 1.5}}, "drcp_multi.E003"),
        ({"OPTIONS": {"purity": "fresh", "cclass": "A"}}, "drcp_multi.E004"),
        ({"OPTIONS": {"cclass": "bad class"}}, "drcp_multi.E005"),
        ({"OPTIONS": {"cclass": "x)(SERVER=DEDICATED"}}, "drcp_multi.E005"),
        ({"CONN_MAX_AGE": 60}, "drcp_multi.E006"),
        ({"CONN_MAX_AGE": None}, "drcp_multi.E006"),
        ({"OPTIONS": {"cclass": "A", "pool": True}}, "drcp_multi.E007"),
        ({"POOL": {"min": 1, "maximum": 3}}, "drcp_multi.E008"),
        ({"POOL": {"max": "4"}}, "drcp_multi.E010"),
        ({"POOL": {"min": -1}}, "drcp_multi.E010"),
        ({"POOL": {"max": 0}}, "drcp_multi.E010"),
        ({"OPTIONS": {"cclass": "A", "min": 2}}, "drcp_multi.E011"),
        ({"OPTIONS": {"cclass": "A", "pursity": "self"}}, "drcp_multi.E011"),
        ({"POOL": {"getmode": "sometimes"}}, "drcp_multi.E012"),
        ({"NAME": ""}, "drcp_multi.E013"),
        ({"NAME": "svc", "HOST": "h", "PORT": "abc"}, "drcp_multi.E013"),
        ({"POOL": {"pool_boundary": "request"}}, "drcp_multi.E015"),
        ({"OPTIONS": {}}, "drcp_multi.W001"),
    ],
)
def test_each_bad_setting_has_its_id(changes: dict[str, Any], check_id: str) -> None:
    assert check_id in ids_for(**changes)


def test_messages_name_the_setting_and_the_fix() -> None:
    (message,) = check_databases({"default": {**GOOD, "POOL": {"min": 5, "max": 2}}})
    assert "DATABASES['default']['POOL']['min']" in message.msg
    assert message.hint and "min" in message.hint


def test_unknown_tnsnames_entry(tmp_path: Any) -> None:
    (tmp_path / "tnsnames.ora").write_text(
        "OTHER = (DESCRIPTION=(ADDRESS=(HOST=h)(PORT=1))(CONNECT_DATA=(SERVICE_NAME=s)))\n"
    )
    assert "drcp_multi.E013" in ids_for(NAME="missing", OPTIONS={"cclass": "A", "config_dir": str(tmp_path)})


def test_descriptor_asking_for_a_dedicated_server(tmp_path: Any) -> None:
    (tmp_path / "tnsnames.ora").write_text(
        "DED = (DESCRIPTION=(ADDRESS=(HOST=h)(PORT=1))(CONNECT_DATA=(SERVER=DEDICATED)(SERVICE_NAME=s)))\n"
    )
    assert ids_for(NAME="DED", OPTIONS={"cclass": "A", "config_dir": str(tmp_path)}) == {"drcp_multi.W002"}


@pytest.mark.parametrize(
    ("project", "check_id"),
    [
        ({"TENANCY_MODE": "schema"}, "drcp_multi.E009"),
        ({"CCLASS_PREFIX": "bad prefix "}, "drcp_multi.E005"),
        ({"MAX_LIVE_POOLS": 0}, "drcp_multi.E014"),
        ({"POOL_IDLE_TIMEOUT": -1}, "drcp_multi.E014"),
    ],
)
def test_project_settings(project: dict[str, Any], check_id: str) -> None:
    with override_settings(DRCP_MULTI=project):
        assert check_id in {m.id for m in check_drcp_settings()}


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_registered_with_django() -> None:
    with override_settings(DATABASES={"default": {**GOOD, "CONN_MAX_AGE": 60}}):
        assert "drcp_multi.E006" in {m.id for m in run_checks()}


def test_other_engines_are_ignored() -> None:
    other = {**GOOD, "ENGINE": "django.db.backends.oracle", "CONN_MAX_AGE": 60}
    assert check_databases({"default": other}) == []


# create_pool()'s parameters in python-oracledb 2.5.1 that POOL keys map to (2.5.1 has no pool_name).
DRIVER_2_5_POOL_PARAMETERS = frozenset(
    {
        "min",
        "max",
        "increment",
        "timeout",
        "wait_timeout",
        "getmode",
        "max_lifetime_session",
        "ping_interval",
        "ping_timeout",
        "stmtcachesize",
        "pool_boundary",
    }
)


def test_a_pool_key_the_installed_driver_lacks_is_refused_with_the_release_that_has_it() -> None:
    from drcp_multi.problems import pool_keys_the_driver_lacks

    (problem,) = pool_keys_the_driver_lacks(
        "DATABASES['default']",
        {"max": 4, "call_timeout": 5, "pool_name": "SALES"},
        DRIVER_2_5_POOL_PARAMETERS,
        "2.5.1",
    )
    assert problem.id == "drcp_multi.E020"
    assert "DATABASES['default']['POOL']['pool_name']" in problem.msg and "2.5.1" in problem.msg
    assert "3.2 or later" in problem.hint
    # Unset (None) keys are not passed to the driver, so they are no problem.
    assert (
        list(pool_keys_the_driver_lacks("x", {"pool_name": None}, DRIVER_2_5_POOL_PARAMETERS, "2.5.1")) == []
    )


def test_pool_keys_are_checked_against_the_installed_drivers_create_pool() -> None:
    import inspect

    import oracledb

    takes_pool_name = "pool_name" in inspect.signature(oracledb.create_pool).parameters
    found = ids_for(POOL={"pool_name": "SALES"})
    assert ("drcp_multi.E020" in found) is not takes_pool_name
