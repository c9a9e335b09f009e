"""The unpacked sdist of an installed package, for the outside suites that run its own tests."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path


def unpacked_sdist(name: str, version: str, cache: Path, marker: str) -> Path:
    """``cache/<name>-<version>`` (lower-case, as the sdists unpack), downloaded with pip and unpacked
    once: ``marker`` (a path inside the tree) says an earlier run finished."""
    tree = cache / f"{name.lower()}-{version}"
    if (tree / marker).exists():
        return tree
    cache.mkdir(parents=True, exist_ok=True)
    # --no-binary for this one package: its sdist (oracledb's metadata step builds with Cython in isolation).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--no-binary",
            name,
            f"{name}=={version}",
            "-d",
            str(cache),
        ],
        check=True,
    )
    archive = next(p for p in cache.iterdir() if p.name.lower() == f"{name.lower()}-{version}.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return tree
