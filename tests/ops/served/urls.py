"""Views of the served site: a one-query page and one that waits for the test's go-file (across
processes, so a file) before it checks out."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def _dir() -> Path:
    return Path(os.environ.get("SERVED_DIR", "/tmp"))


def one_query(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM DUAL")
        (value,) = cursor.fetchone()
    return HttpResponse(str(value))


def wait_for_go(key: str, hold: bool) -> int:
    """Say this request started, wait for the go-file (polled), then query; with ``hold`` the connection
    is checked out before the wait and kept across it."""
    pause = threading.Event()
    if hold:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM DUAL")
    (_dir() / f"started-{key}").touch()
    for _ in range(6000):  # up to about a minute; the test opens the gate well before
        if (_dir() / "go").exists():
            break
        pause.wait(0.01)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 2 FROM DUAL")
        (value,) = cursor.fetchone()
    return int(value)


def late(request: HttpRequest, key: str) -> HttpResponse:
    """Started before SIGTERM, checks out after it."""
    return HttpResponse(str(wait_for_go(key, hold=False)))


def holding(request: HttpRequest, key: str) -> HttpResponse:
    """Holds a connection across SIGTERM."""
    return HttpResponse(str(wait_for_go(key, hold=True)))


def pid(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(os.getpid()))


urlpatterns = [
    path("one-query/", one_query),
    path("late/<str:key>/", late),
    path("holding/<str:key>/", holding),
    path("pid/", pid),
    path("ops/", include("drcp_multi.urls")),
]
