"""python-oracledb's own pool and connection tests against a fresh wire server in DRCP mode.

Run from the repository root (tox env ``oracledb-suite``)::

    python tests/oracledb_suite/run.py                  # the files in FILES
    python tests/oracledb_suite/run.py pool/test_1000_pool.py

It fetches the sdist of the installed python-oracledb (``pip download``, cached; the sdist carries the
driver's ``tests/``), starts an ``oracle_emulator.EmulatorServer`` with the suite's main and admin users,
points the suite at it with a ``:pooled`` connect string (the suite then treats the database as DRCP and
skips what it documents as "not supported with DRCP"), runs pytest over FILES in thin mode and compares
every failure and error with ``expected_failures.txt``. It exits 1 on a failure not in that list and on a
listed test that now passes (the list must stay true), as tests/django_suite/run.py does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import oracledb

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the root

from tests.sdist import unpacked_sdist

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXPECTED_FAILURES = HERE / "expected_failures.txt"

#: The driver's test files run by default (paths under its tests/).
FILES = [
    "pool/test_1000_pool.py",
    "pool/test_1100_pool_async.py",
    "connection/test_1000_basic.py",
    "connection/test_1100_basic_async.py",
]

MAIN_USER = ("pythontest", "pythontest_pw")
ADMIN_USER = ("pythontest_admin", "admin_pw")


@dataclass(frozen=True)
class Expected:
    test_id: str
    reason: str


def read_expected(path: Path = EXPECTED_FAILURES) -> list[Expected]:
    """Lines ``<test id> <reason>``; ``#`` starts a comment line."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) < 2 or not parts[1].startswith(("by design", "limit")):
            raise SystemExit(f"{path}:{number}: expected '<test id> <by design|limit: reason>', got {line!r}")
        entries.append(Expected(parts[0], parts[1]))
    return entries


def driver_source(cache: Path) -> Path:
    """The unpacked sdist of the installed python-oracledb (its tests/), downloaded once into ``cache``."""
    return unpacked_sdist("oracledb", oracledb.__version__, cache, "tests/conftest.py")


def outcomes_of(junit: Path) -> dict[str, tuple[str, str]]:
    """test id (``file::name``) -> (ok | fail | error | skip, message), from pytest's JUnit XML."""
    outcomes: dict[str, tuple[str, str]] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        module = case.get("classname", "").replace(".", "/").removeprefix("tests/") + ".py"
        test_id = f"{module}::{case.get('name')}"
        outcome, message = "ok", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "fail", "error": "error", "skipped": "skip"}[child.tag]
                message = (child.get("message") or "").splitlines()[0][:200] if child.get("message") else ""
                break
        # A teardown error after a pass is reported as a second element: the worse one wins.
        previous = outcomes.get(test_id)
        if previous is None or previous[0] in ("ok", "skip"):
            outcomes[test_id] = (outcome, message)
    return outcomes


def report(outcomes: dict[str, tuple[str, str]], expected: list[Expected], files: list[str]) -> int:
    listed = {e.test_id: e for e in expected if e.test_id.split("::")[0] in files}
    failed = {t: m for t, (o, m) in outcomes.items() if o in ("fail", "error")}
    unexpected = sorted(set(failed) - set(listed))
    stale = sorted(t for t in listed if outcomes.get(t, ("missing", ""))[0] in ("ok", "missing"))
    counts = {
        kind: sum(1 for o, _ in outcomes.values() if o == kind) for kind in ("ok", "fail", "error", "skip")
    }
    ran = counts["ok"] + counts["fail"] + counts["error"]
    print(
        f"python-oracledb {oracledb.__version__} suite, {len(outcomes)} tests: {counts['ok']} passed, "
        f"{counts['skip']} skipped, {counts['fail'] + counts['error']} failed or errored "
        f"({len(failed) - len(unexpected)} expected, {len(unexpected)} not); "
        f"{counts['ok'] / ran:.0%} of those run passed"
        if ran
        else "no test ran"
    )
    for test_id in unexpected:
        print(f"  UNEXPECTED {test_id}: {failed[test_id]}")
    for test_id in stale:
        now = outcomes.get(test_id, ("missing", ""))[0].upper()
        print(f"  LISTED BUT {now} {test_id} (remove it from the list)")
    return 1 if unexpected or stale or not ran else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=FILES, help="test files under the driver's tests/")
    parser.add_argument(
        "--cache", type=Path, default=REPO / ".cache" / "oracledb-suite", help="sdist cache dir"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the whole pytest run")
    args = parser.parse_args(argv)
    from oracle_emulator import EmulatorServer

    source = driver_source(args.cache)
    workdir = args.cache / "run"
    workdir.mkdir(parents=True, exist_ok=True)
    junit = workdir / "junit.xml"
    junit.unlink(missing_ok=True)
    # The main user reads V$SESSION in the suite's own tests (program, machine… of its sessions): the
    # grant a DBA gives it when creating the suite's schema.
    grants = {MAIN_USER[0]: ["SELECT ON SYS.V_$SESSION"]}
    with EmulatorServer(users=dict([MAIN_USER, ADMIN_USER]), grants=grants) as server:
        env = {
            **os.environ,
            "PYO_TEST_MAIN_USER": MAIN_USER[0],
            "PYO_TEST_MAIN_PASSWORD": MAIN_USER[1],
            "PYO_TEST_ADMIN_USER": ADMIN_USER[0],
            "PYO_TEST_ADMIN_PASSWORD": ADMIN_USER[1],
            "PYO_TEST_CONNECT_STRING": f"{server.dsn}:pooled",
        }
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "-o",
            "junit_family=xunit1",
            *args.files,
        ]
        with open(workdir / "pytest.log", "w", encoding="utf-8") as log:
            try:
                subprocess.run(
                    command,
                    cwd=source / "tests",
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=args.timeout,
                )
            except subprocess.TimeoutExpired:
                print(f"the driver's suite did not finish within {args.timeout:.0f} s", file=sys.stderr)
                return 124
    if not junit.exists():
        print(f"pytest wrote no results; see {workdir / 'pytest.log'}", file=sys.stderr)
        return 1
    return report(outcomes_of(junit), read_expected(), list(args.files))


if __name__ == "__main__":
    sys.exit(main())
