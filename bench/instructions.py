"""CPU instructions per checkout and per request, counted by Valgrind: figures this noisy machine cannot
blur.

Timings here move by ±30 % from one minute to the next (two vCPUs shared with other work), so the
timed benchmarks report ratios with their spread. This one counts instructions instead: each
measurement runs a child Python under ``valgrind --tool=callgrind`` twice, with ``--base`` and with
``--base + --calls`` iterations, and reports the difference divided by ``--calls`` (start-up, Django's
set-up and the warm-up cancel out). The wire server runs in a process of its own, outside Valgrind, so
only the client's work is counted. ``PYTHONHASHSEED=0`` fixes the hashing. Threads are counted apart
(``--separate-threads=yes``): the figures are the main thread's, where the checkout, the request and
the driver's acquire and close run; the driver's pool thread and any other thread are reported per
call on their own (``other_threads_per_call``; their counts made the whole-process totals move by up to
15 % between runs, the main thread's move by a few instructions per call).

* ``--checkouts``: the variants of ``bench/checkout_micro.py`` (``raw`` is ``pool.acquire()`` +
  ``close()`` on a hot thin pool);
* ``--requests``: configurations of ``bench/side_by_side.py``, one thread, one ``SELECT`` per request
  through Django's WSGI handler, a tenant drawn at random among 50 per request.

Instructions are not time: cache misses, system calls and thread switches are not in them. A ratio of
instruction counts still says what each layer adds, with far less spread than the timings here.

    python bench/instructions.py [--checkouts raw,registry_alias,...] [--requests persistent,...]
        [--calls 2000] [--base 300] [--jobs 2]

Needs ``valgrind`` on PATH. Prints one JSON document, then a short table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

CHECKOUTS = ("raw", "raw_stamped", "registry_alias", "registry_tenant", "registry_shared_class")
REQUESTS = ("persistent", "shared_class_trigger", "pool_per_tenant_trigger", "native_pool")
TENANTS = 50


def print_server_counts(server: Any) -> None:
    """What the wire server saw of the counted iterations (the parent ignores it; tests read it)."""
    server.wait_idle(30)
    stats = server.stats()
    print(json.dumps({key: stats[key] for key in ("round_trips", "one_way", "logins")}), flush=True)


def child_checkout(name: str, calls: int) -> None:
    """``calls`` checkouts + releases of one checkout_micro variant (after its warm-up)."""
    import checkout_micro
    from django.conf import settings
    from django.test import override_settings
    from wire_server import ServerProcess

    server = ServerProcess(
        port=0,
        service="FREEPDB1",
        users={checkout_micro.USER: checkout_micro.PASSWORD},
        statement_log_size=100,
    )
    try:
        checkout_micro.configure(server.dsn)
        call = checkout_micro.variants()[name]
        mode = checkout_micro.mode_for(name)
        with (
            override_settings(DRCP_MULTI={**settings.DRCP_MULTI, "TENANCY_MODE": mode}),
            checkout_micro.phase_context(name),
        ):
            for _ in range(200):
                call()
            server.wait_idle(30)
            server.reset_stats()
            for _ in range(calls):
                call()
            print_server_counts(server)
    finally:
        from drcp_multi.registry import get_registry

        get_registry().close_all()
        server.stop()


def child_requests(name: str, calls: int) -> None:
    """``calls`` one-query requests of one side_by_side configuration (after every tenant twice)."""
    import side_by_side
    from wire_server import ServerProcess

    config = side_by_side.CONFIGS[name]
    server = ServerProcess(
        port=0, service="FREEPDB1", max_pooled_servers=40, latency={"rtt_ms": 0.0}, statement_log_size=100
    )
    try:
        server.add_user(side_by_side.db_user(config), side_by_side.PASSWORD)
        handler = side_by_side.one_thread_handler(name, server.dsn, TENANTS)
        from django.db import connections

        from drcp_multi.testing.handlers import wsgi_get

        tenants = side_by_side.tenant_names(TENANTS)
        rng = random.Random(1)
        server.wait_idle(30)
        server.reset_stats()
        for _ in range(calls):
            if wsgi_get(handler, "/q/", {"X-Tenant": rng.choice(tenants)})[0] != 200:
                raise RuntimeError(f"{name}: a measured request failed")
        print_server_counts(server)
        connections.close_all()
    finally:
        from drcp_multi.registry import get_registry

        get_registry().close_all()
        server.stop()


def instructions(kind: str, name: str, calls: int) -> tuple[int, int]:
    """Instructions callgrind counted in a child running ``calls`` iterations: in its main thread, and in
    its other threads (the driver's pool thread) together."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--separate-threads=yes",
                f"--callgrind-out-file={tmp}/cg",
                sys.executable,
                __file__,
                "--child",
                kind,
                name,
                str(calls),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"{kind} {name} x{calls}: exit {out.returncode}\n{out.stderr[-3000:]}")
        per_thread: dict[int, int] = {}
        for path in Path(tmp).glob("cg-*"):  # cg-01 is the main thread
            found = re.search(r"^totals:\s+(\d+)", path.read_text(errors="replace"), re.MULTILINE)
            if found is not None:
                per_thread[int(path.name.rsplit("-", 1)[1])] = int(found.group(1))
    if 1 not in per_thread:
        raise RuntimeError(f"{kind} {name} x{calls}: no count for the main thread\n{out.stderr[-3000:]}")
    return per_thread[1], sum(count for thread, count in per_thread.items() if thread != 1)


