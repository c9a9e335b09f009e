"""The example's tenant list: validation, and writers in several processes losing nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from example_project import tenant_store
from tests.example.conftest import REPO


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXAMPLE_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    "name", ["Acme", "a", "1abc", "with-dash", "with_underscore", "x" * 31, "www", "api"]
)
def test_names_that_cannot_be_a_subdomain_or_are_reserved_are_refused(data_dir: Path, name: str) -> None:
    assert tenant_store.validate_name(name)
    with pytest.raises(ValueError):
        tenant_store.add_tenant(name)


def test_builtins_first_then_runtime_tenants_in_order(data_dir: Path) -> None:
    assert tenant_store.all_tenants() == ("acme", "globex", "initech")
    assert tenant_store.add_tenant("umbrella", {"max_busy": 2})
    assert tenant_store.add_tenant("hooli")
    assert not tenant_store.add_tenant("umbrella")
    assert not tenant_store.add_tenant("acme")
    assert tenant_store.all_tenants() == ("acme", "globex", "initech", "umbrella", "hooli")
    assert tenant_store.spec_of("umbrella") == {"max_busy": 2}
    assert tenant_store.spec_of("acme") == {}
    assert tenant_store.spec_of("nobody") is None


def test_concurrent_writers_in_several_processes_lose_nothing(data_dir: Path) -> None:
    code = (
        "import sys\n"
        "from example_project import tenant_store\n"
        "for i in range(25):\n"
        "    tenant_store.add_tenant(f'p{sys.argv[1]}n{i}')\n"
    )
    env = {**os.environ, "EXAMPLE_DATA_DIR": str(data_dir)}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(n)], cwd=REPO, env=env) for n in range(4)]
    assert [p.wait(60) for p in procs] == [0, 0, 0, 0]
    assert len(json.loads((data_dir / "tenants.json").read_text())["tenants"]) == 100
    assert len(tenant_store.all_tenants()) == 103  # this process sees the other processes' writes
