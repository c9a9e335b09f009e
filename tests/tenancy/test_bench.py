"""bench/tenancy_modes.py still runs and reports every figure (a small load, all three modes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import oracledb
import pytest

from drcp_multi.tenancy.checks import shared_pool_supported

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.drcp
@pytest.mark.emulator_only
def test_bench_tenancy_modes_smoke() -> None:
    modes = ["pool_per_tenant", "shared_pool", "alias"]
    if not shared_pool_supported(oracledb.__version__):
        modes.remove("shared_pool")  # driver bug, see tests/tenancy/test_wire.py OLD_DRIVER
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "tenancy_modes.py"),
            "--tenants",
            "8",  # more tenants than POOL["max"] (4): the shared pool must change class
            "--requests",
            "40",
            "--threads",
            "1",  # one client thread and a seeded plan: the same figures on every run
            "--modes",
            ",".join(modes),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=ROOT,
    ).stdout
    document = json.loads(out[: out.rindex("}") + 1])
    rows = {row["mode"]: row for row in document["results"]}
    assert set(rows) == set(modes)
    for row in rows.values():
        assert row["errors"] == 0
        assert row["requests"] == 40 and row["tenants"] == 8
        assert row["logins"] >= 8  # every tenant logged in under its own class (or alias user) at least once
        assert row["drcp_hits"] + row["drcp_misses"] == 40  # one checkout per request
    if "shared_pool" in rows:
        # One shared thin pool asked for another class on most acquires: a new connection (a login) each.
        assert rows["shared_pool"]["logins"] > rows["pool_per_tenant"]["logins"] == 8
