"""Prove the live path: run the DRCP tests against a second, independently started wire server.

``python tests/live/run_against_second_server.py`` (from the repository root; ``tox -e live`` runs it):

1. starts ``python -m oracle_emulator --port 0 --service FREEPDB1 --user …`` in a process of its own, as
   an operator would start a database, with the test user, a monitoring user (granted
   SELECT_CATALOG_ROLE, ``--grant``) and the users of mode "alias";
2. runs the tests marked ``drcp`` with ``DRCP_TEST_DSN``, ``DRCP_TEST_USER``, ``DRCP_TEST_PASSWORD``,
   ``DRCP_TEST_MONITOR_DSN`` (and user, password) and ``DRCP_TEST_ALIAS_USERS`` pointing at it: the live
   path, exactly as against a real Oracle (docs/live-oracle.md);
3. runs the same tests on the plugin's own wire server (``--places`` chooses);
4. checks from the second server's V$CPOOL_CC_STATS that the live run's DRCP requests reached it, and
   prints how many DRCP tests ran in each place, which were skipped and why.

It fails when a test fails, when the second server saw no DRCP request of the test user, or when fewer
than ``--min-share`` (0.8) of the DRCP tests ran against the live path.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from drcp_multi.testing.database_side import DrcpMonitor  # noqa: E402
from tests.live.drcp_outcomes import OUTCOMES_VARIABLE  # noqa: E402

TEST_USER = ("app", "secret")
MONITOR_USER = ("drcp_monitor", "monitor_pw")
ALIAS_USERS = [(f"u_t{i:02d}", "pw") for i in range(6)]
START_TIMEOUT = 60  # seconds: turns a server that never listens into an error; nothing is measured


def start_second_server() -> tuple[subprocess.Popen[str], str]:
    users = [TEST_USER, MONITOR_USER, *ALIAS_USERS]
    command = [sys.executable, "-m", "oracle_emulator", "--port", "0", "--service", "FREEPDB1"]
    for user, password in users:
        command += ["--user", f"{user}/{password}"]
    # As the DBA of docs/live-oracle-user.sql does: only the monitoring user may read the DRCP views.
    command += ["--grant", f"{MONITOR_USER[0]}=SELECT_CATALOG_ROLE"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline()  # "oracle_emulator listening on HOST:PORT service NAME"
    if "listening on" not in line:
        server.kill()
        raise SystemExit(f"the second wire server did not start: {line!r}")
    address, service = line.split("listening on ", 1)[1].split(" service ")
    return server, f"{address.strip()}/{service.strip()}"


def live_environment(dsn: str) -> dict[str, str]:
    return {
        "DRCP_TEST_DSN": dsn,
        "DRCP_TEST_USER": TEST_USER[0],
        "DRCP_TEST_PASSWORD": TEST_USER[1],
        "DRCP_TEST_MONITOR_DSN": dsn,
        "DRCP_TEST_MONITOR_USER": MONITOR_USER[0],
        "DRCP_TEST_MONITOR_PASSWORD": MONITOR_USER[1],
        "DRCP_TEST_ALIAS_USERS": ",".join(f"{u}/{p}" for u, p in ALIAS_USERS),
    }


def run_suite(extra_env: dict[str, str], pytest_args: list[str]) -> dict[str, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRCP_TEST_")}
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "outcomes.json"
        env.update(extra_env, **{OUTCOMES_VARIABLE: str(report)})
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.live.drcp_outcomes",
            "-m",
            "drcp",
            *pytest_args,
        ]
        subprocess.run(command, cwd=ROOT, env=env, check=False)
        if not report.exists():
            raise SystemExit("pytest wrote no outcomes: it did not get to run the tests")
        outcomes: dict[str, dict[str, Any]] = json.loads(report.read_text())
        return outcomes


def summary(outcomes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(entry["outcome"] for entry in outcomes.values())
    skipped = Counter(
        entry["reason"].removeprefix("Skipped: ")[:100]
        for entry in outcomes.values()
        if entry["outcome"] == "skipped"
    )
    return {
        "drcp_tests": len(outcomes),
        "live_capable": sum(entry["live_capable"] for entry in outcomes.values()),
        **{outcome: counts.get(outcome, 0) for outcome in ("passed", "failed", "skipped", "not run")},
        "skipped_because": dict(skipped),
        "failed_tests": sorted(n for n, e in outcomes.items() if e["outcome"] == "failed"),
    }


def requests_seen(dsn: str) -> dict[str, int]:
    """The second server's V$CPOOL_CC_STATS: DRCP requests per class of the test user."""
    monitor = DrcpMonitor(dsn, *MONITOR_USER)
    try:
        figures = monitor.class_figures()
    finally:
        monitor.close()
    prefix = TEST_USER[0].upper() + "."
    return {name: f["num_requests"] for name, f in figures.items() if name.upper().startswith(prefix)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--places", default="live,emulator", help="live, emulator or both (comma-separated)")
    parser.add_argument("--min-share", type=float, default=0.8, help="DRCP tests that must pass live")
    parser.add_argument("pytest_args", nargs="*", default=["tests", "-q", "-p", "no:cacheprovider"])
    args = parser.parse_args(argv)
    places = {p.strip() for p in args.places.split(",")}
    results: dict[str, Any] = {}
    failed = False
    if "live" in places:
        server, dsn = start_second_server()
        try:
            live = run_suite(live_environment(dsn), args.pytest_args)
            seen = requests_seen(dsn)
        finally:
            server.terminate()
            server.wait(30)
        results["live"] = {
            **summary(live),
            "second_server": dsn,
            "its_drcp_requests_by_class": len(seen),
            "its_drcp_requests": sum(seen.values()),
        }
        share = results["live"]["passed"] / max(1, results["live"]["drcp_tests"])
        results["live"]["share_passed"] = round(share, 3)
        failed |= results["live"]["failed"] > 0 or not seen or share < args.min_share
    if "emulator" in places:
        emulated = run_suite({}, args.pytest_args)
        results["emulator"] = summary(emulated)
        failed |= results["emulator"]["failed"] > 0
        if "live" in places:
            both = [
                n
                for n, e in emulated.items()
                if e["outcome"] == "passed" and live.get(n, {}).get("outcome") == "passed"
            ]
            results["both_places"] = {
                "passed_in_both": len(both),
                "of": len(emulated),
                "share": round(len(both) / max(1, len(emulated)), 3),
            }
    print(json.dumps(results, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
