"""Resolvers: which tenant a request is for.

A resolver is any object with ``resolve(request) -> str | Tenant | None``: a name (looked up in the
catalog by the middleware), a ready :class:`Tenant`, or None for "this resolver does not apply, ask the
next". It raises :class:`MalformedTenant` when the request names a tenant in a form that can never be
valid (HTTP 400); an unknown but well-formed name is the catalog's business (HTTP 404).

``DRCP_MULTI["RESOLVERS"]`` lists them, first match wins; each entry is a dotted path, a short name
(``"host"``, ``"header"``, ``"path"``, ``"user"``) or a ``(path, kwargs)`` pair. A class with
``get_tenant_name(request)`` (a django-db-multitenant mapper) and a plain callable ``request -> name`` work
unchanged.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from django.core.exceptions import DisallowedHost, ImproperlyConfigured
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.urls import get_script_prefix, set_script_prefix
from django.utils.module_loading import import_string

from drcp_multi.conf import resolver_specs
from drcp_multi.exceptions import MalformedTenant
from drcp_multi.tenant import Tenant
from drcp_multi.validation import validate_identifier

TenantRef = str | Tenant | None


@runtime_checkable
class TenantResolver(Protocol):
    #: True when ``resolve`` does no I/O, so the async middleware may run it on the event loop.
    async_safe: bool

    def resolve(self, request: HttpRequest) -> TenantRef: ...


def _checked(value: str, where: str) -> str:
    try:
        return validate_identifier(value)
    except ValueError as exc:
        raise MalformedTenant(f"{where}: {exc}") from None


class HostResolver:
    """The tenant from the Host header: an exact ``hosts`` map, and/or the subdomain of ``domain``.

    ``HostResolver(domain="example.com")`` maps ``acme.example.com`` to "acme"; the bare domain and hosts
    outside it are not for this resolver (None); ``a.b.example.com`` is malformed (400), as is a Host
    that Django's ALLOWED_HOSTS check refuses. Hosts compare case-insensitively, ports are ignored.
    """

    async_safe = True

    def __init__(self, domain: str | None = None, hosts: Mapping[str, str] | None = None) -> None:
        if domain is None and not hosts:
            raise ImproperlyConfigured("HostResolver needs domain= or hosts=")
        self.domain = domain.lower().strip(".") if domain else None
        self.hosts = {host.lower(): name for host, name in (hosts or {}).items()}

    def resolve(self, request: HttpRequest) -> TenantRef:
        try:
            host, _port = split_domain_port(request.get_host())
        except DisallowedHost as exc:
            raise MalformedTenant(f"Host header refused: {exc}") from None
        if not host:
            raise MalformedTenant("Host header is malformed")
        if host in self.hosts:
            return self.hosts[host]
        if self.domain is None or not host.endswith("." + self.domain):
            return None
        return _checked(host[: -len(self.domain) - 1], "Host subdomain")


class HeaderResolver:
    """The tenant from a request header (``X-Tenant`` by default); absent → None, malformed → 400.

    Only behind a proxy that sets or strips the header, or with a check that the user belongs to the
    tenant: a client can send any header.
    """

    async_safe = True

    def __init__(self, header: str = "X-Tenant") -> None:
        self.header = header

    def resolve(self, request: HttpRequest) -> TenantRef:
        value = request.headers.get(self.header)
        if value is None:
            return None
        return _checked(value.strip(), f"header {self.header}")


class PathPrefixResolver:
    """The tenant from a path prefix ``/t/<tenant>/…``, which is then removed from ``request.path_info``.

    URL patterns stay tenant-free; the prefix moves into the script prefix, so ``reverse()`` and
    ``request.build_absolute_uri()`` keep producing URLs inside the tenant. Paths outside the prefix →
    None; ``/t/`` with an empty or malformed segment → 400.
    """

    async_safe = True

    def __init__(self, prefix: str = "/t/") -> None:
        self.prefix = "/" + prefix.strip("/") + "/"

    def resolve(self, request: HttpRequest) -> TenantRef:
        path = request.path_info
        if not (path + "/").startswith(self.prefix):
            return None
        segment, _slash, rest = path[len(self.prefix) :].partition("/")
        name = _checked(segment, "path prefix")
        consumed = self.prefix + name
        request.path_info = "/" + rest
        request.META["PATH_INFO"] = request.path_info
        request.META["SCRIPT_NAME"] = request.META.get("SCRIPT_NAME", "") + consumed
        set_script_prefix(get_script_prefix().rstrip("/") + consumed + "/")
        return name


class UserAttributeResolver:
    """The tenant from the authenticated user: ``attribute`` may be dotted (``"profile.tenant_name"``).

    Anonymous users and empty values → None. The value may be a name or a :class:`Tenant`. Needs
    AuthenticationMiddleware before TenantMiddleware, and the user model on the shared alias.
    """

    async_safe = False  # request.user loads the session and the user from the database

    def __init__(self, attribute: str = "tenant_name") -> None:
        self.attribute = attribute
        self._get = operator.attrgetter(attribute)

    def resolve(self, request: HttpRequest) -> TenantRef:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        try:
            value = self._get(user)
        except AttributeError:
            return None
        if not value:
            return None
        return value if isinstance(value, Tenant) else _checked(str(value), f"user.{self.attribute}")


class CallableResolver:
    """Any ``func(request) -> str | Tenant | None``; its result is validated like the others'."""

    def __init__(self, func: Callable[[HttpRequest], TenantRef], async_safe: bool = False) -> None:
        self.func = func
        self.async_safe = async_safe

    def resolve(self, request: HttpRequest) -> TenantRef:
        value = self.func(request)
        if value is None or isinstance(value, Tenant):
            return value
        return _checked(str(value), f"resolver {getattr(self.func, '__qualname__', self.func)!r}")


