"""Executors for fleet jobs (:func:`drcp_multi.tenancy.fleet.run_job`): sequential, parallel, Celery.

All three take the same units and give back one :class:`~drcp_multi.tenancy.fleet.UnitResult` per unit,
in the units' order, calling ``on_result`` as each finishes. With ``stop_on_error`` the first failure
stops *dispatching*: units already running finish (a unit is never cut in the middle of its migration),
the others are reported ``not run``. Setting ``stop`` (the command does on SIGINT/SIGTERM) does the same.

- ``sequential``: in this process, one unit after the other.
- ``parallel``: N forked worker processes; each builds its own pools on first use (the registry rebuilds
  after fork), so a worker's connections are its own. This process's connections and pools are closed
  before the first fork: no socket is shared across processes.
- ``celery``: one task per unit (``drcp_multi.run_fleet_job``, registered by ``drcp_multi.tasks``) on the
  project's Celery app; the workers do the work, this process waits on the result backend. Celery is the
  queue: nothing here retries or persists; a re-run skips what is done.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from django.db import connections
from django.utils.module_loading import import_string

from drcp_multi.conf import drcp_setting
from drcp_multi.registry import get_registry
from drcp_multi.tenancy.fleet import MigrationUnit, UnitResult, run_job

EXECUTORS = ("sequential", "parallel", "celery")
CELERY_TASK = "drcp_multi.run_fleet_job"
OnResult = Callable[[UnitResult], None]


class ExecutorError(RuntimeError):
    """The executor cannot run at all (no Celery app, no result backend …); the message says the fix."""


def execute(
    executor: str,
    units: Sequence[MigrationUnit],
    job: str,
    options: dict[str, Any],
    *,
    workers: int = 2,
    stop_on_error: bool = True,
    on_result: OnResult | None = None,
    stop: threading.Event | None = None,
    celery_app: Any = None,
) -> list[UnitResult]:
    """Run ``job`` on every unit with the named executor; see the module docstring."""
    if executor not in EXECUTORS:
        raise ExecutorError(f"unknown executor {executor!r}: use one of {', '.join(EXECUTORS)}")
    stop = stop or threading.Event()
    report = on_result or (lambda result: None)
    results: list[UnitResult] = []
    units_left = [] if stop.is_set() else units
    if executor == "sequential":
        results += _sequential(units_left, job, options, stop_on_error, report, stop)
    elif executor == "parallel" and units_left:
        results += _parallel(units_left, job, options, workers, stop_on_error, report, stop)
    elif executor == "celery" and units_left:
        results += _celery(units_left, job, options, stop_on_error, report, stop, celery_app)
    by_unit = {r.unit: r for r in results}
    missing = [UnitResult(u, "not run") for u in units if u not in by_unit]
    by_unit.update({r.unit: r for r in missing})
    return [by_unit[u] for u in units]


def _sequential(
    units: Sequence[MigrationUnit],
    job: str,
    options: dict[str, Any],
    stop_on_error: bool,
    report: OnResult,
    stop: threading.Event,
) -> list[UnitResult]:
    results = []
    for unit in units:
        if stop.is_set():
            break
        result = run_job(job, unit, options)
        results.append(result)
        report(result)
        if result.status == "failed" and stop_on_error:
            stop.set()
    return results


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group: the parent decides when to stop, a worker always finishes
    # the unit it has started.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _close_connections_before_fork() -> None:
    for connection in connections.all(initialized_only=True):
        connection.close()
    get_registry().close()


def _parallel(
    units: Sequence[MigrationUnit],
    job: str,
    options: dict[str, Any],
    workers: int,
    stop_on_error: bool,
    report: OnResult,
    stop: threading.Event,
) -> list[UnitResult]:
    if workers < 1:
        raise ExecutorError(f"--workers must be at least 1, not {workers}")
    _close_connections_before_fork()
    methods = multiprocessing.get_all_start_methods()
    # fork: the workers inherit the configured settings (also settings.configure() in a script).
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    results: list[UnitResult] = []
    queue = list(units)
    in_flight: dict[Future[UnitResult], MigrationUnit] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker) as pool:
        while queue or in_flight:
            while queue and len(in_flight) < workers and not stop.is_set():
                unit = queue.pop(0)
                in_flight[pool.submit(run_job, job, unit, options)] = unit
            if not in_flight:
                break
            done, _ = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                unit = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    result = UnitResult(unit, "failed", error=f"worker process died: {exc}")
                    stop.set()
                except Exception as exc:  # e.g. a result that could not be sent back
                    result = UnitResult(unit, "failed", error=f"{type(exc).__name__}: {exc}")
                results.append(result)
                report(result)
                if result.status == "failed" and stop_on_error:
                    stop.set()
    return results


def get_celery_app(path: str | None = None) -> Any:
    """The Celery app: ``path`` (dotted, e.g. ``proj.celery.app``), else ``DRCP_MULTI["CELERY_APP"]``,
    else Celery's current app (the one your project's ``__init__`` imports, in Celery's Django layout)."""
    try:
        from celery import current_app  # lazy: Celery is an optional extra
    except ImportError as exc:
        raise ExecutorError(
            "--executor celery needs Celery: pip install 'drcp_multi[celery]' and run workers"
        ) from exc
    path = path or drcp_setting("CELERY_APP")
    app = import_string(path) if path else current_app._get_current_object()
    backend = type(app.backend).__name__
    if backend == "DisabledBackend":
        raise ExecutorError(
            "--executor celery needs a Celery result backend to read each tenant's result: set "
            "CELERY_RESULT_BACKEND (e.g. 'redis://…') in the app "
            f"{app.main or path or 'current_app'!r}, or name your app in DRCP_MULTI['CELERY_APP'] "
            "or --celery-app"
        )
    return app


def _celery(
    units: Sequence[MigrationUnit],
    job: str,
    options: dict[str, Any],
    stop_on_error: bool,
    report: OnResult,
    stop: threading.Event,
    app: Any,
) -> list[UnitResult]:
    if app is None:
        app = get_celery_app(None)
    # Plain data only (JSON): the task looks up the job by name, never by a path from the message.
    sent = {unit: app.send_task(CELERY_TASK, args=[job, unit.to_dict(), options]) for unit in units}
    waiting = dict(sent)
    results: list[UnitResult] = []
    revoked = False
    while waiting:
        if stop.is_set() and not revoked:
            app.control.revoke([r.id for r in waiting.values()])
            revoked = True
        finished = [u for u, r in waiting.items() if r.ready()]
        for unit in finished:
            async_result = waiting.pop(unit)
            if async_result.successful():
                result = UnitResult.from_dict(async_result.result)
            elif async_result.state == "REVOKED":
                result = UnitResult(unit, "not run", error="revoked before it started")
            else:
                result = UnitResult(unit, "failed", error=f"task {async_result.id}: {async_result.result!r}")
            async_result.forget()
            results.append(result)
            report(result)
            if result.status == "failed" and stop_on_error:
                stop.set()
        if waiting and not finished:
            time.sleep(min(1.0, 0.1 + len(waiting) / 500))  # each poll is a backend read per task
    return results
