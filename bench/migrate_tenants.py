"""``migrate_tenants`` over a fleet, per executor: tenants migrated per second, and the no-op re-run.

For each executor (sequential, parallel with ``--workers`` processes, celery with one real worker of
``--workers`` prefork processes on Debian's redis-server), a fresh wire server with ``--tenants`` tenant
users (mode "alias": one schema and DRCP class per tenant) runs ``manage.py migrate_tenants`` of the fleet
test project (tests/tenancy/fleet: two migrations of a one-table app per tenant, contenttypes and auth
once in the shared schema) in a process of its own, then runs it again. Figures: wall time and tenants/s
of the first run, wall time of the second, exit codes, and from the server's log the DDL statements and
the distinct (user, class) pairs that ran them. Celery is left out, with the reason, when redis-server
cannot start.

    python bench/migrate_tenants.py [--tenants 200] [--workers 2] [--executors sequential,parallel,celery]
                                    [--scenario]

``--scenario`` runs, per executor and on a fresh server, the issue's "done when" instead: one tenant
made to fail (a table in the way of its first migration), the run stopped with SIGTERM halfway, a re-run
with ``--continue-on-error`` (the rest done, the failing tenant reported, exit code 1), and a third run
(nothing left but the failing tenant). Figures: the statuses of each run, its exit code and its DDL.

Prints one JSON document, then a short table.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import oracledb

from oracle_emulator import EmulatorServer
from tests.tenancy.fleet.harness import (
    RedisUnavailable,
    celery_worker,
    fleet_command,
    fleet_env,
    redis_server,
    start_fleet_command,
    start_server,
    tenant_names,
)

_DDL = re.compile(r"^\s*(CREATE|ALTER|DROP)\b", re.IGNORECASE)


def ddl_by_user(server: EmulatorServer) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for r in server.statements():
        if _DDL.match(r.sql) and r.error_code is None:
            key = (r.username, r.cclass or "")
            out[key] = out.get(key, 0) + 1
    return out


def run_executor(executor: str, tenants: list[str], workers: int) -> dict[str, Any]:
    server = start_server(tenants, log_size=2_000_000)
    try:
        with ExitStack() as stack:
            extra: dict[str, str] = {}
            if executor == "celery":
                extra["FLEET_BROKER"] = stack.enter_context(redis_server())
            env = fleet_env(server, tenants, **extra)
            if executor == "celery":
                stack.enter_context(celery_worker(env, concurrency=workers))
            args = ["migrate_tenants", "--executor", executor, "--workers", str(workers)]
            started = time.perf_counter()
            first = fleet_command(env, *args, timeout=3600)
            first_s = time.perf_counter() - started
            ddl = ddl_by_user(server)
            server.reset_stats()
            started = time.perf_counter()
            second = fleet_command(env, *args, timeout=3600)
            second_s = time.perf_counter() - started
            rerun_ddl = sum(ddl_by_user(server).values())
    finally:
        server.stop()
    rows = [t for t, status in statuses(first.stdout).items() if status == "migrated"]
    return {
        "executor": executor,
        "workers": workers if executor != "sequential" else 1,
        "tenants": len(tenants),
        "first_exit": first.returncode,
        "first_s": round(first_s, 2),
        "tenants_per_s": round(len(tenants) / first_s, 2),
        "rows_migrated": len(rows),
        "ddl_statements": sum(ddl.values()),
        "ddl_user_class_pairs": len(ddl),
        "second_exit": second.returncode,
        "second_s": round(second_s, 2),
        "second_ddl_statements": rerun_ddl,
        "stderr_tail": (first.stderr + second.stderr)[-500:] if first.returncode or second.returncode else "",
    }


def statuses(stdout: str) -> dict[str, str]:
    """TENANT -> STATUS from the result table."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("TENANT "))
    cut = lines[start].index("STATUS"), lines[start].index("APPLIED")
    return {line.split()[0]: line[cut[0] : cut[1]].strip() for line in lines[start + 1 :] if line.strip()}


