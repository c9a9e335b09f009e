"""Links that stay in the addressing mode the visitor used: subdomain (acme.localhost) or path (/t/acme/)."""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest
from django.http.request import split_domain_port

from drcp_multi.tenancy.context import get_current_tenant

PATH_PREFIX = "/t/"


def tenant_base(request: HttpRequest) -> str:
    """'/t/acme' when this request came in by path prefix, '' when by subdomain or for no tenant."""
    tenant = get_current_tenant()
    if tenant is None:
        return ""
    prefix = f"{PATH_PREFIX}{tenant.name}"
    return prefix if request.path == prefix or request.path.startswith(prefix + "/") else ""


def root_domain(request: HttpRequest) -> tuple[str, str]:
    """(domain, ':port') that tenant subdomains hang off; an IP address becomes 'localhost'."""
    name, port = split_domain_port(request.get_host())
    tenant = get_current_tenant()
    if tenant is not None and name.startswith(tenant.name + "."):
        name = name[len(tenant.name) + 1 :]
    try:
        ipaddress.ip_address(name.strip("[]"))
        name = "localhost"
    except ValueError:
        pass
    return name, f":{port}" if port else ""


def subdomain_url(request: HttpRequest, tenant_name: str, path: str = "/") -> str:
    domain, port = root_domain(request)
    return f"{request.scheme}://{tenant_name}.{domain}{port}{path}"


def path_url(request: HttpRequest, tenant_name: str, path: str = "/") -> str:
    domain, port = root_domain(request)
    return f"{request.scheme}://{domain}{port}{PATH_PREFIX}{tenant_name}{path}"


def site_url(request: HttpRequest, path: str = "/") -> str:
    """The bare site (no tenant): landing page and dashboard."""
    domain, port = root_domain(request)
    return f"{request.scheme}://{domain}{port}{path}"
