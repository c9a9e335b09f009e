"""Per-tenant caps on busy connections, so one tenant cannot take the whole pool.

The registry calls ``get_limiter().acquire(tenant, timeout)`` before it borrows a connection for a
tenant and ``release(tenant)`` after giving it back. The pool's own maximum stays the process-wide cap; a
tenant with ``max_busy = n`` holds at most ``n`` of those at once, and its extra requests wait at most
``timeout`` seconds (``DRCP_MULTI["TENANT_WAIT_TIMEOUT"]``, default 5) before :class:`TenantBusy` is
raised, which ``TenantMiddleware`` answers with HTTP 503. Other tenants are not held up meanwhile.
"""

from __future__ import annotations

import os
import threading
import time

from drcp_multi.exceptions import PoolTimeout
from drcp_multi.tenancy.catalog import Tenant, tenancy_setting

DEFAULT_WAIT_TIMEOUT = 5.0


class TenantBusy(PoolTimeout):
    """A tenant stayed at its ``max_busy`` cap for the whole wait; HTTP 503 from the middleware.

    A :class:`~drcp_multi.exceptions.PoolTimeout` (so an ``oracledb.OperationalError``): raised during a
    checkout inside the ORM, it reaches the view as Django's ``OperationalError`` with this as its cause.
    """

    def __init__(self, tenant: Tenant, timeout: float) -> None:
        super().__init__(
            f"tenant {tenant.name!r} already holds its max_busy={tenant.max_busy} connections; "
            f"none was released within {timeout:g} s (DRCP_MULTI['TENANT_WAIT_TIMEOUT']). If the tenant "
            "needs more at once, raise its max_busy in the catalog; otherwise shorten the work done while "
            "holding a connection."
        )
        self.tenant = tenant
        self.timeout = timeout


class TenantLimiter:
    """Counts busy connections per tenant name and blocks acquirers at the tenant's cap."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy: dict[str, int] = {}

    def acquire(self, tenant: Tenant, timeout: float | None = None) -> None:
        """Take one slot; waits up to ``timeout`` s (None: TENANT_WAIT_TIMEOUT) and raises TenantBusy.

        The cap is read from ``tenant.max_busy`` on every call, so a catalog change applies at once.
        """
        if timeout is None:
            timeout = float(tenancy_setting("TENANT_WAIT_TIMEOUT", DEFAULT_WAIT_TIMEOUT))
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
