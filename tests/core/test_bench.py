"""bench/roundtrips.py runs and meets its target: <= 2 round trips per request for drcp_multi."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.drcp
@pytest.mark.emulator_only
def test_roundtrips_bench() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "roundtrips.py"), "--requests", "16", "--tenants", "8"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # turns a hang into a failure; nothing is measured
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout[: result.stdout.index("\n}\n") + 2])
    assert report["drcp_multi"]["round_trips_per_request"] <= 2
    assert report["drcp_multi"]["one_way_per_request"] == 1  # the DRCP release
    assert report["drcp_multi"]["logins_per_request"] == 0
    assert report["native_pool"]["round_trips_per_request"] >= 3
    assert report["no_pool"]["logins_per_request"] == 1
    # More tenants than POOL["max"]: a pool per tenant logs in once per tenant (warm-up), then never;
    # one shared pool asked for each tenant's class re-logs-in (thin mode: class fixed per connection).
    tenancy = report["tenancy"]
    assert tenancy["pool_per_tenant"]["logins_per_request"] == 0
    assert tenancy["pool_per_tenant"]["round_trips_per_request"] <= 2
    assert tenancy["shared_pool"]["logins_per_request"] > 0


def run_bench(script: str, *args: str) -> dict[str, Any]:
    """Run ``bench/<script>`` with ``args``; its JSON document (what precedes the tables)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # turns a hang into a failure; nothing is measured
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout[: result.stdout.index("\n}\n") + 2])
    return document


NO_LATENCY = ("--rtt-ms", "0", "--login-ms", "0", "--new-session-ms", "0")


@pytest.mark.emulator_only
def test_side_by_side_bench() -> None:
    # One thread, so every figure below is exact: the warm-up serves each tenant once, leaving one
    # connection per pool, and each later request meets the state the previous one left.
    document = run_bench(
        "side_by_side.py", "--rounds", "2", "--requests", "12", "--warmup", "3", "--threads", "1",
        "--tenants", "3", *NO_LATENCY,
    )  # fmt: skip
    (experiment,) = document["experiments"]
    assert experiment["tenants"] == 3 and experiment["rounds"] == 2
    assert len(experiment["runs"]) == 2
    summary = experiment["summary"]
    assert set(summary) == {
        "pool_per_tenant",
        "pool_per_tenant_trigger",
        "shared_pool",
        "alias",
        "shared_class",
        "shared_class_trigger",
        "native_pool",
        "persistent",
        "per_request",
    }

    def median(name: str, key: str) -> float:
        return float(summary[name][key]["median"])

    for name, row in summary.items():
        assert row["errors"] == 0, (name, row["first_error"])
        assert set(row["requests_per_s"]) == {"median", "min", "max"}
        assert set(row["x_persistent"]) == {"of_medians", "round_min", "round_max"}
        assert row["x_native_pool"] is not None
        assert median(name, "client_cpu_us_per_request") > 0
        assert median(name, "server_cpu_us_per_request") > 0
        assert set(row["x_persistent_by_cpu"]) == {"of_medians", "round_min", "round_max"}
    assert summary["persistent"]["x_persistent"]["of_medians"] == 1
    assert summary["persistent"]["x_persistent_by_cpu"]["of_medians"] == 1
    # A connection per request logs in every time: far more CPU per request than a persistent connection.
    assert summary["per_request"]["x_persistent_by_cpu"]["of_medians"] < 0.5

    # A tenant pool (or alias pool) per tenant: one client connection and one pooled server each, no login.
    for name in ("pool_per_tenant", "alias"):
        assert median(name, "logins_per_request") == 0
        assert median(name, "round_trips_per_request") == 2  # the session set-up and the SELECT
        assert median(name, "one_way_per_request") == 1  # the DRCP release
        assert median(name, "drcp_hits_per_request") == 1 and median(name, "drcp_misses_per_request") == 0
        assert median(name, "client_connections_held") == 3
        assert median(name, "pooled_servers_held") == 3
    # The logon trigger set the session up when DRCP created it: the SELECT is the only round trip.
    assert median("pool_per_tenant_trigger", "round_trips_per_request") == 1
    assert median("pool_per_tenant_trigger", "logins_per_request") == 0
    # The tenants' pools and the alias's own (it installed the trigger).
    assert median("pool_per_tenant_trigger", "client_connections_held") == 3 + 1
    # One class for every tenant: one pool, one pooled server, never a DRCP miss.
    for name, round_trips in (("shared_class", 2), ("shared_class_trigger", 1)):
        assert median(name, "logins_per_request") == 0
        assert median(name, "round_trips_per_request") == round_trips
        assert median(name, "one_way_per_request") == 1
        assert median(name, "drcp_misses_per_request") == 0
        assert median(name, "pooled_servers_held") == 1
        assert median(name, "client_connections_held") == 1
    # One pool of one connection asked for another class each time: a login per change of tenant.
    assert median("shared_pool", "logins_per_request") > 0
    assert median("shared_pool", "client_connections_held") == 1
    assert median("native_pool", "logins_per_request") == 0
    assert median("native_pool", "round_trips_per_request") == 3
    assert median("native_pool", "drcp_misses_per_request") == 0
    assert median("native_pool", "client_connections_held") == 1
    assert median("persistent", "round_trips_per_request") == 1
    assert median("persistent", "logins_per_request") == 0
    assert median("persistent", "client_connections_held") == 1
    assert median("persistent", "pooled_servers_held") == 0
    assert median("per_request", "logins_per_request") == 1
    assert median("per_request", "client_connections_held") == 0


