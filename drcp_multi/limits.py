"""Per-tenant caps on busy connections, so one tenant cannot take the whole pool.

The limiter is the registry's admission hook (``PoolRegistry.set_admission``, done by the app config):
the registry calls ``enter(alias, tenant)`` before it borrows a connection and ``leave(token)`` after
giving it back. The pool's own maximum stays the process-wide cap; a
tenant with ``max_busy = n`` holds at most ``n`` of those at once, and its extra requests wait at most
``timeout`` seconds (``DRCP_MULTI["TENANT_WAIT_TIMEOUT"]``, default 5) before :class:`TenantBusy` is
raised, which ``TenantMiddleware`` answers with HTTP 503. Other tenants are not held up meanwhile.
"""

from __future__ import annotations

import os
import threading
import time

from drcp_multi.conf import tenant_wait_timeout
from drcp_multi.exceptions import TenantBusy
from drcp_multi.tenant import Tenant

__all__ = ["TenantBusy", "TenantLimiter", "get_limiter"]


class TenantLimiter:
    """Counts busy connections per tenant name and blocks acquirers at the tenant's cap."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy: dict[str, int] = {}

    # The registry's admission hook: only tenants with a max_busy are counted.
    def enter(self, alias: str, subject: object) -> object:
        if isinstance(subject, Tenant) and subject.max_busy is not None:
            self.acquire(subject)
            return subject
        return None

    def leave(self, token: object) -> None:
        if token is not None:
            self.release(token)  # type: ignore[arg-type]  # the Tenant enter() returned

    def acquire(self, tenant: Tenant, timeout: float | None = None) -> None:
        """Take one slot; waits up to ``timeout`` s (None: TENANT_WAIT_TIMEOUT) and raises TenantBusy.

        The cap is read from ``tenant.max_busy`` on every call, so a catalog change applies at once.
        """
        if timeout is None:
            timeout = tenant_wait_timeout()
        name = tenant.name
        with self._cond:
            cap = tenant.max_busy
            if cap is not None and self._busy.get(name, 0) >= cap:
                deadline = time.monotonic() + timeout
                # One Condition for all tenants: a release wakes every waiter, and each re-checks its own
                # tenant's count; waiters are few (only tenants at their cap wait).
                while self._busy.get(name, 0) >= cap:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TenantBusy(tenant, timeout)
                    self._cond.wait(remaining)
            self._busy[name] = self._busy.get(name, 0) + 1

    def release(self, tenant: Tenant) -> None:
        """Give one slot back; raises RuntimeError if the tenant holds none (an unpaired release)."""
        name = tenant.name
        with self._cond:
            busy = self._busy.get(name, 0)
            if busy <= 0:
                raise RuntimeError(f"limiter: release for tenant {name!r} without a matching acquire")
            if busy == 1:
                del self._busy[name]
            else:
                self._busy[name] = busy - 1
            self._cond.notify_all()

    def busy(self, tenant: Tenant | str | None = None) -> int:
        """Slots held by one tenant, or by all tenants together."""
        with self._cond:
            if tenant is None:
                return sum(self._busy.values())
            return self._busy.get(tenant if isinstance(tenant, str) else tenant.name, 0)

    def stats(self) -> dict[str, int]:
        """Busy slots per tenant name (tenants holding none are left out)."""
        with self._cond:
            return dict(self._busy)

    def _after_fork_in_child(self) -> None:
        # The parent's checkouts are not the child's (the registry forgets them): none of their slots is
        # ever released here. A new Condition too: another thread may have held the old one at fork time.
        self._cond = threading.Condition()
        self._busy = {}


_limiter = TenantLimiter()


def get_limiter() -> TenantLimiter:
    """The process-wide limiter the registry uses."""
    return _limiter


os.register_at_fork(after_in_child=lambda: _limiter._after_fork_in_child())
