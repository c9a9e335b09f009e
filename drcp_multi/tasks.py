"""Celery tasks of drcp_multi (found by ``app.autodiscover_tasks()``; importing this module needs Celery).

``drcp_multi.run_fleet_job`` runs one unit of ``migrate_tenants --executor celery`` (or
``all_tenants_command --executor celery``) in the worker: its arguments and its return value are plain
JSON data, and the job is one of the names :func:`drcp_multi.tenancy.fleet.run_job` accepts.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from drcp_multi.tenancy.executors import CELERY_TASK
from drcp_multi.tenancy.fleet import MigrationUnit, run_job


@shared_task(name=CELERY_TASK, acks_late=True)  # type: ignore[untyped-decorator]  # Celery has no types
def run_fleet_job(job: str, unit: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    return run_job(job, MigrationUnit.from_dict(unit), options).to_dict()