class MapperResolver(CallableResolver):
    """A django-db-multitenant mapper (``get_tenant_name(request)``), used unchanged."""

    def __init__(self, mapper: Any) -> None:
        super().__init__(mapper.get_tenant_name, async_safe=getattr(mapper, "async_safe", False))
        self.mapper = mapper


SHORT_NAMES = {
    "host": HostResolver,
    "header": HeaderResolver,
    "path": PathPrefixResolver,
    "user": UserAttributeResolver,
}


def load_resolver(spec: Any) -> TenantResolver:
    """One resolver from a RESOLVERS entry; raises ImproperlyConfigured for what cannot be one."""
    kwargs: dict[str, Any] = {}
    if isinstance(spec, (tuple, list)):
        spec, kwargs = spec[0], dict(spec[1])
    obj: Any = spec
    if isinstance(spec, str):
        obj = SHORT_NAMES.get(spec) or import_string(spec)
    if isinstance(obj, type):
        obj = obj(**kwargs)
    elif kwargs:
        raise ImproperlyConfigured(f"resolver {spec!r}: kwargs given, but it is not a class")
    if hasattr(obj, "resolve"):
        if not hasattr(obj, "async_safe"):
            obj.async_safe = False
        return obj  # type: ignore[no-any-return]
    if hasattr(obj, "get_tenant_name"):
        return MapperResolver(obj)
    if callable(obj):
        return CallableResolver(obj)
    raise ImproperlyConfigured(f"resolver {spec!r} has neither resolve(), get_tenant_name() nor __call__")


def load_resolvers(specs: Iterable[Any] | None = None) -> list[TenantResolver]:
    """The resolvers of ``specs`` (default: ``DRCP_MULTI["RESOLVERS"]``); at least one is required."""
    if specs is None:
        specs = resolver_specs()
    resolvers = [load_resolver(spec) for spec in specs]
    if not resolvers:
        raise ImproperlyConfigured(
            "DRCP_MULTI['RESOLVERS'] is empty: list how requests name their tenant, e.g. "
            "[('host', {'domain': 'example.com'})] or ['header']"
        )
    return resolvers


def resolve_tenant_ref(request: HttpRequest, resolvers: Iterable[TenantResolver]) -> TenantRef:
    """The first non-None answer of ``resolvers``; MalformedTenant propagates."""
    for resolver in resolvers:
        ref = resolver.resolve(request)
        if ref is not None:
            return ref
    return None