def run_scenario(executor: str, tenants: list[str], workers: int) -> dict[str, Any]:
    failing = tenants[len(tenants) // 2 + 7 if len(tenants) > 20 else -1]
    server = start_server(tenants, log_size=2_000_000)
    try:
        with oracledb.connect(user=failing, password=f"pw_{failing}", dsn=server.dsn) as conn:
            conn.cursor().execute("CREATE TABLE NOTES_NOTE (X NUMBER)")
        with ExitStack() as stack:
            extra: dict[str, str] = {}
            if executor == "celery":
                extra["FLEET_BROKER"] = stack.enter_context(redis_server())
            env = fleet_env(server, tenants, **extra)
            if executor == "celery":
                stack.enter_context(celery_worker(env, concurrency=workers))
            args = [
                "migrate_tenants",
                "--executor",
                executor,
                "--workers",
                str(workers),
                "--continue-on-error",
            ]
            proc = start_fleet_command(env, *args)
            assert proc.stdout is not None
            seen = []
            for line in proc.stdout:
                seen.append(line)
                if line.startswith(f"[{len(tenants) // 2}/"):
                    proc.send_signal(signal.SIGTERM)
                    break
            out, _ = proc.communicate(timeout=3600)
            table = statuses("".join(seen) + out)
            runs = [
                {
                    "exit": proc.returncode,
                    "statuses": Counter(table.values()),
                    "failed": sorted(t for t, s in table.items() if s == "failed"),
                    "ddl_users": sorted({u for u, _ in ddl_by_user(server)}),
                }
            ]
            server.reset_stats()
            for _ in range(2):
                started = time.perf_counter()
                done = fleet_command(env, *args, timeout=3600)
                table = statuses(done.stdout)
                runs.append(
                    {
                        "exit": done.returncode,
                        "seconds": round(time.perf_counter() - started, 2),
                        "statuses": Counter(table.values()),
                        "failed": sorted(t for t, s in table.items() if s == "failed"),
                        "ddl_users": sorted({u for u, _ in ddl_by_user(server)}),
                    }
                )
                server.reset_stats()
    finally:
        server.stop()
    return {"executor": executor, "tenants": len(tenants), "failing": failing, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executors", default="sequential,parallel,celery")
    parser.add_argument("--scenario", action="store_true", help="fail one tenant, interrupt, resume")
    args = parser.parse_args()
    if args.scenario:
        report = [
            run_scenario(e, tenant_names(args.tenants), args.workers) for e in args.executors.split(",")
        ]
        print(json.dumps(report, indent=2))
        print()
        for r in report:
            for i, run in enumerate(r["runs"]):
                counts = ", ".join(f"{k} {v}" for k, v in sorted(run["statuses"].items()))
                print(
                    f"{r['executor']:<10} run {i + 1}: exit {run['exit']}  {counts}  "
                    f"failed {run['failed'] or '-'}  DDL by {len(run['ddl_users'])} users"
                )
        return
    tenants = tenant_names(args.tenants)
    results: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for executor in args.executors.split(","):
        try:
            results.append(run_executor(executor, tenants, args.workers))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)  # progress, in case of a long run
        except RedisUnavailable as exc:
            skipped[executor] = str(exc)
    print(json.dumps({"results": results, "skipped": skipped}, indent=2))
    print()
    print(
        f"{'executor':<11} {'workers':>7} {'tenants':>7} {'first s':>8} {'tenants/s':>9} {'rerun s':>8} "
        f"{'rerun DDL':>9} {'exit':>5}"
    )
    for r in results:
        print(
            f"{r['executor']:<11} {r['workers']:>7} {r['tenants']:>7} {r['first_s']:>8} "
            f"{r['tenants_per_s']:>9} {r['second_s']:>8} {r['second_ddl_statements']:>9} "
            f"{r['first_exit']},{r['second_exit']:>3}"
        )
    for executor, reason in skipped.items():
        print(f"{executor}: skipped ({reason})")


if __name__ == "__main__":
    main()
