"""A project with django-oracle-drcp's README settings, ENGINE changed and nothing else.

Run as a script by test_processes.py (its own interpreter, its own settings): serves the requests given on
the command line through Django's WSGI handler and prints their responses as JSON. ``TNS_ADMIN`` points at
a tnsnames.ora whose ``my_drcp_db`` entry has no ``SERVER=POOLED``: the engine asks for DRCP itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import django
import oracledb as cx_Oracle  # the migration guide's one-line change for the constants
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

databases = {
    "default": {
        "ENGINE": "drcp_multi.backends.oracle",  # was: 'django-oracle-drcp'
        "NAME": "my_drcp_db",
        "USER": "my_db_user",
        "PASSWORD": "my_password",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {
            "purity": cx_Oracle.ATTR_PURITY_NEW,
            "cclass": "myappname",
        },
        "POOL": {
            "min": 1,
            "max": 4,
            "increment": 2,
        },
    }
}


def view(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT USER FROM DUAL")
        return HttpResponse(cursor.fetchone()[0])


urlpatterns = [path("", view)]


def main(count: int) -> list[str]:
    settings.configure(
        DATABASES=databases, ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"], SECRET_KEY="seed", USE_TZ=True
    )
    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from drcp_multi.testing.handlers import wsgi_get

    handler = WSGIHandler()
    bodies = []
    for _ in range(count):
        status, _, body = wsgi_get(handler, "/")
        bodies.append(f"{status} {body.decode()}")
    return bodies


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
