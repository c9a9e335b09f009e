"""An alias cap of 4 over 8 tenant pools, through Django's WSGI handler from 16 threads: from the wire
server's side, never more than 4 checkouts hold a pooled server session at once, and every tenant is
served.

"Hold", from the server's side, is the span between a request's first and last statement on its session
(its statement log): those spans lie inside the client's checkout, and the next checkout of a slot is
sent only after the previous holder's last answer came back, so their overlap is exact. (The broker's own
busy count is not: the DRCP release is a one-way message, and the server may read it after the next
holder's first call arrived on another socket.)"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings

from drcp_multi.limits import AliasLimit, get_alias_cap
from drcp_multi.testing.handlers import wsgi_get

pytestmark = [pytest.mark.emulator_only, pytest.mark.usefixtures("wire")]

TENANTS = [f"t{i}" for i in range(8)]
CAP = 4
THREADS = 16
PER_THREAD = 12


def holding_spans(records: list[Any]) -> list[tuple[Any, Any, str]]:
    """(first, last, class) per request of /brief-hold/: SELECT 1 … SELECT 2 on one session."""
    opened: dict[tuple[int, int], Any] = {}
    spans = []
    for record in records:
        sql = record.sql.strip().upper()
        key = (record.sid, record.serial)
        if sql == "SELECT 1 FROM DUAL":
            opened[key] = record.ts
        elif sql == "SELECT 2 FROM DUAL" and key in opened:
            spans.append((opened.pop(key), record.ts, str(record.cclass)))
    return spans


def most_at_once(spans: list[tuple[Any, Any, str]]) -> int:
    # Ends sort before starts at the same instant: an end is causally earlier than the next start.
    events = sorted([(start, 1) for start, _, _ in spans] + [(end, -1) for _, end, _ in spans])
    now = peak = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def run_load(handler: WSGIHandler) -> Counter[int]:
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def client(index: int) -> None:
        for n in range(PER_THREAD):
            tenant = TENANTS[(index + n) % len(TENANTS)]
            status = wsgi_get(handler, "/brief-hold/", {"X-Tenant": tenant})[0]
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return statuses


def settings(cap: int | None) -> dict[str, Any]:
    keys: dict[str, Any] = {
        "TENANCY_MODE": "pool_per_tenant",
        "CCLASS_PREFIX": "T_",
        "TENANTS": {name: {} for name in TENANTS},
        "RESOLVERS": ["header"],
    }
    if cap is not None:
        keys["ALIAS_LIMITS"] = {"default": {"max_busy": cap, "wait_timeout": 30}}
    return keys


@pytest.mark.parametrize("cap", [CAP, None], ids=["capped", "uncapped"])
def test_eight_tenant_pools_under_an_alias_cap(wire: Any, cap: int | None) -> None:
    first = len(wire.statements())
    with override_settings(MIDDLEWARE=["drcp_multi.middleware.TenantMiddleware"], DRCP_MULTI=settings(cap)):
        statuses = run_load(WSGIHandler())
        stats = [c for c in get_alias_cap().stats() if c.alias == "default"]
    assert statuses == {200: THREADS * PER_THREAD}
    spans = holding_spans(wire.statements()[first:])
    assert len(spans) == THREADS * PER_THREAD
    per_tenant = Counter(cclass for _, _, cclass in spans)
    assert per_tenant == {f"T_{t}": THREADS * PER_THREAD // len(TENANTS) for t in TENANTS}  # all served
    if cap is None:
        # The control: 8 pools of max 4 let more than 4 hold sessions at once, so the test can fail.
        assert most_at_once(spans) > CAP
    else:
        assert most_at_once(spans) == CAP  # never more; and the cap was reached
        (alias,) = stats
        assert alias.queued > 0 and alias.rejected == 0 and alias.busy == 0


def test_a_cap_set_at_run_time_holds_for_routes_already_served_without_one(wire: Any) -> None:
    # The registry remembers per route that no admission applies and skips it on later checkouts; a cap
    # set at run time (not through settings) must make it ask again.
    with override_settings(MIDDLEWARE=["drcp_multi.middleware.TenantMiddleware"], DRCP_MULTI=settings(None)):
        handler = WSGIHandler()
        assert run_load(handler) == {200: THREADS * PER_THREAD}  # every tenant's route served uncapped
        first = len(wire.statements())
        get_alias_cap().set_limits({"default": AliasLimit(max_busy=CAP, wait_timeout=30)})
        try:
            statuses = run_load(handler)
        finally:
            get_alias_cap().set_limits(None)
    assert statuses == {200: THREADS * PER_THREAD}
    spans = holding_spans(wire.statements()[first:])
    assert len(spans) == THREADS * PER_THREAD
    assert most_at_once(spans) == CAP
