"""Ask the database which pooled server session a request runs on, through the tenant's own connection."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

from drcp_multi.tenancy.context import get_current_tenant

# SID names the session's slot; SESSIONID (the audit session id) is new for every session the database
# creates, so the two together tell a reused session from one re-created on the same pooled server.
SID_SQL = "SELECT SYS_CONTEXT('USERENV','SID'), SYS_CONTEXT('USERENV','SESSIONID') FROM DUAL"


@dataclass(frozen=True)
class ServedBy:
    """What the footer of every page shows."""

    tenant: str | None  # None: the shared alias (landing page, dashboard)
    alias: str
    cclass: str
    sid: str | None  # the pooled server session's SID as the server reports it
    error: str | None = None
    audsid: str | None = None  # its audit session id


def shared_alias() -> str:
    return str(getattr(settings, "DRCP_MULTI", {}).get("SHARED_ALIAS", "default"))


def current_alias() -> str:
    """The alias the current tenant's queries go to (the router's answer), or the shared one."""
    tenant = get_current_tenant()
    return tenant.alias if tenant is not None else shared_alias()


def current_cclass() -> str:
    tenant = get_current_tenant()
    if tenant is not None:
        return tenant.cclass
    return str(settings.DATABASES[shared_alias()].get("OPTIONS", {}).get("cclass", "")) or "(none)"


def served_by() -> ServedBy:
    """Run the SID probe on the current tenant's connection (the one its ORM queries use)."""
    tenant = get_current_tenant()
    alias = current_alias()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(SID_SQL)
            row = cursor.fetchone()
        sid = None if row is None or row[0] is None else str(row[0])
        audsid = None if row is None or row[1] is None else str(row[1])
        return ServedBy(tenant.name if tenant else None, alias, current_cclass(), sid, audsid=audsid)
    except DatabaseError as exc:
        return ServedBy(tenant.name if tenant else None, alias, current_cclass(), None, str(exc).strip())
