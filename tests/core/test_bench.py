"""bench/roundtrips.py runs and meets its target: <= 2 round trips per request for drcp_multi."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
