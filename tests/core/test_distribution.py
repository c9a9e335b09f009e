"""What `pip install drcp_multi` brings: the product alone. The wire server and sqlglot are a distribution
of their own (oracle-emulator/), shown from the built wheel's metadata and file list."""

from __future__ import annotations

import email
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_no_test_server_and_needs_no_sqlglot(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("drcp_multi-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    requires = email.message_from_string(metadata).get_all("Requires-Dist") or []
    runtime = [r for r in requires if "extra ==" not in r]
    assert sorted(re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in runtime) == [  # type: ignore[union-attr]
        "asgiref",
        "django",
        "oracledb",
    ]
    assert not [r for r in requires if "sqlglot" in r.lower() or "emulator" in r.lower()]
    assert not [n for n in names if n.startswith("oracle_emulator/")]
    assert "drcp_multi/py.typed" in names and "drcp_multi/registry.py" in names
