"""One test per setting rule of drcp_multi.tenancy.checks: the id, the setting named, the fix; and the
router refusing SHARED_APPS given as a string at run time too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from drcp_multi.routers import shared_apps
from drcp_multi.tenancy.checks import KNOWN_KEYS, SETTING_RULES, check_tenancy


def problems(**drcp: Any) -> dict[str, str]:
    """check id -> message + hint, for the given DRCP_MULTI."""
    with override_settings(DRCP_MULTI=drcp):
        return {str(m.id): f"{m.msg} HINT: {m.hint}" for m in check_tenancy()}


@pytest.mark.parametrize(
    ("drcp", "check_id", "says"),
    [
        (
            {"SHARED_APPS": "auth"},
            "drcp_multi.E110",
            "served as the one label 'auth' (set() of it would be the labels ['a', 'h', 't', 'u'], one per "
            "character). HINT: Write a list of app labels: ['auth']",
        ),
        ({"SHARED_APPS": ["auth", 3]}, "drcp_multi.E110", "DRCP_MULTI['SHARED_APPS'] is ['auth', 3]"),
        (
            {"RESOLVERS": "header"},
            "drcp_multi.E119",
            "is the string 'header', not a list: each character would be taken for a resolver. "
            "HINT: Write a list: ['header']",
        ),
        ({"RESOLVERS": 5}, "drcp_multi.E119", "DRCP_MULTI['RESOLVERS'] is 5"),
        ({"TENANT_NOT_FOUND": 42}, "drcp_multi.E107", "DRCP_MULTI['TENANT_NOT_FOUND'] is 42, not a view"),
        (
            {"TENANT_BAD_REQUEST": "no.such.view"},
            "drcp_multi.E107",
            "DRCP_MULTI['TENANT_BAD_REQUEST'] = 'no.such.view' cannot be imported",
        ),
        (
            {"TENANT_ALIAS": "tenants"},
            "drcp_multi.E109",
            "DRCP_MULTI['TENANT_ALIAS'] is 'tenants', which is not an alias in DATABASES",
        ),
        (
            {"SHARED_ALIAS": "shared"},
            "drcp_multi.E111",
            "Set DRCP_MULTI['SHARED_ALIAS'] to one of the DATABASES aliases, or add 'shared'",
        ),
        ({"ADMIN_ALIAS": "dba"}, "drcp_multi.E116", "DRCP_MULTI['ADMIN_ALIAS'] is 'dba'"),
        ({"TENANT_MODE": "alias"}, "drcp_multi.W102", "'TENANT_MODE' (did you mean 'TENANCY_MODE'?)"),
        ({"tenants": {}}, "drcp_multi.W102", "'tenants' (did you mean 'TENANTS'?)"),
        ({"COLOUR": "red"}, "drcp_multi.W102", "unknown key(s) 'COLOUR': drcp_multi ignores them"),
        ({"TENANT_REQUIRED": "False"}, "drcp_multi.E112", "'False' included, would count as True"),
        ({"TENANT_REQUIRED": 0}, "drcp_multi.E112", "is 0 (int), not True or False"),
        ({"TRACE_MODULE": 7}, "drcp_multi.E113", "Oracle's session MODULE is a string of 1 to 48 bytes"),
        ({"TRACE_MODULE": "x" * 49}, "drcp_multi.E113", "48 bytes"),
        (
            {"TENANT_URLCONF": "no.such.urls"},
            "drcp_multi.E114",
            "names 'no.such.urls', which cannot be imported",
        ),
        ({"TENANT_URLCONF": {"*": "no.such.urls"}}, "drcp_multi.E114", "cannot be imported"),
        ({"PUBLIC_URLCONF": 5}, "drcp_multi.E114", "DRCP_MULTI['PUBLIC_URLCONF'] holds 5"),
        ({"CELERY_APP": "celery"}, "drcp_multi.E115", "e.g. 'proj.celery.app'"),
        ({"TENANT_TABLESPACE": "USERS; DROP"}, "drcp_multi.E117", "it must match"),
        (
            {"TENANT_SCHEMA_TEMPLATE": "CREATE USER {user}"},
            "drcp_multi.E118",
            "Write a list of SQL statements",
        ),
        ({"TENANT_DROP_TEMPLATE": ["DROP USER {user} {extra}"]}, "drcp_multi.E118", "uses ['extra']"),
    ],
)
def test_each_rule_names_the_setting_and_the_fix(drcp: dict[str, Any], check_id: str, says: str) -> None:
    found = problems(**drcp)
    assert check_id in found, found
    assert says in found[check_id]


def test_valid_values_are_quiet() -> None:
    quiet = problems(
        SHARED_APPS=("auth",),
        TENANT_ALIAS="default",
        SHARED_ALIAS="default",
        ADMIN_ALIAS="default",
        TENANT_REQUIRED=False,
        TRACE_MODULE="shop",
        RESOLVERS=[("host", {"domain": "example.com"}), "header"],
        TENANT_NOT_FOUND="drcp_multi.views.tenant_not_found",
        TENANT_BAD_REQUEST=lambda request, exc: None,
        TENANT_URLCONF={"acme": "tests.tenancy.urls", "*": "tests.tenancy.urls"},
        PUBLIC_URLCONF="tests.tenancy.public_urls",
        CELERY_APP="proj.celery.app",
        TENANT_TABLESPACE="USERS",
        TENANT_SCHEMA_TEMPLATE=['CREATE USER {user} IDENTIFIED BY "{password}"'],
    )
    assert quiet == {}


def test_every_rule_is_one_function_and_every_known_key_is_documented() -> None:
    assert len({rule.__name__ for rule in SETTING_RULES}) == len(SETTING_RULES)
    root = Path(__file__).resolve().parents[2]
    text = "".join(p.read_text() for p in [root / "README.md", *sorted((root / "docs").rglob("*.md"))])
    assert [key for key in sorted(KNOWN_KEYS) if f"`{key}`" not in text] == []


def test_a_string_shared_apps_is_served_as_one_label(drcp_settings: Any) -> None:
    drcp_settings(SHARED_APPS="auth")
    assert shared_apps() == frozenset({"auth"})
