"""Threads for the tenancy tests; the handler drivers live in drcp_multi.testing.handlers."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_threads(*targets: Callable[[], object]) -> None:
    """Start a thread per target and wait for all of them."""
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
