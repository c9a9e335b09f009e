"""Django's own test suite against a fresh wire server, through drcp_multi's backend and Django's own.

Run from the repository root (tox env ``django-suite``)::

    python tests/django_suite/run.py                    # both engines, the modules in MODULES
    python tests/django_suite/run.py --engine drcp basic queries

For each engine it fetches the sdist of the installed Django (``pip download``, cached), starts an
``oracle_emulator.EmulatorServer`` with two admin users, writes a settings module whose aliases ``default``
and ``other`` point at it (Django creates the test users itself, as on Oracle), runs Django's
``tests/runtests.py`` over the modules and compares every failure and error with ``expected_failures.txt``.
It exits 1 on a failure not in that list and on a listed test that now passes (the list must stay true).
The two engines run side by side, each with its own server process.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from the root

from tests.sdist import unpacked_sdist

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXPECTED_FAILURES = HERE / "expected_failures.txt"

#: Django test modules run by default (labels of Django's tests/runtests.py).
MODULES = [
    "basic",
    "transactions",
    "backends",
    "queries",
    "lookup",
    "aggregation",
    "expressions",
    "model_fields",
    "db_functions",
    "schema",
    "migrations.test_operations",
    "bulk_create",
    "introspection",
    "cache",  # DatabaseCache reads its NCLOB values as LOBs (process_clob → read())
]

#: Engines by the short name used on the command line and in expected_failures.txt.
ENGINES = {"drcp": "drcp_multi.backends.oracle", "django": "django.db.backends.oracle"}

# Admin users of the fresh server; Django derives the test users (TEST_<USER>) from them.
ADMIN_USERS = {"default": ("django_suite", "suite_pw"), "other": ("django_suite_other", "suite_pw")}

SETTINGS = """\
DATABASES = {databases!r}
SECRET_KEY = "django_tests_secret_key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = False
TEST_RUNNER = "django_suite_recorder.RecordingRunner"
"""


@dataclass(frozen=True)
class Expected:
    engine: str  # "drcp", "django" or "both"
    test_id: str
    reason: str


def read_expected(path: Path = EXPECTED_FAILURES) -> list[Expected]:
    """Lines ``<engine> <test id> <reason>``; ``#`` starts a comment line."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) < 3 or parts[0] not in (*ENGINES, "both"):
            raise SystemExit(
                f"{path}:{number}: expected '<drcp|django|both> <test id> <reason>', got {line!r}"
            )
        entries.append(Expected(parts[0], parts[1], parts[2]))
    return entries


def django_source(cache: Path) -> Path:
    """The unpacked sdist of the installed Django version (downloaded once into ``cache``)."""
    return unpacked_sdist("Django", django.__version__, cache, "tests/runtests.py")


def module_of(test_id: str) -> str:
    """The label a test id belongs to: ``setUpClass (basic.tests.X)`` → basic."""
    if "(" in test_id:
        test_id = test_id[test_id.index("(") + 1 : test_id.rindex(")")]
    for label in sorted(MODULES, key=len, reverse=True):
        if test_id == label or test_id.startswith(label + "."):
            return label
    return test_id.split(".", 1)[0]


