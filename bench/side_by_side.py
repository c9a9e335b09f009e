"""Side by side on one wire server: drcp_multi's tenancy modes, Django's native pool, persistent
connections and a connection per request, through Django's WSGI handler.

Every configuration serves the same load: ``--threads`` threads, each request for a tenant drawn at random
among ``--tenants`` (``X-Tenant`` header, ``TenantMiddleware``), one ``SELECT 1 FROM DUAL`` per request on
the alias ``TenantRouter`` picks. The middleware and the view are the same everywhere; only
``DATABASES``/``DRCP_MULTI`` differ. Each configuration runs in a subprocess of its own with its own
settings and its own database user (so no configuration finds a trigger or a pooled server session of
another's user); the wire server (``EmulatorServer`` with a ``LatencyModel``) runs in this process and
counts what each one costs: round trips, one-way calls, logins, sessions created, DRCP hits and misses,
client connections (held at the end and peak) and pooled servers. It also reads the CPU time per request
of the client process and of this process (the wire server): ``x_persistent_by_cpu`` is persistent
connections' CPU per request (both together) over the configuration's, what the ratio of requests/s
comes to when client and server are CPU-bound on the same cores, as on a 2-core machine.

A subprocess warms up (every tenant once, then ``--warmup`` random requests), the server's counters are
reset, then ``--requests`` requests are measured. Rounds are interleaved: every round runs each
configuration once, the order rotated by one each round, so a slow spell of this shared machine hits
several configurations instead of one. Figures are medians over rounds with min-max; a ratio is the
ratio of the medians plus the min-max of the per-round ratios (both runs of a ratio are of one round).

    python bench/side_by_side.py [--rounds 3] [--requests 800] [--threads 8] [--tenants 50]
        [--pooled-servers 40] [--configs pool_per_tenant,native_pool,...] [--sensitivity]
        [--latency issue|assumed] [--rtt-ms X --login-ms X ...]

drcp_multi runs each mode with ``SESSION_SETUP = "checkout"`` (the set-up block on every checkout), and
``pool_per_tenant`` and ``shared_class`` also with the logon trigger (``drcp_session_trigger install``
first, ``SESSION_SETUP = "trigger"``). Costs: ``--latency issue`` (default: issue #9's model, round trip
0.5 ms, login 20 ms, every new server session 20 ms) or ``assumed`` (``LatencyModel.assumed()``, the wire
server's documented defaults); any ``--<cost>-ms`` flag overrides one.

``--tenants 10,50,500`` and ``--pooled-servers 40,100`` sweep (a fresh server per point);
``--sensitivity`` then re-runs the first point with each latency cost halved and doubled and shows how
the ratios move. Prints one JSON document, then short tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.urls import path

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "secret"
SQL = "SELECT 1 FROM DUAL"


@dataclass(frozen=True)
class Config:
    """One column of the comparison."""

    name: str
    label: str
    engine: str  # "drcp_multi" or "django"
    mode: str | None = None  # drcp_multi's TENANCY_MODE
    trigger: bool = False  # install the session logon trigger first (shared_class)
    pool: bool = False  # Django's native pool (OPTIONS["pool"])
    conn_max_age: int | None = 0


ALL_CONFIGS = (
    Config("pool_per_tenant", "drcp_multi pool_per_tenant", "drcp_multi", "pool_per_tenant"),
    Config(
        "pool_per_tenant_trigger",
        "drcp_multi pool_per_tenant + trigger",
        "drcp_multi",
        "pool_per_tenant",
        True,
    ),
    Config("shared_pool", "drcp_multi shared_pool", "drcp_multi", "shared_pool"),
    Config("alias", "drcp_multi alias", "drcp_multi", "alias"),
    Config("shared_class", "drcp_multi shared_class", "drcp_multi", "shared_class"),
    Config("shared_class_trigger", "drcp_multi shared_class + trigger", "drcp_multi", "shared_class", True),
    Config("native_pool", "Django 5.2 native pool (one class)", "django", pool=True),
    Config("persistent", "persistent (CONN_MAX_AGE=None)", "django", conn_max_age=None),
    Config("per_request", "connection per request", "django"),
)
CONFIGS = {c.name: c for c in ALL_CONFIGS}
BASELINE, NATIVE = "persistent", "native_pool"
ALIAS_MAX_TENANTS = 100  # mode "alias": one DATABASES entry, user and pool thread per tenant


def available(config: Config) -> str | None:
    """Why ``config`` cannot run with this checkout of drcp_multi (None when it can)."""
    from drcp_multi.conf import TENANCY_MODES

    if config.mode is not None and config.mode not in TENANCY_MODES:
        return f"TENANCY_MODE {config.mode!r} is not in this drcp_multi"
    if (
        config.trigger
        and importlib.util.find_spec("drcp_multi.management.commands.drcp_session_trigger") is None
    ):
        return "no drcp_session_trigger command in this drcp_multi"
    return None


def session_setup_known() -> bool:
    from drcp_multi import conf

    return hasattr(conf, "SESSION_SETUPS")


def tenant_names(n: int) -> list[str]:
    return [f"t{i:04d}" for i in range(n)]


def db_user(config: Config) -> str:
    return f"b_{config.name}"[:30]


def alias_user(config: Config, tenant: str) -> str:
    return f"{db_user(config)[:20]}_{tenant}"


# -- the worker: one configuration in its own process ------------------------------------------------------


def one_query(request: Any) -> Any:
    from django.db import connections, router
    from django.http import HttpResponse

    with connections[router.db_for_read(tenant_model())].cursor() as cursor:
        cursor.execute(SQL)
        (value,) = cursor.fetchone()
    return HttpResponse(str(value))


_model: Any = None


def tenant_model() -> Any:
    """An unmanaged model of a tenant app, so ``TenantRouter`` routes it by tenant."""
    global _model
    if _model is None:
        from django.db import models

        class Item(models.Model):
            class Meta:
                app_label = "bench_tenant_app"
                managed = False

        _model = Item
    return _model


def database(spec: dict[str, Any], config: Config, user: str, cclass: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "NAME": spec["dsn"],
        "USER": user,
        "PASSWORD": PASSWORD,
        "HOST": "",
        "PORT": "",
        "CONN_MAX_AGE": config.conn_max_age,
    }
    pool = {"min": 0, "max": spec["threads"], "increment": 1}
    if config.engine == "drcp_multi":
        entry.update(
            ENGINE="drcp_multi.backends.oracle",
            OPTIONS={"purity": "self", "cclass": cclass},
            POOL={**pool, "wait_timeout": 60},
        )
    elif config.pool:
        entry.update(
            ENGINE="django.db.backends.oracle",
            OPTIONS={"pool": {**pool, "cclass": cclass, "server_type": "pooled"}},
        )
    else:
        entry.update(ENGINE="django.db.backends.oracle", OPTIONS={})
    return entry


def configure(spec: dict[str, Any]) -> Config:
    import django
    from django.conf import settings

    config = CONFIGS[spec["config"]]
    tenants = tenant_names(spec["tenants"])
    user = db_user(config)
    databases = {"default": database(spec, config, user, f"{user.upper()}_CC")}
    drcp: dict[str, Any] = {
        "TENANCY_MODE": config.mode or "pool_per_tenant",
        "TENANTS": {t: {} for t in tenants},
        "CCLASS_PREFIX": "T_",
        "RESOLVERS": ["header"],
        "MAX_LIVE_POOLS": spec["max_live_pools"],
    }
    if config.engine == "drcp_multi" and session_setup_known():
        # Explicit, so a configuration never probes for the trigger: with it, no set-up round trip (the
        # worker installs it first); without it, the set-up block on every checkout.
        drcp["SESSION_SETUP"] = "trigger" if config.trigger else "checkout"
    if config.mode == "alias":
        for t in tenants:
            databases[t] = database(spec, config, alias_user(config, t), f"CC_{t.upper()}")
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        USE_TZ=True,
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "drcp_multi"],
        DATABASES=databases,
        DATABASE_ROUTERS=["drcp_multi.routers.TenantRouter"],
        MIDDLEWARE=["drcp_multi.middleware.TenantMiddleware"],
        ROOT_URLCONF=__name__,
        DRCP_MULTI=drcp,
    )
    django.setup()
    return config


def install_session_trigger() -> None:
    """``drcp_session_trigger install`` for the configured default alias, through a checkout that sets up
    its session itself (the trigger is not there yet)."""
    import io

    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    with override_settings(DRCP_MULTI={**settings.DRCP_MULTI, "SESSION_SETUP": "checkout"}):
        call_command("drcp_session_trigger", "install", stdout=io.StringIO())


class Workers:
    """``n`` long-lived request threads (so what they hold at the end of a phase is still held when the
    server is asked), fed one plan of tenants per phase."""

    def __init__(self, n: int, handler: Any) -> None:
        import queue

        self._handler = handler
        self._jobs: list[queue.Queue[Any]] = [queue.Queue() for _ in range(n)]
        self._results: queue.Queue[tuple[list[float], list[str]]] = queue.Queue()
        self._threads = [threading.Thread(target=self._loop, args=(q,), daemon=True) for q in self._jobs]
        for thread in self._threads:
            thread.start()

    def run(self, plan: Sequence[str]) -> tuple[float, list[float], list[str]]:
        """Serve ``plan``; returns (seconds, latencies in seconds, errors)."""
        lock = threading.Lock()
        cursor = iter(plan)
        started = time.perf_counter()
        for q in self._jobs:
            q.put((cursor, lock))
        latencies: list[float] = []
        errors: list[str] = []
        for _ in self._jobs:
            times, errs = self._results.get()
            latencies += times
            errors += errs
        return time.perf_counter() - started, latencies, errors

    def stop(self) -> None:
        for q in self._jobs:
            q.put(None)
        for thread in self._threads:
            thread.join(30)

    def _loop(self, jobs: Any) -> None:
        from django.db import connections

        from drcp_multi.testing.handlers import wsgi_get

        while (job := jobs.get()) is not None:
            cursor, lock = job
            times: list[float] = []
            errors: list[str] = []
            while True:
                with lock:
                    tenant = next(cursor, None)
                if tenant is None:
                    break
                started = time.perf_counter()
                try:
                    status, _, body = wsgi_get(self._handler, "/q/", {"X-Tenant": tenant})
                except Exception as exc:  # counted in the results: a configuration may hit a limit
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                times.append(time.perf_counter() - started)
                if status != 200:
                    errors.append(f"{tenant}: HTTP {status} {body[:200]!r}")
            self._results.put((times, errors))
        connections.close_all()


def one_thread_handler(name: str, dsn: str, tenants: int) -> Any:
    """For the one-thread benches (instructions.py, request_phases.py): Django configured for configuration
    ``name`` on ``dsn`` (the logon trigger installed if it asks for one), every tenant served twice, so
    each has its pool and its pooled server; returns the WSGI handler."""
    config = configure({"config": name, "dsn": dsn, "tenants": tenants, "max_live_pools": None, "threads": 1})
    from django.core.handlers.wsgi import WSGIHandler

    from drcp_multi.testing.handlers import wsgi_get

    if config.trigger:
        install_session_trigger()
    handler = WSGIHandler()
    for tenant in tenant_names(tenants) * 2:
        status, _, body = wsgi_get(handler, "/q/", {"X-Tenant": tenant})
        if status != 200:
            raise RuntimeError(f"{name}: HTTP {status} {body[:300]!r}")
    return handler


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def worker(spec: dict[str, Any]) -> None:
    """Configure Django for one configuration, warm up, then measure on the parent's word (stdin)."""
    config = configure(spec)
    from django.core.handlers.wsgi import WSGIHandler

    if config.trigger:
        install_session_trigger()
    tenants = tenant_names(spec["tenants"])
    rng = random.Random(spec["seed"])
    warmup = [*tenants, *(rng.choice(tenants) for _ in range(spec["warmup"]))]
    plan = [rng.choice(tenants) for _ in range(spec["requests"])]
    workers = Workers(spec["threads"], WSGIHandler())

    def say(message: dict[str, Any]) -> None:
        print(json.dumps(message), flush=True)

    _, _, errors = workers.run(warmup)
    say({"event": "ready", "warmup_errors": len(errors), "first_error": errors[0][:300] if errors else None})
    sys.stdin.readline()
    cpu_before = time.process_time()
    seconds, latencies, errors = workers.run(plan)
    client_cpu = time.process_time() - cpu_before
    from drcp_multi.registry import get_registry

    pools = get_registry().stats()
    say(
        {
            "event": "done",
            "seconds": seconds,
            "requests": len(plan),
            "errors": len(errors),
            "first_error": errors[0][:300] if errors else None,
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "client_cpu_s": client_cpu,
            "client_pools": len(pools),
            "client_pool_connections": sum(p.opened for p in pools),
        }
    )
    sys.stdin.readline()
    workers.stop()
    get_registry().close_all()


