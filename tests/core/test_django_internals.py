"""What drcp_multi.backends.oracle.django_internals relies on in Django's Oracle backend: fails when a Django
release changes it, so an upgrade cannot silently skip a step of the session set-up."""

from __future__ import annotations

import ast
import inspect
import textwrap

from django.conf import settings
from django.db.backends.oracle.base import DatabaseWrapper as OracleDatabaseWrapper
from django.test import override_settings

from drcp_multi.backends.oracle.django_internals import OPERATOR_ATTRIBUTES
from drcp_multi.backends.oracle.session import session_setup_sql
from drcp_multi.conf import project_settings


def test_the_operator_tables_exist_and_differ() -> None:
    for name in OPERATOR_ATTRIBUTES:
        assert isinstance(getattr(OracleDatabaseWrapper, name), dict), name
    assert OracleDatabaseWrapper._standard_operators != OracleDatabaseWrapper._likec_operators


def djangos_init_connection_state() -> ast.FunctionDef:
    source = textwrap.dedent(inspect.getsource(OracleDatabaseWrapper.init_connection_state))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def test_oracles_init_connection_state_does_only_what_drcp_multi_replaces() -> None:
    """Django's override: the base class's init, the two ALTER SESSION (which session_setup_sql and the
    logon trigger apply), the LIKE probe choosing between the two operator tables, the statement cache
    size, a commit. Anything else new would be skipped by drcp_multi: this fails then."""
    node = djangos_init_connection_state()
    literals = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    alters = [s for s in literals if s.startswith("ALTER SESSION")]
    block = session_setup_sql(use_tz=True)
    assert alters and all(s.replace("'", "''") in block for s in alters)
    attributes = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
    assert set(OPERATOR_ATTRIBUTES) <= attributes
    calls = {
        n.func.attr for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    }
    known = {
        "init_connection_state",  # super(): the base class's, which drcp_multi calls itself
        "create_cursor",
        "execute",
        "close",
        "get_autocommit",
        "commit",
    }
    assert calls <= known, calls - known


def test_lazy_settings_cache_that_conf_reads_first() -> None:
    """drcp_multi.conf.project_settings() reads ``settings.__dict__`` before ``settings.DRCP_MULTI`` (the
    LazySettings cache: a value read once is kept there, dropped when set or when override_settings swaps
    the settings). If Django stops dropping it, a stale DRCP_MULTI would be read: this fails first."""
    cache = object.__getattribute__(settings, "__dict__")
    first = {"TENANCY_MODE": "alias"}
    with override_settings(DRCP_MULTI=first):
        assert settings.DRCP_MULTI is first and cache["DRCP_MULTI"] is first  # a read fills the cache
        assert project_settings() is first
        second = {"TENANCY_MODE": "pool_per_tenant"}
        with override_settings(DRCP_MULTI=second):
            # Swapping the settings empties it (a setting_changed receiver may have read the new value).
            assert cache.get("DRCP_MULTI", second) is second
            assert project_settings() is second
        assert cache.get("DRCP_MULTI", first) is first and project_settings() is first
        settings.DRCP_MULTI = second  # setting an attribute drops its cached value too
        assert project_settings() is second
