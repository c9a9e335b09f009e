"""The wire server's own cost: round trips per second with one client and with eight.

Runs ``python -m oracle_emulator`` in a subprocess (so client and server do not share a GIL), then
drives it with the real python-oracledb thin driver for a fixed time per case:

* ``ping``   - a PING round trip: framing, dispatch and the DRCP bookkeeping only;
* ``select`` - ``SELECT 1 FROM DUAL`` through the SQL engine (re-execute with prefetch);

each over a dedicated connection and over a DRCP (``:pooled``) connection. Prints JSON, then a short
table. Bounded: about 2 s per case, under 30 s in all.

    python bench/emulator_bench.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import oracledb

ROOT = Path(__file__).resolve().parents[1]


def start_server() -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "oracle_emulator", "--port", "0", "--user", "bench/bench"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    host_port, service = line[3], line[5]
    return proc, f"{host_port}/{service}"


def run_case(dsn: str, work: str, clients: int, seconds: float) -> dict[str, Any]:
    conns = [oracledb.connect(user="bench", password="bench", dsn=dsn) for _ in range(clients)]
    counts = [0] * clients
    start_evt = threading.Event()
    deadline = 0.0

    def loop(i: int) -> None:
        conn = conns[i]
        cur = conn.cursor()
        start_evt.wait()
        n = 0
        while time.perf_counter() < deadline:
            if work == "ping":
                conn.ping()
            else:
                cur.execute("SELECT 1 FROM DUAL")
                cur.fetchall()
            n += 1
        counts[i] = n

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    deadline = began + seconds
    start_evt.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    for conn in conns:
        conn.close()
    total = sum(counts)
    return {
        "work": work,
        "clients": clients,
        "round_trips": total,
        "seconds": round(elapsed, 3),
        "round_trips_per_second": round(total / elapsed, 1),
        "mean_latency_ms": round(1000 * elapsed * clients / total, 3) if total else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of each case (max 3)")
    args = parser.parse_args()
    seconds = min(max(args.seconds, 0.2), 3.0)
    proc, dsn = start_server()
    try:
        results = []
        for mode, target in (("dedicated", dsn), ("pooled", dsn + ":pooled")):
            for work in ("ping", "select"):
                for clients in (1, 8):
                    case = run_case(target, work, clients, seconds)
                    case["mode"] = mode
                    results.append(case)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print(json.dumps({"benchmark": "emulator_round_trips", "results": results}, indent=2))
    print()
    print(f"{'mode':<10} {'work':<7} {'clients':>7} {'rt/s':>10} {'ms/rt':>8}")
    for r in results:
        print(
            f"{r['mode']:<10} {r['work']:<7} {r['clients']:>7} {r['round_trips_per_second']:>10.1f} "
            f"{r['mean_latency_ms']:>8.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
