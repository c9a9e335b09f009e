"""The options and the run loop shared by ``migrate_tenants`` and ``all_tenants_command``.

Selection (``--tenant``, ``--pattern``, ``--since``), executor (``--executor``, ``--workers``,
``--celery-app``), ``--continue-on-error``; SIGINT/SIGTERM stop dispatching (running units finish, the
table is printed, the exit code is 1); any failed unit makes the exit code 1.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from drcp_multi.signals import tenant_migrated
from drcp_multi.tenancy.catalog import Tenant, get_catalog
from drcp_multi.tenancy.executors import EXECUTORS, ExecutorError, execute, get_celery_app
from drcp_multi.tenancy.fleet import MigrationUnit, Selection, UnitResult, run_job
from drcp_multi.tenancy.progress import Progress, command_stream, result_table


def add_fleet_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "-t",
        "--tenant",
        dest="tenants",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        help="Only these tenants (repeatable).",
    )
    parser.add_argument(
        "--pattern",
        dest="patterns",
        action="append",
        default=[],
        metavar="GLOB",
        help="Only tenants whose name matches (fnmatch, e.g. 'eu_*'; repeatable).",
    )
    parser.add_argument(
        "--since",
        type=datetime.fromisoformat,
        metavar="ISO_DATE",
        help="Only tenants the catalog says were created at or after this date (needs a 'created' field).",
    )
    parser.add_argument(
        "--include-disabled", action="store_true", help="Also disabled tenants (their schemas still exist)."
    )
    parser.add_argument("--executor", choices=EXECUTORS, default="sequential")
    parser.add_argument("--workers", type=int, default=2, help="Worker processes of --executor parallel.")
    parser.add_argument(
        "--celery-app",
        metavar="DOTTED_PATH",
        help="The Celery app of --executor celery (default: Celery's current app).",
    )
    parser.add_argument(
        "--continue-on-error",
        action="store_true",
        help="Go on after a tenant fails (default: stop dispatching; running tenants finish).",
    )


def selection_from(options: dict[str, Any]) -> Selection:
    return Selection(
        names=options["tenants"],
        patterns=options["patterns"],
        since=options["since"],
        include_disabled=options["include_disabled"],
    )


def selected_tenants(options: dict[str, Any]) -> list[Tenant]:
    try:
        return selection_from(options).select(get_catalog().all())
    except LookupError as exc:
        raise CommandError(str(exc)) from exc


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event, command: BaseCommand) -> Iterator[None]:
    """SIGINT/SIGTERM set ``stop`` instead of killing the command (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if not stop.is_set():
            command.stderr.write(
                f"{signal.Signals(signum).name}: no new tenant starts; waiting for those running"
            )
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run_fleet(
    command: BaseCommand,
    plan: Callable[[], Sequence[MigrationUnit]],
    job: str,
    job_options: dict[str, Any],
    options: dict[str, Any],
    *,
    first: MigrationUnit | None = None,
    show_output: bool = False,
) -> list[UnitResult]:
    """Run ``job`` over the units ``plan()`` returns, as the options say; show progress and the table;
    CommandError (exit code 1) when a unit failed, did not run, or the run was interrupted.

    ``first`` (the shared apps' migration) runs here before anything else, and before ``plan()`` is
    called: a catalog stored in a model needs its table migrated before it can list the tenants.
    """
    stop = threading.Event()
    try:
        app = get_celery_app(options["celery_app"]) if options["executor"] == "celery" else None
    except ExecutorError as exc:
        raise CommandError(str(exc)) from exc
    results: list[UnitResult] = []
    with stop_on_signals(stop, command):
        first_result = run_job(job, first, job_options) if first is not None else None
        try:
            units = list(plan())
        except Exception:
            if first_result is None or first_result.status != "failed":
                raise
            units = []  # the catalog's table may be what failed to migrate: report that failure
        progress = Progress(command_stream(command.stdout), len(units) + (first is not None))
        if first_result is not None:
            progress(first_result)
            results.append(first_result)
            if first_result.status == "failed":
                stop.set()  # tenants' schemas may depend on the shared ones
        try:
            results += execute(
                options["executor"],
                units,
                job,
                job_options,
                workers=options["workers"],
                stop_on_error=not options["continue_on_error"],
                on_result=progress,
                stop=stop,
                celery_app=app,
            )
        except ExecutorError as exc:
            raise CommandError(str(exc)) from exc
    progress.finish()
    if job == "migrate":
        _send_migrated(results, options["executor"])
    if show_output:
        for result in results:
            command.stdout.write(f"--- {result.unit.label}\n{result.output}")
    command.stdout.write(result_table(results))
    failed = [r for r in results if r.status == "failed"]
    not_run = [r for r in results if r.status == "not run"]
    if failed or not_run:
        raise CommandError(
            f"{len(failed)} failed, {len(not_run)} not run of {len(results)}"
            + (" (interrupted)" if stop.is_set() and not failed else "")
            + ": re-run the same command to retry them (what is done is skipped)"
        )
    return results


def _send_migrated(results: Sequence[UnitResult], executor: str) -> None:
    catalog = get_catalog()
    for result in results:
        if result.status in ("migrated", "up-to-date"):
            for name in result.unit.tenants:
                tenant = catalog.lookup(name)
                if tenant is not None:
                    tenant_migrated.send(sender=Tenant, tenant=tenant, executor=executor, result=result)
