"""The fleet project's Celery app: ``celery -A tests.tenancy.fleet.celery_app worker``.

The standard Django layout (settings under the ``CELERY_`` namespace, tasks autodiscovered, which finds
``drcp_multi.tasks``), plus drcp_multi's tenant propagation and one probe task.
"""

from __future__ import annotations

import os
import re

import django
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.tenancy.fleet.settings")
django.setup()

from django.db import connections, router  # noqa: E402  (after django.setup())

from drcp_multi.tenancy.celery import connect_signals  # noqa: E402
from drcp_multi.tenancy.context import get_current_tenant  # noqa: E402
from tests.tenancy.fleet.notes.models import Note  # noqa: E402

app = Celery("fleet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
connect_signals()


@app.task(name="fleet.probe")
def probe(marker: str) -> str:
    """Run ``SELECT '<marker>' FROM DUAL`` on the alias a Note query uses (the current tenant's; with no
    tenant, the shared alias), so the server's log shows which user and class ran the task."""
    if not re.fullmatch(r"[a-z0-9-]{1,40}", marker):
        raise ValueError(f"marker {marker!r}: letters, digits and '-' only")
    alias = router.db_for_read(Note) if get_current_tenant() is not None else "default"
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT '{marker}' FROM DUAL")  # validated above
            return str(cursor.fetchone()[0])
    finally:
        connection.close()
