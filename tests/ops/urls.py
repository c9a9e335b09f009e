"""Views of the operations tests."""

from __future__ import annotations

import threading

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

# Tests open a gate to let "held" views go on; each view tells the test it has started.
GATES: dict[str, threading.Event] = {}
STARTED: dict[str, threading.Event] = {}


def one_query(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
        (value,) = cursor.fetchone()
    return HttpResponse(str(value))


def hold(request: HttpRequest, key: str) -> HttpResponse:
    """Check out, tell the test, wait for its gate, then query: holds a connection while it waits."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
        STARTED.setdefault(key, threading.Event()).set()
        GATES.setdefault(key, threading.Event()).wait(30)
        cursor.execute("SELECT 2 FROM DUAL")
        (value,) = cursor.fetchone()
    return HttpResponse(str(value))


def whoami(request: HttpRequest, rest: str = "") -> HttpResponse:
    return HttpResponse(request.path)


urlpatterns = [
    path("one-query/", one_query),
    path("hold/<str:key>/", hold),
    path("path/<path:rest>", whoami),
    path("ops/", include("drcp_multi.urls")),
]


def brief_hold(request: HttpRequest) -> HttpResponse:
    """Query, keep the connection a moment (so checkouts overlap), query again."""
    pause = threading.Event()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
        pause.wait(0.01)
        cursor.execute("SELECT 2 FROM DUAL")
        (value,) = cursor.fetchone()
    return HttpResponse(str(value))


urlpatterns.append(path("brief-hold/", brief_hold))
