"""Checkout + release through drcp_multi's registry against the raw driver, on hot thin pools.

``raw``: ``pool.acquire()`` + ``conn.close()`` on a python-oracledb pool created with exactly the keyword
arguments the registry gives ``create_pool`` for the alias (``PoolConfig.pool_kwargs``). Against it,
what the backend does per checkout (``DatabaseWrapper._checkout``: the cached route,
``PoolRegistry.acquire`` with the trace attributes) and per release (``PoolRegistry.release``):

* ``registry_alias``: no tenant (the alias's pool);
* ``registry_tenant``: a tenant in mode ``"pool_per_tenant"`` (the tenant's own pool);
* ``registry_shared_class``: a tenant in mode ``"shared_class"`` (its alias's pool, the tenant stamped; an
  alias of its own, so no other variant touches that pool).

The tenant variants run their phase inside the tenant's context, entered once (as the middleware does
once per request, whatever the checkouts), so only the checkout and the release are timed.

Every pool is warmed up first (its one connection logged in, the settings cache filled), so nothing but
the checkout path is timed: a hot acquire makes no round trip and the release is one one-way DRCP
message, which the wire server counts per phase (in the JSON: ``server``). The wire server runs in a
child process, so it does not share this process's GIL. Rounds interleave the variants (order rotated
each round; many short rounds, so a variant and ``raw`` run close together); figures are the median µs per
checkout + release over rounds with min-max, and the ratio to ``raw`` as the ratio of medians with the
min-max of per-round ratios, and the ratio of the minima (the least disturbed run of each: on a busy
machine the steadiest estimate of the CPU cost).

    python bench/checkout_micro.py [--rounds 31] [--iterations 500]

Prints one JSON document, then a short table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django
import oracledb
from django.conf import settings
from wire_server import ServerProcess

USER, PASSWORD = "micro", "secret"
ALIAS = "default"
SHARED_CLASS_ALIAS = "shared_class"  # its own pool, so no other variant's checkouts touch it


def database(dsn: str, cclass: str) -> dict[str, Any]:
    return {
        "ENGINE": "drcp_multi.backends.oracle",
        "NAME": dsn,
        "USER": USER,
        "PASSWORD": PASSWORD,
        "HOST": "",
        "PORT": "",
        "OPTIONS": {"purity": "self", "cclass": cclass},
        "POOL": {"min": 1, "max": 2, "increment": 1},
    }


def configure(dsn: str) -> None:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        USE_TZ=True,
        INSTALLED_APPS=["drcp_multi"],
        DATABASES={ALIAS: database(dsn, "MICRO"), SHARED_CLASS_ALIAS: database(dsn, "MICRO_SC")},
        DRCP_MULTI={"TENANCY_MODE": "pool_per_tenant", "CCLASS_PREFIX": "T_", "TENANTS": {"acme": {}}},
    )
    django.setup()


def variants() -> dict[str, Callable[[], None]]:
    """One checkout + release per call, for each variant this drcp_multi supports."""
    from django.db import connections

    from drcp_multi.conf import TENANCY_MODES
    from drcp_multi.poolconfig import get_pool_config
    from drcp_multi.registry import get_registry
    from drcp_multi.tenancy.context import tenant_context
    from drcp_multi.tenant import Tenant, TraceAttributes

    registry = get_registry()
    config = get_pool_config(ALIAS)
    kwargs = config.pool_kwargs()
    pool = oracledb.create_pool(dsn=kwargs.pop("dsn"), params=oracledb.PoolParams(**kwargs))
    tenant = Tenant("acme", ALIAS, "T_acme")
    shared_tenant = Tenant("acme", SHARED_CLASS_ALIAS, "T_acme")
    trace = TraceAttributes(client_identifier="acme")

    def raw() -> None:
        pool.acquire().close()

    # The raw driver doing what each checkout of a tenant must do (issue #9, item 5): stamp the tenant and
    # clear what the session's previous user left (they stay on a DRCP session after release).
    def raw_stamped() -> None:
        conn = pool.acquire()
        conn.client_identifier = "acme"
        conn.module = None  # type: ignore[assignment]
        conn.action = None  # type: ignore[assignment]
        conn.close()

    wrapper, shared_wrapper = connections[ALIAS], connections[SHARED_CLASS_ALIAS]

    # What the backend does per checkout (DatabaseWrapper.get_new_connection): the route from the
    # wrapper's cache, the registry's acquire with the trace attributes stamped; then the release.
    def registry_alias() -> None:
        registry.release(wrapper._checkout(None))

    # The tenant's context is set around the whole phase, as the middleware sets it once per request:
    # what is timed is the checkout and the release only.
    def registry_tenant() -> None:
        registry.release(wrapper._checkout(tenant))

    found: dict[str, Callable[[], None]] = {
        "raw": raw,
        "raw_stamped": raw_stamped,
        "registry_alias": registry_alias,
        "registry_tenant": registry_tenant,
    }

    def registry_shared_class() -> None:  # the mode is switched around its phase
        registry.release(shared_wrapper._checkout(shared_tenant))

    if "shared_class" in TENANCY_MODES:
        found["registry_shared_class"] = registry_shared_class
    contexts["registry_tenant"] = lambda: tenant_context(tenant, trace)
    contexts["registry_shared_class"] = lambda: tenant_context(shared_tenant, trace)
    return found


#: name -> the tenant context its phase runs in (set once around the phase, as per request).
contexts: dict[str, Callable[[], AbstractContextManager[Any]]] = {}


def phase_context(name: str) -> AbstractContextManager[Any]:
    return contexts[name]() if name in contexts else contextlib.nullcontext()


def mode_for(name: str) -> str:
    return "shared_class" if name == "registry_shared_class" else "pool_per_tenant"


def timed(call: Callable[[], None], iterations: int) -> tuple[float, float]:
    """Seconds per call: elapsed, and CPU of this thread (what other processes' load disturbs least)."""
    started, cpu = time.perf_counter(), time.thread_time()
    for _ in range(iterations):
        call()
    return (time.perf_counter() - started) / iterations, (time.thread_time() - cpu) / iterations


def ratios(values: list[float], base: list[float]) -> dict[str, float]:
    per_round = [a / b for a, b in zip(values, base, strict=True)]
    return {
        "of_medians": round(statistics.median(values) / statistics.median(base), 3),
        "of_minima": round(min(values) / min(base), 3),
        "round_min": round(min(per_round), 3),
        "round_max": round(max(per_round), 3),
    }


def spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--iterations", type=int, default=500, help="checkouts per variant per round")
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args(argv)

    from django.test import override_settings

    server = ServerProcess(port=0, service="FREEPDB1", users={USER: PASSWORD}, statement_log_size=100)
    try:
        configure(server.dsn)
        calls = variants()
        names = list(calls)
        for name in names:
            with (
                override_settings(DRCP_MULTI={**settings.DRCP_MULTI, "TENANCY_MODE": mode_for(name)}),
                phase_context(name),
            ):
                timed(calls[name], args.warmup)
        micros: dict[str, list[float]] = {name: [] for name in names}
        cpu_micros: dict[str, list[float]] = {name: [] for name in names}
        counts: dict[str, dict[str, int]] = {}
        for number in range(args.rounds):
            for name in names[number % len(names) :] + names[: number % len(names)]:
                mode = mode_for(name)
                with override_settings(DRCP_MULTI={**settings.DRCP_MULTI, "TENANCY_MODE": mode}):
                    server.wait_idle(30)
                    server.reset_stats()
                    with phase_context(name):
                        elapsed, cpu = timed(calls[name], args.iterations)
                    micros[name].append(elapsed * 1e6)
                    cpu_micros[name].append(cpu * 1e6)
                    server.wait_idle(30)
                stats = server.stats()
                seen = counts.setdefault(name, {"round_trips": 0, "one_way": 0, "logins": 0, "checkouts": 0})
                seen["round_trips"] += stats["round_trips"]
                seen["one_way"] += stats["one_way"]
                seen["logins"] += stats["logins"]
                seen["checkouts"] += args.iterations
    finally:
        from drcp_multi.registry import get_registry

        get_registry().close_all()
        server.stop()
    results = {}
    for name in names:
        results[name] = {
            "us_per_checkout": spread(micros[name]),
            "x_raw": ratios(micros[name], micros["raw"]),
            "cpu_us_per_checkout": spread(cpu_micros[name]),
            "cpu_x_raw": ratios(cpu_micros[name], cpu_micros["raw"]),
            "server": counts[name],
        }
    document = {
        "bench": "checkout_micro",
        "rounds": args.rounds,
        "iterations": args.iterations,
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
        "oracledb": oracledb.__version__,
        "results": results,
    }
    print(json.dumps(document, indent=2))
    for title, us_key, x_key in (
        ("elapsed", "us_per_checkout", "x_raw"),
        ("CPU of the calling thread", "cpu_us_per_checkout", "cpu_x_raw"),
    ):
        print(
            f"\n{title}: {'us/checkout median (min-max)':>30} {'x raw (per-round min-max)':>28}"
            "  x raw of minima"
        )
        for name, r in results.items():
            us, x = r[us_key], r[x_key]
            print(
                f"{name:<24} {us['median']:>8.1f} ({us['min']:.1f}-{us['max']:.1f}){'':>6}"
                f" {x['of_medians']:>6.2f} ({x['round_min']:.2f}-{x['round_max']:.2f})"
                f"{'':>8} {x['of_minima']:>6.2f}"
            )
    return document


if __name__ == "__main__":
    main()