# -- the parent: the server, the rounds, the figures ------------------------------------------------------


def latency_fields() -> list[str]:
    from oracle_emulator import LatencyModel

    return [f.name for f in dataclasses.fields(LatencyModel)]


ISSUE_LATENCY = {"rtt_ms": 0.5, "login_ms": 20.0, "new_session_ms": 20.0}


def latency_preset(name: str) -> dict[str, float]:
    """Issue #9's costs (every new server session 20 ms, no separate process start), or the wire server's
    documented defaults."""
    if name == "assumed":
        from oracle_emulator import LatencyModel

        return dataclasses.asdict(LatencyModel.assumed())
    return ISSUE_LATENCY


def make_server(latency: dict[str, float], pooled_servers: int) -> Any:
    from oracle_emulator import EmulatorServer, LatencyModel

    return EmulatorServer(
        port=0,
        service="FREEPDB1",
        max_pooled_servers=pooled_servers,
        latency=LatencyModel(**latency),
        statement_log_size=100,
    ).start()


class Sampler:
    """Peaks of the server's open client connections and busy pooled servers while a run goes on."""

    def __init__(self, server: Any, every: float = 0.02) -> None:
        self._server, self._every = server, every
        self._stop = threading.Event()
        self.peak_connections = self.peak_busy = 0
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            stats = self._server.stats()
            self.peak_connections = max(self.peak_connections, stats["client_connections"]["open"])
            self.peak_busy = max(self.peak_busy, stats["pooled_servers"]["busy"])

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def read_message(stream: IO[str], proc: subprocess.Popen[str]) -> dict[str, Any]:
    for line in stream:
        if line.startswith("{"):
            message: dict[str, Any] = json.loads(line)
            return message
    proc.wait(30)
    raise RuntimeError(f"worker ended (exit {proc.returncode}): {proc.stderr.read() if proc.stderr else ''}")


