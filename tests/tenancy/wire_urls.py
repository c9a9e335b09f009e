"""Views for the wire tests: each statement carries a tag naming the tenant it is meant to run as.

``SELECT '<tenant>:<request id>:<step>' FROM DUAL`` lets the test check, from the server's statement log,
that every statement ran under the user and class of the tenant named in its tag.
"""

from __future__ import annotations

import threading

from asgiref.sync import sync_to_async
from django.db import connections, models, router
from django.http import HttpRequest, JsonResponse
from django.urls import path

from drcp_multi.models import TenantScopedModel
from drcp_multi.tenancy.context import get_current_tenant, tenant_context
from drcp_multi.validation import validate_identifier


class Ledger(models.Model):
    """A tenant model (not migrated: only its routing is used)."""

    class Meta:
        app_label = "billing"
        managed = False


def tagged_query(rid: str, step: str) -> str:
    """Run the tagged statement on the alias the router picks for a tenant model; returns the tag."""
    tenant = get_current_tenant()
    assert tenant is not None
    tag = f"{tenant.name}:{int(rid)}:{validate_identifier(step)}"  # validated: it goes into SQL text
    with connections[router.db_for_read(Ledger)].cursor() as cursor:
        cursor.execute(f"SELECT '{tag}' FROM DUAL")
        (value,) = cursor.fetchone()
    assert value == tag
    return tag


def one(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"tags": [tagged_query(request.GET["rid"], "a")]})


def switch(request: HttpRequest) -> JsonResponse:
    """Request tenant, then another tenant inside the view, then the request tenant again."""
    rid = request.GET["rid"]
    tags = [tagged_query(rid, "a")]
    with tenant_context(request.GET["other"]):
        tags.append(tagged_query(rid, "b"))
    tags.append(tagged_query(rid, "c"))
    return JsonResponse({"tags": tags})


async def aone(request: HttpRequest) -> JsonResponse:
    # The ORM is sync-only: run it in a thread; sync_to_async carries the tenant there.
    tag = await sync_to_async(tagged_query)(request.GET["rid"], "a")
    return JsonResponse({"tags": [tag], "tenant": getattr(get_current_tenant(), "name", None)})


def session_state(request: HttpRequest) -> JsonResponse:
    """Read what the previous user of this pooled server left in an application context, then leave
    this tenant's name there: a session that crossed tenants would show another tenant's name."""
    tenant = get_current_tenant()
    assert tenant is not None
    with connections[router.db_for_read(Ledger)].cursor() as cursor:
        cursor.execute("SELECT SYS_CONTEXT('APPCTX', 'TENANT') FROM DUAL")
        (seen,) = cursor.fetchone()
        cursor.execute("BEGIN DBMS_SESSION.SET_CONTEXT('APPCTX', 'TENANT', %s); END;", [tenant.name])
    return JsonResponse({"seen": seen})


class Note(models.Model):
    """A tenant model with a table in each tenant's schema (mode "alias")."""

    text = models.CharField(max_length=100)

    class Meta:
        app_label = "billing"


class ScopedNote(TenantScopedModel):
    """A tenant model whose rows share one table in the shared-schema modes."""

    text = models.CharField(max_length=100)

    class Meta:
        app_label = "billing"


def notes(request: HttpRequest) -> JsonResponse:
    """Add a note if ``text`` is given, then list the notes this tenant sees (through the router)."""
    if "text" in request.GET:
        Note.objects.create(text=request.GET["text"])
    return JsonResponse({"notes": sorted(Note.objects.values_list("text", flat=True))})


# For the busy-limit test: /hold/ keeps its connection until the test sets the event.
HOLD = threading.Event()
HELD = threading.Event()


def hold(request: HttpRequest) -> JsonResponse:
    tag = tagged_query(request.GET["rid"], "a")
    HELD.set()
    HOLD.wait(60)
    return JsonResponse({"tags": [tag]})


urlpatterns = [
    path("one/", one),
    path("switch/", switch),
    path("aone/", aone),
    path("hold/", hold),
    path("notes/", notes),
    path("state/", session_state),
]
