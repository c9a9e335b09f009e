"""Resolvers with RequestFactory: what each returns, when it declines (None) and when it says 400."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.test import RequestFactory
from django.urls import get_script_prefix, reverse, set_script_prefix

from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.resolvers import (
    CallableResolver,
    HeaderResolver,
    HostResolver,
    MalformedTenant,
    MapperResolver,
    PathPrefixResolver,
    UserAttributeResolver,
    load_resolver,
    load_resolvers,
    resolve_tenant_ref,
)

rf = RequestFactory()


def host(h: str) -> HttpRequest:
    return rf.get("/", HTTP_HOST=h)


def test_host_subdomain() -> None:
    r = HostResolver(domain="Example.COM")
    assert r.resolve(host("acme.example.com")) == "acme"
    assert r.resolve(host("ACME.example.com:8443")) == "acme"
    assert r.resolve(host("example.com")) is None  # the apex is not a tenant
    assert r.resolve(host("localhost")) is None
    with pytest.raises(MalformedTenant):
        r.resolve(host("a.b.example.com"))
    with pytest.raises(MalformedTenant):
        r.resolve(host("_x.example.com"))


def test_host_exact_map_wins_over_subdomain() -> None:
    r = HostResolver(domain="example.com", hosts={"shop.acme.test": "acme", "www.example.com": "globex"})
    assert r.resolve(host("Shop.Acme.Test")) == "acme"
    assert r.resolve(host("www.example.com")) == "globex"


def test_host_refused_by_allowed_hosts_is_malformed() -> None:
    with pytest.raises(MalformedTenant, match="Host"):
        HostResolver(domain="example.com").resolve(host("evil.org"))
    with pytest.raises(MalformedTenant):
        HostResolver(domain="example.com").resolve(host("acme.example.com/../x"))


def test_host_needs_configuration() -> None:
    with pytest.raises(ImproperlyConfigured):
        HostResolver()


def test_header() -> None:
    r = HeaderResolver()
    assert r.resolve(rf.get("/", HTTP_X_TENANT="acme")) == "acme"
    assert r.resolve(rf.get("/")) is None
    for bad in ["", "ac me", "acme;drop", "x" * 100]:
        with pytest.raises(MalformedTenant, match="X-Tenant"):
            r.resolve(rf.get("/", HTTP_X_TENANT=bad))
    assert HeaderResolver("X-Org").resolve(rf.get("/", HTTP_X_ORG="globex")) == "globex"


def test_path_prefix_strips_and_keeps_reverse_inside_the_tenant() -> None:
    r = PathPrefixResolver("t")
    request = rf.get("/t/acme/whoami/")
    old_prefix = get_script_prefix()
    try:
        assert r.resolve(request) == "acme"
        assert request.path_info == "/whoami/"
        assert request.path == "/t/acme/whoami/"  # the full path is unchanged
        assert request.META["SCRIPT_NAME"] == "/t/acme"
        assert reverse("whoami") == "/t/acme/whoami/"
    finally:
        set_script_prefix(old_prefix)
    bare = rf.get("/t/acme")
    assert r.resolve(bare) == "acme" and bare.path_info == "/"
    assert r.resolve(rf.get("/other/")) is None
    assert r.resolve(rf.get("/tx/acme/")) is None
    for bad in ["/t/", "/t", "/t//x", "/t/a%20b/"]:
        with pytest.raises(MalformedTenant):
            r.resolve(rf.get(bad))


def user_request(user: Any) -> HttpRequest:
    request = rf.get("/")
    request.user = user
    return request


def test_user_attribute() -> None:
    r = UserAttributeResolver("profile.tenant")
    user = SimpleNamespace(is_authenticated=True, profile=SimpleNamespace(tenant="acme"))
    assert r.resolve(user_request(user)) == "acme"
    anonymous = SimpleNamespace(is_authenticated=False, profile=SimpleNamespace(tenant="acme"))
    assert r.resolve(user_request(anonymous)) is None
    assert r.resolve(user_request(SimpleNamespace(is_authenticated=True))) is None
    assert r.resolve(rf.get("/")) is None  # no AuthenticationMiddleware
    t = Tenant(name="acme", alias="default", cclass="X")
    direct = SimpleNamespace(is_authenticated=True, profile=SimpleNamespace(tenant=t))
    assert r.resolve(user_request(direct)) is t
    with pytest.raises(MalformedTenant):
        r.resolve(user_request(SimpleNamespace(is_authenticated=True, profile=SimpleNamespace(tenant="a b"))))
    assert UserAttributeResolver.async_safe is False


class MultitenantMapper:
    """A mapper written for django-db-multitenant: no base class needed, same method."""

    def get_tenant_name(self, request: HttpRequest) -> str:
        return request.get_host().split(".")[0]

    def get_dbname(self, request: HttpRequest) -> str:
        return self.get_tenant_name(request)


def by_query(request: HttpRequest) -> str | None:
    return request.GET.get("tenant")


def test_db_multitenant_mapper_works_unchanged() -> None:
    resolver = load_resolver("tests.tenancy.test_resolvers.MultitenantMapper")
    assert isinstance(resolver, MapperResolver)
    assert resolver.resolve(host("globex.example.com")) == "globex"
    assert resolver.async_safe is False


def test_callable_and_forms_of_the_setting() -> None:
    resolver = load_resolver("tests.tenancy.test_resolvers.by_query")
    assert isinstance(resolver, CallableResolver)
    assert resolver.resolve(rf.get("/?tenant=acme")) == "acme"
    with pytest.raises(MalformedTenant):
        resolver.resolve(rf.get("/?tenant=a'b"))
    assert isinstance(load_resolver(("host", {"domain": "x.com"})), HostResolver)
    assert isinstance(load_resolver(("header", {"header": "X-Org"})), HeaderResolver)
    assert isinstance(load_resolver("path"), PathPrefixResolver)
    assert isinstance(
        load_resolver("drcp_multi.tenancy.resolvers.UserAttributeResolver"), UserAttributeResolver
    )
    with pytest.raises(ImproperlyConfigured):
        load_resolver(("tests.tenancy.test_resolvers.by_query", {"x": 1}))
    with pytest.raises(ImproperlyConfigured):
        load_resolver(42)


def test_chain_first_answer_wins_and_empty_setting_is_an_error(drcp_settings: Any) -> None:
    drcp_settings(RESOLVERS=["header", ("host", {"domain": "example.com"})])
    resolvers = load_resolvers()
    assert resolve_tenant_ref(
        rf.get("/", HTTP_HOST="acme.example.com", HTTP_X_TENANT="globex"), resolvers
    ) == ("globex")
    assert resolve_tenant_ref(rf.get("/", HTTP_HOST="acme.example.com"), resolvers) == "acme"
    assert resolve_tenant_ref(rf.get("/", HTTP_HOST="localhost"), resolvers) is None
    drcp_settings(RESOLVERS=[])
    with pytest.raises(ImproperlyConfigured, match="RESOLVERS"):
        load_resolvers()
