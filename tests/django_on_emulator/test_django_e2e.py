"""Django 5.2's own Oracle backend, through the real thin driver and the wire server, on this engine.

The scenarios live in :mod:`tests.django_on_emulator.django_e2e` and run in one subprocess (Django settings
of their own: two schemas, one dedicated alias and one DRCP-pooled alias); each is reported here as
its own test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from . import django_e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def e2e_results() -> dict[str, str]:
    try:
        import oracle_emulator.server  # noqa: F401
    except ImportError:
        pytest.skip("the wire server (oracle_emulator.server) is not available")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.django_on_emulator.django_e2e"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result line\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1])


@pytest.mark.parametrize("name", list(django_e2e.SCENARIOS))
def test_django_scenario(e2e_results: dict[str, str], name: str) -> None:
    assert e2e_results.get(name) == "ok", e2e_results.get(name)
