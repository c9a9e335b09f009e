"""pytest plugin (``-p tests.live.drcp_outcomes``): write, per test marked ``drcp``, how it ended.

The report (JSON, to the path in ``DRCP_OUTCOMES``) lists each DRCP test with its outcome (passed, failed,
skipped with the reason) and whether it can run on a live Oracle at all: not ``emulator_only``, not asking
for the ``emulator`` fixture. ``run_against_second_server.py`` reads it to count the DRCP assertions that
ran against the live path.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

OUTCOMES_VARIABLE = "DRCP_OUTCOMES"
_results: dict[str, dict[str, Any]] = {}


def live_capable(item: pytest.Item) -> bool:
    """Whether the test can run against a live Oracle (the wire server's own figures are not needed)."""
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("emulator_only") is None and "emulator" not in fixtures


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("drcp") is not None:
            _results[item.nodeid] = {"live_capable": live_capable(item), "outcome": "not run", "reason": ""}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = _results.get(report.nodeid)
    if entry is None:
        return
    if report.failed:
        entry.update(outcome="failed", reason=report.when)
    elif report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        entry.update(outcome="skipped", reason=reason)
    elif report.when == "call" and entry["outcome"] == "not run":
        entry["outcome"] = "passed"


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get(OUTCOMES_VARIABLE)
    if path:
        with open(path, "w") as out:
            json.dump(_results, out, indent=1, sort_keys=True)
