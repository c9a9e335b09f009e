"""``manage.py drcp_health [--live] [--timeout S] [--json]``: the readiness check of the health view.

Exit status 0 when ready (every DRCP alias answered a round trip within the deadline), 1 otherwise, so
it fits a container's ``HEALTHCHECK`` or a Kubernetes ``exec`` probe. ``--live`` checks only that Django
starts (no database call). Never prints a setting's value.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from drcp_multi.health import check_health


class Command(BaseCommand):
    help = "Readiness (default) or liveness (--live) of the DRCP aliases, as JSON with --json."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--live", action="store_true", help="Liveness only: no database call.")
        parser.add_argument(
            "--timeout", type=float, help="Deadline in seconds (DRCP_MULTI['HEALTH_TIMEOUT'])."
        )
        parser.add_argument("--json", action="store_true", help="Print the JSON report.")
        parser.add_argument("--no-broker", action="store_true", help="Skip the broker's figures.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["live"]:
            self.stdout.write(json.dumps({"status": "ok"}) if options["json"] else "live")
            return
        report = check_health(timeout=options["timeout"], broker=not options["no_broker"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for alias in report.aliases:
                self.stdout.write(f"{alias.alias}: {'ok' if alias.ok else 'FAILING: ' + str(alias.error)}")
            if report.broker_problem:
                self.stdout.write(f"broker figures: {report.broker_problem}")
            self.stdout.write("ready" if report.ok else "not ready")
        if not report.ok:
            sys.exit(1)