def held_pooled_servers(server: Any, users: set[str]) -> int:
    return sum(
        1 for row in server.broker.sessions() if row["SERVER"] == "POOLED" and row["USERNAME"] in users
    )


def run_one(server: Any, config: Config, load: dict[str, Any], seed: int) -> dict[str, Any]:
    """One configuration once: a subprocess, warmed up, then measured."""
    users = {db_user(config)}
    if config.mode == "alias":
        users = {alias_user(config, t) for t in tenant_names(load["tenants"])}
    for user in users:
        server.add_user(user, PASSWORD)
    spec = {**load, "config": config.name, "dsn": server.dsn, "seed": seed}
    load_average = os.getloadavg()[0]
    proc = subprocess.Popen(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        ready = read_message(proc.stdout, proc)
        server.wait_idle(30)
        server.reset_stats()
        open_at_start = server.stats()["client_connections"]["open"]
        sampler = Sampler(server)
        cpu_before = time.process_time()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        done = read_message(proc.stdout, proc)
        server_cpu = time.process_time() - cpu_before
        server.wait_idle(30)
        sampler.stop()
        stats = server.stats()
        pooled_held = held_pooled_servers(server, {u.upper() for u in users})
        proc.stdin.write("exit\n")
        proc.stdin.flush()
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    n = done["requests"]
    classes = [c for name, c in stats["classes"].items() if name.split(".")[0] in {u.upper() for u in users}]
    hits = sum(c["num_hits"] for c in classes)
    misses = sum(c["num_misses"] for c in classes)
    return {
        "config": config.name,
        "requests": n,
        "errors": done["errors"],
        "first_error": done["first_error"] or ready["first_error"],
        "warmup_errors": ready["warmup_errors"],
        "seconds": round(done["seconds"], 3),
        "requests_per_s": round(n / done["seconds"], 1),
        "p50_ms": round(done["p50_ms"], 2),
        "p99_ms": round(done["p99_ms"], 2),
        # CPU seconds per request of the client process (Django, drcp_multi, the driver) and of this
        # process (the wire server, plus the light sampler): on two cores each can be the bottleneck.
        "client_cpu_us_per_request": round(done["client_cpu_s"] / n * 1e6),
        "server_cpu_us_per_request": round(server_cpu / n * 1e6),
        "round_trips_per_request": round(stats["round_trips"] / n, 3),
        "one_way_per_request": round(stats["one_way"] / n, 3),
        "logins_per_request": round(stats["logins"] / n, 3),
        "sessions_created_per_request": round(stats["sessions_created"] / n, 3),
        "servers_started_per_request": round(stats.get("servers_started", 0) / n, 3),
        "drcp_hits_per_request": round(hits / n, 3),
        "drcp_misses_per_request": round(misses / n, 3),
        "drcp_misses": misses,
        "pooled_servers_held": pooled_held,
        "pooled_servers_peak_busy": sampler.peak_busy,
        "client_connections_opened": stats["client_connections"]["opened"] - open_at_start,
        "client_connections_held": stats["client_connections"]["open"],
        "client_connections_peak": max(sampler.peak_connections, stats["client_connections"]["open"]),
        "client_pools": done["client_pools"],
        "load_average_1min": round(load_average, 1),
    }


def spread(values: Sequence[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def ratio_of_pairs(pairs: Sequence[tuple[float, float]]) -> dict[str, float] | None:
    """The ratio of the medians of (numerator, denominator) pairs, one pair per round, and the min-max
    of the per-round ratios; None without pairs."""
    if not pairs:
        return None
    per_round = [a / b for a, b in pairs]
    return {
        "of_medians": round(
            statistics.median(a for a, _ in pairs) / statistics.median(b for _, b in pairs), 3
        ),
        "round_min": round(min(per_round), 3),
        "round_max": round(max(per_round), 3),
    }


def ratio(rounds: list[dict[str, dict[str, Any]]], name: str, to: str) -> dict[str, float] | None:
    """``name``'s requests/s over ``to``'s."""
    return ratio_of_pairs(
        [(r[name]["requests_per_s"], r[to]["requests_per_s"]) for r in rounds if name in r and to in r]
    )


SUMMED = (
    "requests_per_s",
    "p50_ms",
    "p99_ms",
    "round_trips_per_request",
    "one_way_per_request",
    "logins_per_request",
    "sessions_created_per_request",
    "servers_started_per_request",
    "drcp_hits_per_request",
    "drcp_misses_per_request",
    "pooled_servers_held",
    "pooled_servers_peak_busy",
    "client_connections_held",
    "client_connections_peak",
    "client_connections_opened",
    "client_cpu_us_per_request",
    "server_cpu_us_per_request",
)


def cpu_ratio(rounds: list[dict[str, dict[str, Any]]], name: str, to: str) -> dict[str, float] | None:
    """``to``'s CPU per request (client + wire server) over ``name``'s: what requests/s would be in
    proportion if both processes were CPU-bound on the same cores, as they are on a 2-core machine."""

    def cpu(run: dict[str, Any]) -> float:
        return float(run["client_cpu_us_per_request"] + run["server_cpu_us_per_request"]) or 1.0

    return ratio_of_pairs([(cpu(r[to]), cpu(r[name])) for r in rounds if name in r and to in r])


def summarize(rounds: list[dict[str, dict[str, Any]]], names: Sequence[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for name in names:
        runs = [r[name] for r in rounds if name in r]
        summary[name] = {
            **{key: spread([run[key] for run in runs]) for key in SUMMED},
            "errors": sum(run["errors"] + run["warmup_errors"] for run in runs),
            "first_error": next((run["first_error"] for run in runs if run["first_error"]), None),
            "x_persistent": ratio(rounds, name, BASELINE),
            "x_native_pool": ratio(rounds, name, NATIVE),
            "x_persistent_by_cpu": cpu_ratio(rounds, name, BASELINE),
        }
    return summary


def experiment(
    configs: Sequence[Config],
    load: dict[str, Any],
    latency: dict[str, float],
    pooled_servers: int,
    rounds: int,
    log: IO[str],
) -> dict[str, Any]:
    """Every configuration ``rounds`` times, interleaved, on one server."""
    server = make_server(latency, pooled_servers)
    skipped: dict[str, str] = {}
    runnable = []
    for config in configs:
        reason = available(config)
        if reason is None and config.mode == "alias" and load["tenants"] > ALIAS_MAX_TENANTS:
            reason = f"more than {ALIAS_MAX_TENANTS} tenants (an alias, user and pool per tenant)"
        if reason:
            skipped[config.name] = reason
        else:
            runnable.append(config)
    results: list[dict[str, dict[str, Any]]] = []
    try:
        for number in range(rounds):
            order = runnable[number % len(runnable) :] + runnable[: number % len(runnable)]
            this_round: dict[str, dict[str, Any]] = {}
            for config in order:
                run = run_one(server, config, load, seed=1128 + number)
                this_round[config.name] = run
                print(
                    f"  round {number + 1}/{rounds} {config.name:<22} {run['requests_per_s']:>8.1f} req/s"
                    f"  errors {run['errors']}",
                    file=log,
                    flush=True,
                )
            results.append(this_round)
    finally:
        server.stop()
    names = [c.name for c in runnable]
    return {
        "tenants": load["tenants"],
        "pooled_servers": pooled_servers,
        "latency_ms": latency,
        "rounds": rounds,
        "order": names,
        "skipped": skipped,
        "summary": summarize(results, names),
        "runs": results,
    }


def fmt_spread(s: dict[str, float] | None, digits: int = 0) -> str:
    if s is None:
        return "-"
    if "of_medians" in s:
        return f"{s['of_medians']:.2f} ({s['round_min']:.2f}-{s['round_max']:.2f})"
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def print_table(exp: dict[str, Any]) -> None:
    print(
        f"\n{exp['tenants']} tenants, {exp['pooled_servers']} pooled servers, latency ms {exp['latency_ms']},"
        f" {exp['rounds']} rounds: median (min-max)"
    )
    header = (
        f"{'configuration':<36} {'req/s':>18} {'x persistent':>18} {'x native':>18} {'p50 ms':>6}"
        f" {'p99 ms':>7} {'RT/req':>6} {'1way':>5} {'login':>6} {'hit':>5} {'miss':>5}"
        f" {'srv held':>8} {'conn held(peak)':>15} {'CPU us c+s':>12} {'x pers by CPU':>18} {'err':>4}"
    )
    print(header)
    for name, s in exp["summary"].items():
        med = {k: v["median"] for k, v in s.items() if isinstance(v, dict) and "median" in v}
        print(
            f"{CONFIGS[name].label:<36} {fmt_spread(s['requests_per_s']):>18}"
            f" {fmt_spread(s['x_persistent']):>18} {fmt_spread(s['x_native_pool']):>18}"
            f" {med['p50_ms']:>6.1f} {med['p99_ms']:>7.1f} {med['round_trips_per_request']:>6.2f}"
            f" {med['one_way_per_request']:>5.2f} {med['logins_per_request']:>6.2f}"
            f" {med['drcp_hits_per_request']:>5.2f} {med['drcp_misses_per_request']:>5.2f}"
            f" {med['pooled_servers_held']:>8.0f}"
            f" {med['client_connections_held']:>6.0f} ({med['client_connections_peak']:.0f}){'':>3}"
            f" {med['client_cpu_us_per_request']:>6.0f}+{med['server_cpu_us_per_request']:<5.0f}"
            f" {fmt_spread(s['x_persistent_by_cpu']):>18} {s['errors']:>4}"
        )
    for name, why in exp["skipped"].items():
        print(f"{CONFIGS[name].label:<36} skipped: {why}")


def sensitivity(
    configs: Sequence[Config],
    load: dict[str, Any],
    latency: dict[str, float],
    pooled_servers: int,
    rounds: int,
    log: IO[str],
) -> list[dict[str, Any]]:
    """The experiment again with each non-zero latency cost halved, then doubled."""
    variants = []
    for field, factor in itertools.product([f for f, v in latency.items() if v], (0.5, 2.0)):
        changed = {**latency, field: latency[field] * factor}
        print(f"sensitivity: {field} x{factor}", file=log, flush=True)
        exp = experiment(configs, load, changed, pooled_servers, rounds, log)
        variants.append({"cost": field, "factor": factor, "experiment": exp})
    return variants


def print_sensitivity(base: dict[str, Any], variants: list[dict[str, Any]]) -> None:
    print("\nsensitivity: x persistent (ratio of medians) with one cost halved / doubled")
    columns = [("base", base)] + [(f"{v['cost']} x{v['factor']:g}", v["experiment"]) for v in variants]
    print(f"{'configuration':<36}" + "".join(f" {title:>20}" for title, _ in columns))
    for name in base["summary"]:
        cells = []
        for _, exp in columns:
            r = exp["summary"].get(name, {}).get("x_persistent")
            cells.append(f"{r['of_medians']:.2f}" if r else "-")
        print(f"{CONFIGS[name].label:<36}" + "".join(f" {c:>20}" for c in cells))


MARKDOWN_LABELS = {
    "pool_per_tenant": "drcp_multi `pool_per_tenant`",
    "pool_per_tenant_trigger": "drcp_multi `pool_per_tenant` + logon trigger",
    "shared_pool": "drcp_multi `shared_pool`",
    "alias": "drcp_multi `alias`",
    "shared_class": "drcp_multi `shared_class`",
    "shared_class_trigger": "drcp_multi `shared_class` + logon trigger",
    "native_pool": "Django 5.2's native pool (one class)",
    "persistent": "persistent connections (`CONN_MAX_AGE=None`)",
    "per_request": "connection per request",
}


def markdown(document: dict[str, Any]) -> str:
    """The document's figures as Markdown tables (what README and docs/tenancy.md show)."""

    def spread_md(s: dict[str, float]) -> str:
        return f"{s['median']:.0f} ({s['min']:.0f}–{s['max']:.0f})"  # noqa: RUF001

    def ratio_md(r: dict[str, float] | None) -> str:
        if r is None:
            return "–"  # noqa: RUF001
        return f"{r['of_medians']:.2f} ({r['round_min']:.2f}–{r['round_max']:.2f})"  # noqa: RUF001

    def cpu_md(m: dict[str, float]) -> str:  # runs saved before the CPU figures were summarized have none
        if "client_cpu_us_per_request" not in m:
            return "–"  # noqa: RUF001
        return f"{m['client_cpu_us_per_request']:,.0f} + {m['server_cpu_us_per_request']:,.0f}"

    lines = []
    for exp in document["experiments"]:
        lines += [
            f"{exp['tenants']} tenants, {exp['pooled_servers']} pooled servers, {exp['rounds']} rounds,"
            f" latency ms {exp['latency_ms']}: median (min–max)",  # noqa: RUF001
            "",
            "| configuration | req/s | × persistent | × native pool | p50 / p99 ms | round trips / one-way"  # noqa: RUF001
            " per request | logins / request | DRCP hits / misses per request | pooled servers held"
            " | client connections held (peak) | CPU µs / request, client + server | × persistent by CPU |",  # noqa: RUF001
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, s in exp["summary"].items():
            m = {k: v["median"] for k, v in s.items() if isinstance(v, dict) and "median" in v}
            lines.append(
                f"| {MARKDOWN_LABELS[name]} | {spread_md(s['requests_per_s'])}"
                f" | {ratio_md(s['x_persistent'])} | {ratio_md(s['x_native_pool'])}"
                f" | {m['p50_ms']:.0f} / {m['p99_ms']:.0f}"
                f" | {m['round_trips_per_request']:.2f} / {m['one_way_per_request']:.2f}"
                f" | {m['logins_per_request']:.2f}"
                f" | {m['drcp_hits_per_request']:.2f} / {m['drcp_misses_per_request']:.2f}"
                f" | {m['pooled_servers_held']:.0f}"
                f" | {m['client_connections_held']:.0f} ({m['client_connections_peak']:.0f})"
                f" | {cpu_md(m)} | {ratio_md(s.get('x_persistent_by_cpu'))} |"
            )
        for name, why in exp["skipped"].items():
            lines.append(f"| {MARKDOWN_LABELS[name]} | skipped: {why} |||||||||||")
        lines.append("")
    if document["sensitivity"]:
        base = document["experiments"][0]["summary"]
        columns = [("as stated", base)] + [
            (f"{v['cost'].removesuffix('_ms')} ×{v['factor']:g}", v["summary"])  # noqa: RUF001
            for v in document["sensitivity"]
        ]
        lines += [
            "× persistent (ratio of medians) with one cost halved or doubled:",  # noqa: RUF001
            "",
            "| configuration | " + " | ".join(title for title, _ in columns) + " |",
            "|---|" + "---|" * len(columns),
        ]
        for name in base:
            cells = []
            for _, summary in columns:
                r = summary.get(name, {}).get("x_persistent")
                cells.append(f"{r['of_medians']:.2f}" if r else "–")  # noqa: RUF001
            lines.append(f"| {MARKDOWN_LABELS[name]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=800, help="measured requests per run")
    parser.add_argument("--warmup", type=int, default=200, help="random requests after every tenant once")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--tenants", default="50", help="tenant count, or a comma-separated sweep")
    parser.add_argument("--pooled-servers", default="40", help="broker size, or a comma-separated sweep")
    parser.add_argument("--max-live-pools", type=int, default=None, help="DRCP_MULTI['MAX_LIVE_POOLS']")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"among {', '.join(CONFIGS)}")
    parser.add_argument("--sensitivity", action="store_true", help="re-run with each cost halved/doubled")
    parser.add_argument("--sensitivity-rounds", type=int, default=1)
    parser.add_argument("--markdown", metavar="FILE", help="print a saved run's JSON as Markdown tables")
    parser.add_argument(
        "--latency",
        choices=("issue", "assumed"),
        default="issue",
        help="costs: issue #9's (rtt 0.5, login 20, new session 20 ms) or LatencyModel.assumed()",
    )
    for field in latency_fields():
        parser.add_argument(f"--{field.replace('_', '-')}", type=float, default=None, dest=field)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return {}
    if args.markdown:
        text = Path(args.markdown).read_text()
        saved: dict[str, Any] = json.loads(text[: text.index("\n}\n") + 2])
        print(markdown(saved))
        return saved
    configs = [CONFIGS[name] for name in args.configs.split(",") if name]
    preset = latency_preset(args.latency)
    latency = {
        field: getattr(args, field) if getattr(args, field) is not None else preset.get(field, 0.0)
        for field in latency_fields()
    }
    base_load = {
        "requests": args.requests,
        "warmup": args.warmup,
        "threads": args.threads,
        "max_live_pools": args.max_live_pools,
    }
    experiments = []
    for tenants, pooled in itertools.product(parse_ints(args.tenants), parse_ints(args.pooled_servers)):
        print(f"{tenants} tenants, {pooled} pooled servers", file=sys.stderr, flush=True)
        load = {**base_load, "tenants": tenants}
        experiments.append(experiment(configs, load, latency, pooled, args.rounds, sys.stderr))
    variants: list[dict[str, Any]] = []
    if args.sensitivity:
        first = experiments[0]
        load = {**base_load, "tenants": first["tenants"]}
        variants = sensitivity(
            configs, load, latency, first["pooled_servers"], args.sensitivity_rounds, sys.stderr
        )
    document = {
        "bench": "side_by_side",
        "load": {**base_load, "sql": SQL, "tenants_drawn": "at random per request (seeded)"},
        "latency_ms": latency,
        "latency_preset": args.latency,
        "python": sys.version.split()[0],
        "experiments": experiments,
        "sensitivity": [
            {"cost": v["cost"], "factor": v["factor"], "summary": v["experiment"]["summary"]}
            for v in variants
        ],
    }
    print(json.dumps(document, indent=2))
    for exp in experiments:
        print_table(exp)
    if variants:
        print_sensitivity(experiments[0], variants)
    return document


urlpatterns = [path("q/", one_query)]

if __name__ == "__main__":
    main()
