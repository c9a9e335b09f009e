"""Views of the core tests: each runs what a request of a real app would, through the ORM's connection."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path


def one_query(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
        (value,) = cursor.fetchone()
    return HttpResponse(str(value))


def compiled_query(request: HttpRequest) -> HttpResponse:
    """As the ORM compiler does: ask a version-dependent feature before the connection is opened."""
    suffix = connection.features.bare_select_suffix
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1{suffix}")
        (value,) = cursor.fetchone()
    return HttpResponse(str(value))


def session_info(request: HttpRequest) -> HttpResponse:
    """What the server session looks like from inside: tracing attributes and the date format."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT SYS_CONTEXT('USERENV', 'CLIENT_IDENTIFIER'), SYS_CONTEXT('USERENV', 'MODULE'), "
            "SYS_CONTEXT('USERENV', 'ACTION'), SYS_CONTEXT('USERENV', 'NLS_DATE_FORMAT') FROM DUAL"
        )
        row = cursor.fetchone()
    return HttpResponse(
        json.dumps(dict(zip(("client_identifier", "module", "action", "date_format"), row, strict=True)))
    )


urlpatterns = [
    path("one-query/", one_query),
    path("compiled-query/", compiled_query),
    path("session-info/", session_info),
]
