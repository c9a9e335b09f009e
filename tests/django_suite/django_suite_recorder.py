"""Django's DiscoverRunner with a result that records each test's outcome to a JSON file.

Imported inside Django's own ``tests/runtests.py`` process (settings ``TEST_RUNNER``), so it is a
top-level module on that process's ``PYTHONPATH``; ``run.py`` reads the file it writes. Under
``--parallel`` the workers' events are replayed on this result in the main process, so every outcome
lands here either way.
"""

from __future__ import annotations

import json
import os
import unittest
from types import TracebackType
from typing import Any

from django.test.runner import DiscoverRunner

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

#: Environment variable naming the JSON file the outcomes are written to.
RESULTS_ENV = "DJANGO_SUITE_RESULTS"


class RecordingResult(unittest.TextTestResult):
    """Keeps ``{test id: [outcome, detail]}``; a failing subtest marks its test as failed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes: dict[str, list[str]] = {}

    def _record(self, test: unittest.TestCase, outcome: str, detail: str = "") -> None:
        previous = self.outcomes.get(test.id())
        if previous and previous[0] in ("fail", "error") and outcome == "ok":
            return  # a failed subtest outranks the test's own success
        self.outcomes[test.id()] = [outcome, detail[-4000:]]

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._record(test, "ok")

    def addFailure(self, test: unittest.TestCase, err: ExcInfo) -> None:  # type: ignore[override]
        super().addFailure(test, err)
        self._record(test, "fail", self.failures[-1][1])

    def addError(self, test: unittest.TestCase, err: ExcInfo) -> None:  # type: ignore[override]
        super().addError(test, err)
        self._record(test, "error", self.errors[-1][1])

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._record(test, "skip", reason)

    def addExpectedFailure(self, test: unittest.TestCase, err: ExcInfo) -> None:  # type: ignore[override]
        super().addExpectedFailure(test, err)
        self._record(test, "xfail")

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        super().addUnexpectedSuccess(test)
        self._record(test, "xpass")

    def addSubTest(self, test: unittest.TestCase, subtest: unittest.TestCase, err: ExcInfo | None) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            kind = "fail" if issubclass(err[0], test.failureException) else "error"
            detail = (self.failures if kind == "fail" else self.errors)[-1][1]
            self._record(test, kind, f"{subtest.id()}\n{detail}")

    def stopTest(self, test: unittest.TestCase) -> None:
        super().stopTest(test)
        if len(self.outcomes) % 100 == 0:
            self._save()  # so a run stopped by its timeout still reports what it ran

    def stopTestRun(self) -> None:
        super().stopTestRun()
        self._save()

    def _save(self) -> None:
        path = os.environ.get(RESULTS_ENV)
        if path:
            with open(path + ".tmp", "w", encoding="utf-8") as fh:
                json.dump(self.outcomes, fh)
            os.replace(path + ".tmp", path)


class RecordingRunner(DiscoverRunner):
    def get_resultclass(self) -> type[unittest.TextTestResult] | None:
        return RecordingResult
