"""Where a one-query request's client CPU goes, phase by phase: python-oracledb's pool, drcp_multi's
registry, Django's and the backend's connect/close, the query, and the rest of the request.

``bench/instructions.py`` counts instructions, which leave out system calls, cache misses and the cost
of code run cold between requests; ``bench/side_by_side.py`` times whole requests. This one times the
parts: one thread serves ``--requests`` one-query requests through Django's WSGI handler (a tenant drawn
at random among 50 per request, as in side_by_side), and timing wrappers around a few entry
points add up the thread CPU time (``time.thread_time_ns``) spent in each, exclusive of the wrapped
calls inside it:

* ``driver_acquire``: ``oracledb.ConnectionPool.acquire`` (python-oracledb's own work);
* ``driver_close``: ``oracledb.Connection.close`` (the connection back to the driver's pool, the DRCP
  release sent);
* ``registry``: ``PoolRegistry.acquire`` and ``release`` without the driver's calls inside them;
* ``connect_close``: Django's ``connect()`` and ``close()`` without the above (Django's bookkeeping, the
  backend's route cache, ``init_connection_state``, the native pool's ALTER SESSION round trips);
* ``execute``: Django's Oracle cursor ``execute`` (the driver's execute and the round trip's CPU);
* ``rest``: everything else in the request (handler, middleware, view, response).

The wrappers call through unchanged; each costs about a microsecond (two clock reads), charged to the
phase around it. The wire server runs in a child process of each measured process
(``bench/wire_server.py``), so its CPU is not in these figures, with the issue's latency model by
default. Rounds interleave the configurations (each in a fresh process, the order rotated each round);
figures are medians over rounds with min-max, and ``x_persistent`` is persistent connections' CPU per
request over the configuration's (ratio of medians, min-max of the per-round ratios).

    python bench/request_phases.py [--rounds 5] [--requests 1000]
        [--configs persistent,shared_class_trigger,pool_per_tenant_trigger,native_pool]

Prints one JSON document, then a short table.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # side_by_side, wire_server
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # drcp_multi

import side_by_side
from wire_server import ServerProcess

HERE = Path(__file__).resolve().parent

DEFAULT_CONFIGS = ("persistent", "shared_class_trigger", "pool_per_tenant_trigger", "native_pool")
PHASES = ("driver_acquire", "driver_close", "registry", "connect_close", "execute", "rest")
TENANTS = 50


class PhaseClock:
    """Exclusive thread CPU time per label: a wrapped call's time, less that of wrapped calls inside it.
    One thread only (the stack is not per thread)."""

    def __init__(self, clock: Callable[[], int] = time.thread_time_ns) -> None:
        self.clock = clock
        self.ns: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._inner: list[list[int]] = []  # per open call: the time of the wrapped calls inside it

    def timed(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        clock, inner, ns, calls = self.clock, self._inner, self.ns, self.calls

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            nested = [0]
            inner.append(nested)
            started = clock()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = clock() - started
                inner.pop()
                ns[label] += elapsed - nested[0]
                calls[label] += 1
                if inner:
                    inner[-1][0] += elapsed

        return call

    def wrap(self, owner: Any, name: str, label: str) -> None:
        setattr(owner, name, self.timed(label, getattr(owner, name)))


def install_phase_clock() -> PhaseClock:
    """Wrap the entry points the phases are made of (after Django is set up)."""
    import oracledb
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.oracle.base import FormatStylePlaceholderCursor

    from drcp_multi.registry import PoolRegistry

    clock = PhaseClock()
    clock.wrap(oracledb.ConnectionPool, "acquire", "driver_acquire")
    clock.wrap(oracledb.Connection, "close", "driver_close")
    clock.wrap(PoolRegistry, "acquire", "registry")
    clock.wrap(PoolRegistry, "release", "registry")
    clock.wrap(BaseDatabaseWrapper, "connect", "connect_close")
    clock.wrap(BaseDatabaseWrapper, "close", "connect_close")
    clock.wrap(FormatStylePlaceholderCursor, "execute", "execute")
    return clock


def child(spec: dict[str, Any]) -> None:
    """One configuration: its own wire server process, warm-up, then the measured requests."""
    name, requests = spec["config"], spec["requests"]
    config = side_by_side.CONFIGS[name]
    server = ServerProcess(
        port=0, service="FREEPDB1", max_pooled_servers=spec["pooled_servers"], latency=spec["latency"]
    )
    try:
        server.add_user(side_by_side.db_user(config), side_by_side.PASSWORD)
        handler = side_by_side.one_thread_handler(name, server.dsn, TENANTS)
        from django.db import connections

        from drcp_multi.registry import get_registry
        from drcp_multi.testing.handlers import wsgi_get

        tenants = side_by_side.tenant_names(TENANTS)
        rng = random.Random(spec["seed"])
        plan = [rng.choice(tenants) for _ in range(requests)]
        server.wait_idle(30)
        server.reset_stats()
        clock = install_phase_clock()
        request = clock.timed("rest", wsgi_get)
        started = time.thread_time_ns()
        for tenant in plan:
            if request(handler, "/q/", {"X-Tenant": tenant})[0] != 200:
                raise RuntimeError(f"{name}: a measured request failed")
        total_ns = time.thread_time_ns() - started
        # Read before the clean-up below closes the connections through the same wrappers.
        phase_ns, phase_calls = dict(clock.ns), dict(clock.calls)
        server.wait_idle(30)
        stats = server.stats()
        connections.close_all()
        get_registry().close_all()
    finally:
        server.stop()
    print(
        json.dumps(
            {
                "config": name,
                "requests": requests,
                "cpu_us_per_request": round(total_ns / requests / 1000, 1),
                "phase_us_per_request": {p: round(phase_ns.get(p, 0) / requests / 1000, 1) for p in PHASES},
                "calls_per_request": {p: round(phase_calls.get(p, 0) / requests, 3) for p in PHASES},
                "round_trips_per_request": round(stats["round_trips"] / requests, 3),
                "one_way_per_request": round(stats["one_way"] / requests, 3),
                "logins_per_request": round(stats["logins"] / requests, 3),
            }
        ),
        flush=True,
    )


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{spec['config']}: exit {result.returncode}\n{result.stderr[-3000:]}")
    run: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return run


def summarize(rounds: list[dict[str, dict[str, Any]]], names: Sequence[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for name in names:
        runs = [r[name] for r in rounds]
        row: dict[str, Any] = {
            "cpu_us_per_request": side_by_side.spread([r["cpu_us_per_request"] for r in runs]),
            "phase_us_per_request": {
                p: side_by_side.spread([r["phase_us_per_request"][p] for r in runs]) for p in PHASES
            },
            "calls_per_request": runs[-1]["calls_per_request"],
            "round_trips_per_request": runs[-1]["round_trips_per_request"],
            "one_way_per_request": runs[-1]["one_way_per_request"],
            "logins_per_request": runs[-1]["logins_per_request"],
        }
        if "persistent" in names:
            row["x_persistent"] = side_by_side.ratio_of_pairs(
                [(r["persistent"]["cpu_us_per_request"], r[name]["cpu_us_per_request"]) for r in rounds]
            )
        summary[name] = row
    return summary


def print_table(document: dict[str, Any]) -> None:
    print(f"\nclient CPU µs per one-query request, one thread, median of {document['rounds']} rounds")
    print(f"{'configuration':<26} {'total':>7} {'x persistent':>18}" + "".join(f" {p:>14}" for p in PHASES))
    for name, row in document["summary"].items():
        ratio = row.get("x_persistent")
        shown = (
            f"{ratio['of_medians']:.2f} ({ratio['round_min']:.2f}-{ratio['round_max']:.2f})" if ratio else "-"
        )
        phases = "".join(f" {row['phase_us_per_request'][p]['median']:>14.1f}" for p in PHASES)
        print(f"{name:<26} {row['cpu_us_per_request']['median']:>7.1f} {shown:>18}{phases}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000, help="measured requests per run")
    parser.add_argument(
        "--configs", default=",".join(DEFAULT_CONFIGS), help=f"among {', '.join(DEFAULT_CONFIGS)}"
    )
    parser.add_argument("--pooled-servers", type=int, default=40)
    parser.add_argument("--rtt-ms", type=float, default=None, help="round trip (default: issue #9's model)")
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return {}
    names = [n for n in args.configs.split(",") if n]
    unknown = set(names) - set(DEFAULT_CONFIGS)
    if unknown:
        parser.error(f"--configs: unknown {sorted(unknown)}; choose among {', '.join(DEFAULT_CONFIGS)}")
    latency = side_by_side.latency_preset("issue")
    if args.rtt_ms is not None:
        latency = {**latency, "rtt_ms": args.rtt_ms}
    rounds: list[dict[str, dict[str, Any]]] = []
    for number in range(args.rounds):
        order = names[number % len(names) :] + names[: number % len(names)]
        this_round = {}
        for name in order:
            spec = {
                "config": name,
                "requests": args.requests,
                "seed": 1128 + number,
                "latency": latency,
                "pooled_servers": args.pooled_servers,
            }
            this_round[name] = run = run_child(spec)
            print(
                f"  round {number + 1}/{args.rounds} {name:<26} {run['cpu_us_per_request']:>7.1f} µs/request",
                file=sys.stderr,
                flush=True,
            )
        rounds.append(this_round)
    document = {
        "bench": "request_phases",
        "python": sys.version.split()[0],
        "requests": args.requests,
        "rounds": args.rounds,
        "latency_ms": latency,
        "pooled_servers": args.pooled_servers,
        "summary": summarize(rounds, names),
        "runs": rounds,
    }
    print(json.dumps(document, indent=2))
    print_table(document)
    return document


if __name__ == "__main__":
    main()
