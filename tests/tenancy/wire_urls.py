"""Views for the wire tests: each statement carries a tag naming the tenant it is meant to run as.

``SELECT '<tenant>:<request id>:<step>', SYS_CONTEXT('USERENV', …) FROM DUAL`` returns, beside the tag,
what the database says about the session that ran it (user, client_identifier, which session: see
``drcp_multi.testing.database_side``); the views hand both back in ``ran``, so the test checks from the
database's side, on the wire server or a live Oracle, that every statement ran as the tenant named in
its tag. (On the wire server its statement log adds the connection class of each statement.)
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.db import connections, models, router
from django.http import HttpRequest, JsonResponse
from django.urls import path

from drcp_multi.models import TenantScopedModel
from drcp_multi.tenancy.context import get_current_tenant, tenant_context
from drcp_multi.testing.database_side import FACT_COLUMNS, SessionFacts, session_facts
from drcp_multi.validation import validate_identifier


class Ledger(models.Model):
    """A tenant model (not migrated: only its routing is used)."""

    class Meta:
        app_label = "billing"
        managed = False


Ran = dict[str, Any]  # {"tag": ..., **SessionFacts.as_dict()}


def tagged_query(rid: str, step: str) -> Ran:
    """Run the tagged statement on the alias the router picks for a tenant model; returns the tag with
    the facts of the session that ran it."""
    tenant = get_current_tenant()
    assert tenant is not None
    tag = f"{tenant.name}:{int(rid)}:{validate_identifier(step)}"  # validated: it goes into SQL text
    with connections[router.db_for_read(Ledger)].cursor() as cursor:
        cursor.execute(f"SELECT '{tag}', {FACT_COLUMNS} FROM DUAL")
        value, *facts = cursor.fetchone()
    assert value == tag
    return {"tag": tag, **SessionFacts.from_row(tuple(facts)).as_dict()}


def answer(ran: list[Ran], **extra: Any) -> JsonResponse:
    return JsonResponse({"tags": [r["tag"] for r in ran], "ran": ran, **extra})


def one(request: HttpRequest) -> JsonResponse:
    return answer([tagged_query(request.GET["rid"], "a")])


def switch(request: HttpRequest) -> JsonResponse:
    """Request tenant, then another tenant inside the view, then the request tenant again."""
    rid = request.GET["rid"]
    ran = [tagged_query(rid, "a")]
    with tenant_context(request.GET["other"]):
        ran.append(tagged_query(rid, "b"))
    ran.append(tagged_query(rid, "c"))
    return answer(ran)


async def aone(request: HttpRequest) -> JsonResponse:
    # The ORM is sync-only: run it in a thread; sync_to_async carries the tenant there.
    ran = await sync_to_async(tagged_query)(request.GET["rid"], "a")
    return answer([ran], tenant=getattr(get_current_tenant(), "name", None))


def session_state(request: HttpRequest) -> JsonResponse:
    """Read the CLIENT_INFO the previous holder of this session left, then leave this tenant's name
    there: a session that crossed tenants would show another tenant's name. (CLIENT_INFO is session
    state any user may set, DBMS_APPLICATION_INFO.SET_CLIENT_INFO, and drcp_multi never resets it.)"""
    tenant = get_current_tenant()
    assert tenant is not None
    with connections[router.db_for_read(Ledger)].cursor() as cursor:
        facts = session_facts(cursor)
        cursor.execute("BEGIN DBMS_APPLICATION_INFO.SET_CLIENT_INFO(%s); END;", [tenant.name])
    return answer([{"tag": f"{tenant.name}:state:a", **facts.as_dict()}], seen=facts.client_info)


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
    notes = sorted(Note.objects.values_list("text", flat=True))
    with connections[router.db_for_write(Note)].cursor() as cursor:
        facts = session_facts(cursor)  # the session that wrote: its user and schema
    return JsonResponse({"notes": notes, "facts": facts.as_dict()})


BLOCKS_LOGGER = logging.getLogger("tests.tenancy.blocks")


def blocks(request: HttpRequest) -> JsonResponse:
    """The tenant-aware building blocks in one request: a log record (TenantContextFilter), the
    ``tenants`` cache (a DatabaseCache with drcp_multi's KEY_FUNCTION), and a tagged statement."""
    cache = caches["tenants"]
    seen = cache.get("owner")  # None unless this tenant set it before: keys carry the tenant
    cache.set("owner", get_current_tenant().name)  # type: ignore[union-attr]
    ran = tagged_query(request.GET["rid"], "a")
    BLOCKS_LOGGER.warning("blocks %s", ran["tag"])
    return answer([ran], seen=seen)


# For the busy-limit test: /hold/ keeps its connection until the test sets the event.
HOLD = threading.Event()
HELD = threading.Event()


def hold(request: HttpRequest) -> JsonResponse:
    ran = tagged_query(request.GET["rid"], "a")
    HELD.set()
    HOLD.wait(60)
    return answer([ran])


urlpatterns = [
    path("one/", one),
    path("switch/", switch),
    path("aone/", aone),
    path("hold/", hold),
    path("notes/", notes),
    path("state/", session_state),
    path("blocks/", blocks),
]