def run_engine(
    engine: str, modules: list[str], source: Path, workdir: Path, parallel: int, timeout: float
) -> int:
    """One engine against its own fresh server; writes ``<workdir>/<engine>.json``; returns runtests' code."""
    from oracle_emulator import EmulatorServer

    users = dict(ADMIN_USERS.values())
    with EmulatorServer(users=users, max_pooled_servers=80) as server:
        databases = {
            alias: {"ENGINE": ENGINES[engine], "NAME": server.dsn, "USER": user, "PASSWORD": password}
            for alias, (user, password) in ADMIN_USERS.items()
        }
        settings_dir = workdir / f"settings_{engine}"
        settings_dir.mkdir(parents=True, exist_ok=True)
        (settings_dir / "django_suite_settings.py").write_text(SETTINGS.format(databases=databases))
        results = workdir / f"{engine}.json"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(settings_dir), str(HERE), str(REPO)]),
            "DJANGO_SUITE_RESULTS": str(results),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        command = [
            sys.executable,
            "runtests.py",
            "--settings=django_suite_settings",
            "--noinput",
            f"--parallel={parallel}",
            "-v",
            "1",
            *modules,
        ]
        with open(workdir / f"{engine}.log", "w", encoding="utf-8") as log:
            try:
                proc = subprocess.run(
                    command,
                    cwd=source / "tests",
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired:
                print(f"[{engine}] runtests.py did not finish within {timeout:.0f} s", file=sys.stderr)
                return 124
        return proc.returncode


def report(
    engine: str, outcomes: dict[str, list[str]], expected: list[Expected]
) -> tuple[list[str], list[str], str]:
    """(unexpected failures, listed tests that passed, per-module table) for one engine."""
    listed = {e.test_id: e for e in expected if e.engine in (engine, "both")}
    per_module: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    unexpected, stale = [], []
    for test_id, (outcome, detail) in sorted(outcomes.items()):
        module = module_of(test_id)
        per_module[module]["tests"] += 1
        if outcome in ("fail", "error"):
            if test_id in listed:
                per_module[module]["expected"] += 1
            else:
                per_module[module]["unexpected"] += 1
                unexpected.append(f"{outcome.upper()}: {test_id}\n{detail}")
        elif outcome == "skip":
            per_module[module]["skipped"] += 1
        else:
            per_module[module]["passed"] += 1
            if test_id in listed:
                stale.append(test_id)
    rows = [f"{'module':32} {'tests':>6} {'passed':>6} {'skipped':>7} {'xfail-list':>10} {'failed':>6}"]
    total: collections.Counter[str] = collections.Counter()
    for module in sorted(per_module):
        c = per_module[module]
        total.update(c)
        rows.append(
            f"{module:32} {c['tests']:6} {c['passed']:6} {c['skipped']:7} "
            f"{c['expected']:10} {c['unexpected']:6}"
        )
    rows.append(
        f"{'TOTAL ' + engine:32} {total['tests']:6} {total['passed']:6} {total['skipped']:7} "
        f"{total['expected']:10} {total['unexpected']:6}"
    )
    return unexpected, stale, "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("modules", nargs="*", help=f"Django test labels (default: {' '.join(MODULES)})")
    parser.add_argument("--engine", choices=[*ENGINES, "both"], default="both")
    parser.add_argument("--parallel", type=int, default=1, help="runtests.py --parallel (default 1)")
    parser.add_argument(
        "--cache", type=Path, default=REPO / ".cache" / "django-suite", help="sdist cache dir"
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep logs, settings and results here (default: temp dir)"
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per engine (default 3600)")
    parser.add_argument("--json", type=Path, help="write {engine: {test id: [outcome, detail]}} here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    modules = args.modules or MODULES
    source = django_source(args.cache)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="django-suite-"))
    workdir.mkdir(parents=True, exist_ok=True)

    if args.child:  # one engine, in its own process (so each server has a core of its own)
        return run_engine(args.engine, modules, source, workdir, args.parallel, args.timeout)

    engines = list(ENGINES) if args.engine == "both" else [args.engine]
    started = time.monotonic()
    children = {
        engine: subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                "--engine",
                engine,
                "--parallel",
                str(args.parallel),
                "--cache",
                str(args.cache),
                "--workdir",
                str(workdir),
                "--timeout",
                str(args.timeout),
                *modules,
            ]
        )
        for engine in engines
    }
    codes = {engine: child.wait() for engine, child in children.items()}
    elapsed = time.monotonic() - started

    expected = read_expected()
    failed = False
    everything: dict[str, dict[str, list[str]]] = {}
    for engine in engines:
        results = workdir / f"{engine}.json"
        if not results.exists():
            print(
                f"[{engine}] no results (runtests.py exit {codes[engine]}); "
                f"log: {workdir / (engine + '.log')}"
            )
            print((workdir / f"{engine}.log").read_text(encoding="utf-8", errors="replace")[-5000:])
            failed = True
            continue
        outcomes = json.loads(results.read_text(encoding="utf-8"))
        everything[engine] = outcomes
        if codes[engine] == 124:  # stopped by --timeout: what ran is reported, the run fails
            print(f"[{engine}] stopped after {len(outcomes)} tests (timeout)")
            failed = True
        unexpected, stale, table = report(engine, outcomes, expected)
        for text in unexpected:
            print(text)
        for test_id in stale:
            print(f"[{engine}] listed in {EXPECTED_FAILURES.name} but passed: {test_id} (remove the entry)")
        print(table)
        failed = failed or bool(unexpected or stale)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))
    print(f"django-suite: {len(modules)} modules, {elapsed:.0f} s, logs in {workdir}")
    if not args.workdir and not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