def per_call(kind: str, name: str, base: int, calls: int) -> tuple[int, int]:
    """Instructions per iteration (the difference of two runs): the main thread's, the other threads'."""
    (main_long, other_long), (main_short, other_short) = (
        instructions(kind, name, base + calls),
        instructions(kind, name, base),
    )
    return round((main_long - main_short) / calls), round((other_long - other_short) / calls)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--checkouts", default=",".join(CHECKOUTS))
    parser.add_argument("--requests", default=",".join(REQUESTS))
    parser.add_argument("--calls", type=int, default=2000, help="iterations counted per measurement")
    parser.add_argument("--base", type=int, default=300, help="iterations of the run subtracted")
    parser.add_argument("--jobs", type=int, default=2, help="Valgrind runs at once")
    args = parser.parse_args(argv)
    if args.child:
        kind, name, calls = args.child
        (child_checkout if kind == "checkout" else child_requests)(name, int(calls))
        return {}
    if shutil.which("valgrind") is None:
        raise SystemExit("bench/instructions.py needs valgrind on PATH (Debian: apt-get install valgrind)")
    work = [("checkout", n) for n in args.checkouts.split(",") if n] + [
        ("requests", n) for n in args.requests.split(",") if n
    ]
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        counted = dict(
            zip(work, pool.map(lambda item: per_call(*item, args.base, args.calls), work), strict=True)
        )
    checkouts = {n: c[0] for (k, n), c in counted.items() if k == "checkout"}
    requests = {n: c[0] for (k, n), c in counted.items() if k == "requests"}
    other_threads = {f"{k}:{n}": c[1] for (k, n), c in counted.items()}
    document = {
        "bench": "instructions",
        "calls": args.calls,
        "python": sys.version.split()[0],
        "checkout_instructions": checkouts,
        "checkout_x_raw": {n: round(c / checkouts["raw"], 3) for n, c in checkouts.items()}
        if "raw" in checkouts
        else {},
        "request_instructions": requests,
        "request_x_persistent": {n: round(requests["persistent"] / c, 3) for n, c in requests.items()}
        if "persistent" in requests
        else {},
        "other_threads_per_call": other_threads,
    }
    print(json.dumps(document, indent=2))
    if checkouts:
        print(f"\n{'checkout + release':<26} {'instructions':>12} {'x raw':>7}")
        for name, count in checkouts.items():
            ratio = document["checkout_x_raw"].get(name)
            print(f"{name:<26} {count:>12,} {ratio if ratio is not None else '-':>7}")
    if requests:
        print(f"\n{'one-query request':<26} {'instructions':>12} {'persistent / this':>18}")
        for name, count in requests.items():
            ratio = document["request_x_persistent"].get(name)
            print(f"{name:<26} {count:>12,} {ratio if ratio is not None else '-':>18}")
    return document


if __name__ == "__main__":
    main()