@pytest.mark.emulator_only
def test_side_by_side_sensitivity() -> None:
    document = run_bench(
        "side_by_side.py", "--rounds", "1", "--requests", "6", "--warmup", "1", "--threads", "1",
        "--tenants", "2", "--configs", "native_pool,persistent", "--sensitivity",
        "--rtt-ms", "0", "--login-ms", "1", "--new-session-ms", "0",
    )  # fmt: skip
    # Only the non-zero cost moves: halved, then doubled, each a full experiment.
    assert [(v["cost"], v["factor"]) for v in document["sensitivity"]] == [
        ("login_ms", 0.5),
        ("login_ms", 2.0),
    ]
    for variant in document["sensitivity"]:
        assert set(variant["summary"]) == {"native_pool", "persistent"}
        assert variant["summary"]["native_pool"]["logins_per_request"]["median"] == 0


@pytest.mark.emulator_only
def test_checkout_micro_bench() -> None:
    document = run_bench("checkout_micro.py", "--rounds", "2", "--iterations", "20", "--warmup", "5")
    results = document["results"]
    assert {"raw", "registry_alias", "registry_tenant"} <= set(results)
    for name, row in results.items():
        # Hot pools: no login, no round trip; each release is one one-way DRCP message.
        assert row["server"] == {"round_trips": 0, "one_way": 40, "logins": 0, "checkouts": 40}, name
        for key in ("x_raw", "cpu_x_raw"):
            assert set(row[key]) == {"of_medians", "of_minima", "round_min", "round_max"}
    assert results["raw"]["x_raw"]["of_medians"] == results["raw"]["cpu_x_raw"]["of_medians"] == 1


@pytest.mark.emulator_only
@pytest.mark.parametrize(
    ("kind", "name", "round_trips"),
    [("checkout", "registry_shared_class", 0), ("requests", "shared_class_trigger", 5)],
)
def test_instruction_count_children_run(kind: str, name: str, round_trips: int) -> None:
    # What bench/instructions.py runs under Valgrind, here without it: the child must do at the server
    # what it claims to count, or the counts would measure something else.
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "instructions.py"), "--child", kind, name, "5"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,  # turns a hang into a failure; nothing is measured
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # Five hot checkouts: five one-way DRCP releases, no login; a checkout alone makes no round trip, a
    # one-query request with the logon trigger exactly one.
    assert seen == {"round_trips": round_trips, "one_way": 5, "logins": 0}


def bench_module(name: str) -> Any:
    """A script of bench/ imported as a module (bench/ is not a package)."""
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    return importlib.import_module(name)


def test_phase_clock_charges_each_call_its_own_time() -> None:
    # bench/request_phases.py's attribution: a wrapped call's time less that of the wrapped calls inside.
    request_phases = bench_module("request_phases")
    ticks = iter(range(0, 1000, 10))
    clock = request_phases.PhaseClock(lambda: next(ticks))
    inner = clock.timed("inner", lambda: None)  # 10 per call: its two clock reads are one tick apart

    def outer_body() -> None:
        inner()
        inner()

    clock.timed("outer", outer_body)()
    # outer read 0 and 50; the inner calls read 10-20 and 30-40.
    assert clock.ns == {"inner": 20, "outer": 30}
    assert clock.calls == {"inner": 2, "outer": 1}


@pytest.mark.emulator_only
def test_request_phases_bench() -> None:
    document = run_bench(
        "request_phases.py", "--rounds", "1", "--requests", "10",
        "--configs", "persistent,shared_class_trigger", "--rtt-ms", "0",
    )  # fmt: skip
    summary = document["summary"]
    assert set(summary) == {"persistent", "shared_class_trigger"}
    for name, row in summary.items():
        phases = {p: s["median"] for p, s in row["phase_us_per_request"].items()}
        assert set(phases) == set(bench_module("request_phases").PHASES)
        assert all(us >= 0 for us in phases.values()), (name, phases)
        # The phases are exclusive parts of the measured requests: together no more than the whole.
        assert sum(phases.values()) <= row["cpu_us_per_request"]["median"] + 0.1 * len(phases), (name, row)
        assert row["calls_per_request"]["execute"] == 1 and row["calls_per_request"]["rest"] == 1
        assert row["round_trips_per_request"] == 1 and row["logins_per_request"] == 0
    persistent, shared = summary["persistent"], summary["shared_class_trigger"]
    # A persistent connection is never acquired nor closed; every shared-class request is, once, through
    # the registry, and releases its session with a one-way DRCP message.
    assert persistent["calls_per_request"]["driver_acquire"] == 0
    assert persistent["calls_per_request"]["connect_close"] == 0
    assert persistent["one_way_per_request"] == 0
    assert shared["calls_per_request"]["driver_acquire"] == 1
    assert shared["calls_per_request"]["driver_close"] == 1
    assert shared["calls_per_request"]["registry"] == 2  # acquire and release
    assert shared["calls_per_request"]["connect_close"] == 2
    assert shared["one_way_per_request"] == 1
    assert persistent["x_persistent"]["of_medians"] == 1
