"""Real server processes (gunicorn; uvicorn for the ASGI lifespan) under load: graceful shutdown on SIGTERM,
one Prometheus scrape covering every worker, and resize + credential rotation at run time, all asserted by
counts, from the wire server's side where it can see them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import oracledb
import pytest
from prometheus_client.parser import text_string_to_metric_families

from drcp_multi.testing.pytest_plugin import MONITOR_ROLE
from tests.ops.servers import PASSWORD, ROOT, Load, Served, http_get, start

pytestmark = [pytest.mark.emulator_only, pytest.mark.usefixtures("wire")]

WORKERS = 2


def eventually(predicate: Callable[[], Any], attempts: int = 600) -> Any:
    """Re-check (bounded by attempts, not by a clock) until the predicate holds; its last value."""
    pause = threading.Event()
    value = None
    for _ in range(attempts):
        value = predicate()
        if value:
            return value
        pause.wait(0.05)
    raise AssertionError(f"never true: {predicate}")


def scrape(served: Served) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = served.get("/ops/metrics")
    assert status == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def total(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return sum(
        v
        for (n, lbl), v in samples.items()
        if n == name and all(dict(lbl).get(k) == x for k, x in labels.items())
    )


USER = "ops"  # the served site's own database user: the suite's "app" keeps its password meanwhile


def clients_of(wire: Any, cclass: str) -> int:
    """Pooled client connections the broker has of a class (V$CPOOL_CONN_INFO, every process)."""
    name = f"{USER.upper()}.{cclass}"
    return sum(1 for row in wire.broker.cpool_conn_info() if row["CCLASS_NAME"] == name)


def manage(served: Served, dsn: str, *args: str) -> str:
    """``manage.py`` with the served site's settings, in a process of its own (as an operator runs it)."""
    env = {
        **os.environ,
        "SERVED_DSN": dsn,
        "SERVED_USER": USER,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.ops.served.settings",
        "SERVED_DIR": str(served.directory),
        "SERVED_PASSWORD_FILE": str(served.directory / "password"),
        "PROMETHEUS_MULTIPROC_DIR": str(served.directory / "prometheus"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "django", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def launch(wire: Any, tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []
    wire.add_user(USER, PASSWORD)
    wire.grant(USER, MONITOR_ROLE)  # the served sites read the broker's figures as USER

    def run(server: str = "gunicorn", workers: int = WORKERS, **env: str) -> Served:
        env = {"SERVED_USER": USER, **env}
        served = start(server, wire.dsn, tmp_path / f"site{len(started)}", workers=workers, env=env)
        started.append(served)
        return served

    yield run
    for served in started:
        served.stop()


@pytest.fixture
def gunicorn(launch: Callable[..., Served]) -> Callable[..., Served]:
    return launch


# (server, workers, what it logs once it has taken SIGTERM, its exit status after a graceful stop:
# uvicorn re-raises the signal once it has shut down, so its status says "ended by SIGTERM")
SERVERS = [
    ("gunicorn", WORKERS, "Handling signal: term", 0),
    ("uvicorn", 1, "Shutting down", -signal.SIGTERM),
]


@pytest.mark.parametrize(("server", "workers", "took_signal", "status"), SERVERS, ids=[s[0] for s in SERVERS])
def test_sigterm_fails_no_request_that_had_started(
    launch: Callable[..., Served], wire: Any, server: str, workers: int, took_signal: str, status: int
) -> None:
    served = launch(server, workers)
    open_before = wire.stats()["client_connections"]["open"]
    load = Load(served.port, ["/t/t0/one-query/", "/t/t1/one-query/", "/one-query/"], concurrency=4).start()
    eventually(lambda: load.sent >= 40)
    # Requests that started before SIGTERM: three hold a connection across it, three check out only after.
    answers: dict[str, tuple[int, bytes]] = {}
    keys = [f"hold{i}" for i in range(3)] + [f"late{i}" for i in range(3)]

    def ask(index: int, key: str) -> None:
        kind = "holding" if key.startswith("hold") else "late"
        answers[key] = http_get(served.port, f"/t/t{index}/{kind}/{key}/", timeout=120)

    threads = [threading.Thread(target=ask, args=(i, key)) for i, key in enumerate(keys)]
    for thread in threads:
        thread.start()
    eventually(lambda: all((served.directory / f"started-{key}").exists() for key in keys))
    statements_before = len(wire.statements())
    load.mark()
    served.terminate()
    eventually(lambda: took_signal in served.log())
    (served.directory / "go").touch()
    for thread in threads:
        thread.join(120)
    assert served.wait(120) == status
    load.stop()

    assert {key: answers[key] for key in keys} == {key: (200, b"2") for key in keys}
    assert load.failures_before_mark() == 0, load.outcomes
    assert load.statuses.keys() <= {200, 503}, load.statuses  # after SIGTERM: refused or a clean 503
    # From the server's side: every late request ran its query after SIGTERM, then the workers gave their
    # pools back (drain), so no client connection of theirs is left open.
    late = [s for s in wire.statements()[statements_before:] if s.sql.strip().upper() == "SELECT 2 FROM DUAL"]
    assert len(late) == len(keys)
    eventually(lambda: wire.stats()["client_connections"]["open"] <= open_before)
    assert served.log().count("drain of pid") == workers and "clean: False" not in served.log()


def test_one_scrape_covers_every_worker(gunicorn: Callable[..., Served], wire: Any) -> None:
    served = gunicorn()
    # Until both workers have served (each request is a new connection, accepted by either worker).
    pids: set[bytes] = set()
    requests = 0
    while len(pids) < WORKERS and requests < 500:
        assert served.get("/t/t2/one-query/") == (200, b"1")
        pids.add(served.get("/pid/")[1])
        requests += 1
    assert len(pids) == WORKERS
    samples = eventually(
        lambda: (
            (s := scrape(served))
            and total(s, "drcp_multi_pool_releases_total", tenant="t2") == requests
            and s
        )
    )
    # Checkouts are counted per worker at once; the sum over the workers is exact.
    assert total(samples, "drcp_multi_pool_checkouts_total", tenant="t2", cclass="T_t2") == requests
    assert total(samples, "drcp_multi_pool_checkout_wait_seconds_count", tenant="t2") == requests
    assert total(samples, "drcp_multi_pool_logins_total", tenant="t2") >= 1
    assert total(samples, "drcp_multi_pools") >= 1
    # The broker's figures once (not once per worker): its requests of the class are the server's.
    broker = total(samples, "drcp_multi_broker_requests_total", cclass="OPS.T_t2")
    assert broker == wire.stats()["classes"]["OPS.T_t2"]["num_requests"] >= requests
    assert total(samples, "drcp_multi_broker_up") == 1
    # drcp_pools, run by an operator in a process of its own, reads the same sums from the workers' files.
    out = manage(served, wire.dsn, "drcp_pools", "stats", "--json")
    doc = json.loads(out)
    (t2,) = [row for row in doc["all_workers"] if row["tenant"] == "t2"]
    assert t2["checkouts_total"] == requests and t2["releases_total"] == requests


def test_resize_and_rotation_under_load_fail_no_request(gunicorn: Callable[..., Served], wire: Any) -> None:
    # Fixed-size pools (min = max): connections in use never need a new login while the database
    # already wants the new password and a worker has not rebuilt its pools yet.
    served = gunicorn(SERVED_POOL_MIN="2", SERVED_POOL_MAX="2")
    tenants = [f"t{i}" for i in range(4)]
    load = Load(served.port, [f"/t/{t}/one-query/" for t in tenants], concurrency=4).start()
    seconds = float(os.environ.get("OPS_LOAD_SECONDS", "0"))
    stop_at = threading.Event()
    if seconds:
        threading.Timer(seconds, stop_at.set).start()
    # Every worker has a pool of every tenant, fully open.
    eventually(lambda: all(clients_of(wire, f"T_{t}") == 2 * WORKERS for t in tenants), attempts=1200)

    out = manage(
        served, wire.dsn, "drcp_pools", "resize", "default", "--tenant", "t0", "--min", "3", "--max", "3"
    )
    assert "issued #1 resize default tenant=t0 min=3 max=3" in out
    # Each worker applies it on its next request: the server sees 3 connections of t0 per worker.
    eventually(lambda: clients_of(wire, "T_t0") == 3 * WORKERS, attempts=1200)
    # In multiprocess mode each worker writes its gauges every METRICS_SYNC_INTERVAL, so a scrape taken
    # just as the server counts the new connections may still hold one worker's previous size.
    eventually(
        lambda: total(scrape(served), "drcp_multi_pool_connections_max", tenant="t0") == 3 * WORKERS,
        attempts=200,
    )

    # Rotation: the database takes the new password (ALTER USER), the secret file gets it, then rotate.
    logins_before = wire.stats()["logins"]
    wire.add_user(USER, "served-secret-2")
    (served.directory / "password").write_text("served-secret-2")
    manage(served, wire.dsn, "drcp_pools", "rotate", "default")
    sent = load.sent
    eventually(lambda: load.sent >= sent + 200, attempts=2400)
    if seconds:
        stop_at.wait(seconds + 60)
    load.stop()

    print(f"resize + rotation under load: {load.sent} requests, {dict(load.statuses)}")  # -s shows it
    assert load.failures_before_mark() == 0 and load.statuses.keys() == {200}, load.outcomes
    # New pools logged in after the rotation (the server now accepts only the new password), and the
    # old password is refused: every connection in use carries the new one.
    assert wire.stats()["logins"] > logins_before
    with pytest.raises(oracledb.DatabaseError, match="ORA-01017"):
        oracledb.connect(user=USER, password=PASSWORD, dsn=wire.dsn)
    eventually(lambda: all(clients_of(wire, f"T_{t}") == (3 if t == "t0" else 2) * WORKERS for t in tenants))
