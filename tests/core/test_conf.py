"""Settings parsing: the seed's keys verbatim, the new POOL keys, purity spellings, DSN forms."""

from __future__ import annotations

from typing import Any

import oracledb
import pytest
from django.test import override_settings

from drcp_multi.conf import build_dsn, drcp_setting, parse_purity
from drcp_multi.exceptions import ConfigurationError, InvalidIdentifier
from drcp_multi.poolconfig import get_pool_config
from drcp_multi.problems import find_problems
from drcp_multi.validation import validate_cclass


def entry(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ENGINE": "drcp_multi.backends.oracle",
        "NAME": "dbhost:1521/FREEPDB1",
        "USER": "app",
        "PASSWORD": "secret",
        "HOST": "",
        "PORT": "",
        "CONN_MAX_AGE": 0,
        "OPTIONS": {"purity": oracledb.ATTR_PURITY_NEW, "cclass": "myappname"},
        "POOL": {"min": 1, "max": 4, "increment": 2},
    }
    base.update(overrides)
    return base


def test_seed_settings_verbatim() -> None:
    config = get_pool_config("seed", entry(POOL={"min": 1, "max": 4, "increment": 2, "timeout": 30}))
    assert (config.min, config.max, config.increment, config.timeout) == (1, 4, 2, 30)
    assert config.cclass == "myappname"
    assert config.purity == oracledb.Purity.NEW
    kwargs = config.pool_kwargs()
    assert kwargs["server_type"] == "pooled"
    assert kwargs["cclass"] == "myappname" and kwargs["purity"] == oracledb.Purity.NEW
    assert (kwargs["user"], kwargs["password"], kwargs["dsn"]) == ("app", "secret", "dbhost:1521/FREEPDB1")
    assert "secret" not in repr(config) and "secret" not in str(config.describe())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (oracledb.ATTR_PURITY_NEW, oracledb.Purity.NEW),
        (oracledb.ATTR_PURITY_SELF, oracledb.Purity.SELF),
        (oracledb.ATTR_PURITY_DEFAULT, oracledb.Purity.DEFAULT),
        (oracledb.PURITY_SELF, oracledb.Purity.SELF),
        (oracledb.Purity.NEW, oracledb.Purity.NEW),
        (1, oracledb.Purity.NEW),  # cx_Oracle.ATTR_PURITY_NEW
        ("new", oracledb.Purity.NEW),
        ("SELF", oracledb.Purity.SELF),
        (" Default ", oracledb.Purity.DEFAULT),
    ],
)
def test_purity_spellings(value: object, expected: oracledb.Purity) -> None:
    assert parse_purity(value) == expected


@pytest.mark.parametrize("value", ["fresh", 7, None, True, 1.0])
def test_unknown_purity(value: object) -> None:
    with pytest.raises(ValueError):
        parse_purity(value)


def test_new_pool_keys_in_seconds() -> None:
    config = get_pool_config(
        "new",
        entry(
            POOL={
                "min": 0,
                "max": 8,
                "increment": 1,
                "wait_timeout": 2.5,
                "max_lifetime_session": 3600,
                "ping_interval": 30,
                "ping_timeout": 1,
                "stmtcachesize": 50,
            }
        ),
    )
    kwargs = config.pool_kwargs()
    assert kwargs["getmode"] == oracledb.PoolGetMode.TIMEDWAIT
    assert kwargs["wait_timeout"] == 2500  # the driver counts milliseconds
    assert kwargs["ping_timeout"] == 1000
    assert (kwargs["max_lifetime_session"], kwargs["ping_interval"], kwargs["stmtcachesize"]) == (
        3600,
        30,
        50,
    )


def test_getmode_words_and_defaults() -> None:
    assert get_pool_config("a", entry(POOL={"getmode": "nowait"})).getmode == oracledb.PoolGetMode.NOWAIT
    assert get_pool_config("b", entry(POOL={"wait_timeout": 0})).getmode == oracledb.PoolGetMode.WAIT
    assert get_pool_config("c", entry(POOL={})).getmode == oracledb.PoolGetMode.TIMEDWAIT


def test_default_cclass_is_never_random() -> None:
    config = get_pool_config("tenant-1", entry(OPTIONS={}))
    assert config.cclass == "DJANGO_TENANT_1"
    assert not config.cclass_configured
    assert config.purity == oracledb.Purity.SELF


def test_driver_options_pass_through_and_django_ones_do_not() -> None:
    config = get_pool_config(
        "opts", entry(OPTIONS={"cclass": "X", "threaded": True, "use_returning_into": False, "events": False})
    )
    kwargs = config.pool_kwargs()
    assert kwargs["events"] is False
    assert "threaded" not in kwargs and "use_returning_into" not in kwargs


def test_dsn_forms() -> None:
    assert build_dsn({"NAME": "my_drcp_db", "HOST": "", "PORT": ""}) == "my_drcp_db"
    assert build_dsn({"NAME": "h:1/svc", "HOST": "", "PORT": ""}) == "h:1/svc"
    assert "SERVICE_NAME=svc" in build_dsn({"NAME": "svc", "HOST": "db", "PORT": "1521"})
    assert build_dsn({"NAME": "svc", "HOST": "db", "PORT": ""}) == "db/svc"


def test_tnsnames_alias_with_config_dir(tmp_path: Any) -> None:
    (tmp_path / "tnsnames.ora").write_text(
        "MY_DRCP_DB = (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=127.0.0.1)(PORT=1521))"
        "(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)))\n"
    )
    settings_dict = entry(NAME="my_drcp_db", OPTIONS={"cclass": "X", "config_dir": str(tmp_path)})
    assert find_problems("tns", settings_dict) == []
    kwargs = get_pool_config("tns", settings_dict).pool_kwargs()
    assert kwargs["config_dir"] == str(tmp_path) and kwargs["dsn"] == "my_drcp_db"
    # The engine asks for a pooled server; the descriptor needs no SERVER=POOLED.
    params = oracledb.ConnectParams(server_type="pooled", config_dir=str(tmp_path))
    params.parse_connect_string("my_drcp_db")
    assert "(SERVER=pooled)" in params.get_connect_string()


def test_invalid_settings_raise_with_check_id() -> None:
    with pytest.raises(ConfigurationError, match=r"drcp_multi\.E001"):
        get_pool_config("bad", entry(POOL={"min": 5, "max": 2}))


def test_config_follows_in_place_changes() -> None:
    settings_dict = entry()
    assert get_pool_config("inplace", settings_dict).user == "app"
    settings_dict["USER"] = "test_app"  # what Django's test runner does
    assert get_pool_config("inplace", settings_dict).user == "test_app"


def test_cclass_validator() -> None:
    assert validate_cclass("T_acme-corp.1") == "T_acme-corp.1"
    for bad in ["", "a b", "x)(SERVER=DEDICATED", "o'hara", "a" * 129, None]:
        with pytest.raises(InvalidIdentifier):
            validate_cclass(bad)


def test_drcp_setting_defaults_and_overrides() -> None:
    with override_settings(DRCP_MULTI={}):
        assert drcp_setting("TENANCY_MODE") == "pool_per_tenant"
        assert drcp_setting("NOT_A_KEY") is None
    with override_settings(DRCP_MULTI={"TENANCY_MODE": "alias", "MAX_LIVE_POOLS": 5}):
        assert drcp_setting("TENANCY_MODE") == "alias"
        assert drcp_setting("MAX_LIVE_POOLS") == 5
