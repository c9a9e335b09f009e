"""Drive bounded concurrent traffic at several tenants so the dashboard moves.

``python -m example_project.load --url http://localhost:8000/`` (or ``python -m example_project --load``).
Each worker sends one request at a time, so at most ``--concurrency`` requests are in flight. Tenants get
unequal shares (the first the most) so their classes differ on the dashboard. Requests go to 127.0.0.1
with the tenant in the Host header (acme.localhost) or in the path (/t/acme/), alternately, so both
resolvers are exercised without relying on the system resolving ``*.localhost``.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import random
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_CONCURRENCY = 32
PATHS = ("/", "/", "/api/whoami/")  # the task list (ORM + probe) twice as often as the probe alone


@dataclass
class LoadStats:
    sent: int = 0
    by_status: collections.Counter[int] = field(default_factory=collections.Counter)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int | None) -> None:
        with self.lock:
            self.sent += 1
            if status is None:
                self.errors += 1
            else:
                self.by_status[status] += 1

    def summary(self) -> str:
        with self.lock:
            codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.by_status.items()))
            return f"{self.sent} requests ({codes or 'none'}; connection errors: {self.errors})"


class LoadGenerator:
    """``concurrency`` threads, each looping request → think time until stopped or ``duration`` is up."""

    def __init__(
        self,
        url: str,
        tenants: Sequence[str],
        concurrency: int = 6,
        think: float = 0.05,
        duration: float | None = None,
        seed: int | None = None,
    ) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.connect_host = "127.0.0.1" if self.host.endswith("localhost") else self.host
        self.port = parts.port or 80
        self.tenants = list(tenants)
        self.weights = [len(self.tenants) - i for i in range(len(self.tenants))]
        self.concurrency = max(1, min(concurrency, MAX_CONCURRENCY))
        self.think = think
        self.deadline = None if not duration else time.monotonic() + duration
        self.stats = LoadStats()
        self.stopped = threading.Event()
        self._random = random.Random(seed)
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for i in range(self.concurrency):
            t = threading.Thread(target=self._worker, args=(i,), name=f"example-load-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self.stopped.set()
        for t in self._threads:
            t.join(timeout=5)

    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _worker(self, index: int) -> None:
        rng = random.Random(self._random.random() + index)
        conn: http.client.HTTPConnection | None = None
        n = 0
        while not self.stopped.is_set() and (self.deadline is None or time.monotonic() < self.deadline):
            tenant = rng.choices(self.tenants, weights=self.weights)[0]
            path = rng.choice(PATHS)
            n += 1
            if n % 2:
                host, target = f"{tenant}.localhost:{self.port}", path
            else:
                host, target = f"localhost:{self.port}", f"/t/{tenant}{path}"
            status = None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.connect_host, self.port, timeout=30)
                conn.request("GET", target, headers={"Host": host, "User-Agent": "drcp-multi-example-load"})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.will_close:
                    conn.close()
                    conn = None
            except OSError:
                if conn is not None:
                    conn.close()
                conn = None
                self.stopped.wait(0.5)  # the server is restarting or gone: back off, do not spin
            self.stats.add(status)
            if self.think:
                self.stopped.wait(rng.uniform(0, 2 * self.think))
        if conn is not None:
            conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://localhost:8000/", help="the example site (bare host)")
    parser.add_argument("--tenants", default="acme,globex,initech", help="comma-separated tenant names")
    parser.add_argument(
        "--concurrency", type=int, default=6, help=f"requests in flight (max {MAX_CONCURRENCY})"
    )
    parser.add_argument(
        "--think", type=float, default=0.05, help="mean pause between a worker's requests (s)"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds to run (0: until Ctrl-C)")
    args = parser.parse_args(argv)
    tenants = [t.strip() for t in args.tenants.split(",") if t.strip()]
    gen = LoadGenerator(args.url, tenants, args.concurrency, args.think, args.duration or None)
    print(f"load: {gen.concurrency} workers at {', '.join(tenants)} via {args.url}", flush=True)
    gen.start()
    try:
        while gen.running():
            time.sleep(5)
            print(f"load: {gen.stats.summary()}", flush=True)
    except KeyboardInterrupt:
        gen.stop()
    print(f"load done: {gen.stats.summary()}", flush=True)
    return 0 if gen.stats.sent and not gen.stats.errors else 1


if __name__ == "__main__":
    sys.exit(main())
