"""Per-tenant caps on busy connections, so one tenant cannot take the whole pool.

The limiter is the registry's admission hook (``PoolRegistry.set_admission``, done by the app config):
the registry calls ``enter(alias, tenant)`` before it borrows a connection and ``leave(token)`` after
giving it back. The pool's own maximum stays the process-wide cap; a
tenant with ``max_busy = n`` holds at most ``n`` of those at once, and its extra requests wait at most
``timeout`` seconds (``DRCP_MULTI["TENANT_WAIT_TIMEOUT"]``, default 5) before :class:`TenantBusy` is
raised, which ``TenantMiddleware`` answers with HTTP 503. Other tenants are not held up meanwhile.
"""

from __future__ import annotations

import collections
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drcp_multi.conf import drcp_setting, tenant_wait_timeout
from drcp_multi.exceptions import AliasBusy, TenantBusy
from drcp_multi.tenant import Tenant

__all__ = [
    "AdmissionChain",
    "AliasBusy",
    "AliasCap",
    "AliasLimit",
    "TenantBusy",
    "TenantLimiter",
    "get_alias_cap",
    "get_limiter",
    "parse_alias_limits",
]


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

    def applies(self, alias: str, subject: object) -> bool:
        """Whether :meth:`enter` would take a slot for ``subject`` (a Tenant is frozen: its max_busy does not
        change; a catalog change makes a new Tenant)."""
        return isinstance(subject, Tenant) and subject.max_busy is not None

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


# -- a cap per alias, across its tenant pools ----------------------------------------------------------


@dataclass(frozen=True)
class AliasLimit:
    """The cap of one alias: at most ``max_busy`` connections checked out at once across all its pools,
    at most ``max_waiting`` checkouts queued for a slot (None: no bound; 0: never queue), each waiting at
    most ``wait_timeout`` seconds (None: ``TENANT_WAIT_TIMEOUT``)."""

    max_busy: int
    max_waiting: int | None = None
    wait_timeout: float | None = None


def parse_alias_limits(value: object) -> dict[str, AliasLimit]:
    """``DRCP_MULTI['ALIAS_LIMITS']`` (``{alias: {"max_busy": n, "max_waiting": m, "wait_timeout": s}}``)
    checked: ValueError naming the key for anything that is not a finite number in range."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError("DRCP_MULTI['ALIAS_LIMITS'] must be a dict {alias: {'max_busy': n, ...}}")
    limits: dict[str, AliasLimit] = {}
    for alias, spec in value.items():
        where = f"DRCP_MULTI['ALIAS_LIMITS'][{alias!r}]"
        if isinstance(spec, int) and not isinstance(spec, bool):
            spec = {"max_busy": spec}
        if not isinstance(spec, Mapping):
            raise ValueError(f"{where} must be a dict with 'max_busy' (and 'max_waiting', 'wait_timeout')")
        unknown = set(spec) - {"max_busy", "max_waiting", "wait_timeout"}
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")
        max_busy = spec.get("max_busy")
        if not isinstance(max_busy, int) or isinstance(max_busy, bool) or max_busy < 1:
            raise ValueError(f"{where}['max_busy'] must be an integer >= 1, not {max_busy!r}")
        max_waiting = spec.get("max_waiting")
        if max_waiting is not None and (
            not isinstance(max_waiting, int) or isinstance(max_waiting, bool) or max_waiting < 0
        ):
            raise ValueError(f"{where}['max_waiting'] must be an integer >= 0 or None, not {max_waiting!r}")
        wait = spec.get("wait_timeout")
        if wait is not None and (
            isinstance(wait, bool)
            or not isinstance(wait, (int, float))
            or not math.isfinite(wait)
            or wait < 0
        ):
            raise ValueError(f"{where}['wait_timeout'] must be a finite number of seconds >= 0, not {wait!r}")
        limits[str(alias)] = AliasLimit(max_busy, max_waiting, None if wait is None else float(wait))
    return limits


@dataclass(eq=False)
class _Waiter:
    tenant: str
    granted: bool = False


@dataclass(eq=False)
class _Gate:
    """One alias's slots and its queue: one FIFO per tenant, served round-robin between tenants."""

    limit: AliasLimit
    busy: int = 0
    queues: dict[str, collections.deque[_Waiter]] = field(default_factory=dict)
    turn: collections.deque[str] = field(default_factory=collections.deque)  # tenants with waiters
    waiting: int = 0
    granted_total: int = 0
    rejected_total: int = 0
    queued_total: int = 0  # checkouts that found the alias full and waited


@dataclass(frozen=True, eq=False)
class AliasToken:
    """What :meth:`AliasCap.enter` hands out and :meth:`AliasCap.leave` takes back."""

    alias: str
    tenant: str


@dataclass(frozen=True)
class AliasCapStats:
    alias: str
    max_busy: int
    busy: int
    waiting: int
    granted: int
    rejected: int
    queued: int


class AliasCap:
    """An admission object for the registry (``registry.set_admission()``): the connections checked out of
    an alias, summed over all its pools (one per tenant in ``pool_per_tenant`` mode), never exceed its
    ``max_busy``.

    Fair between tenants: a checkout that finds the alias full queues behind its own tenant's earlier
    ones, and each release hands the slot straight to the head of the next tenant's queue in turn
    (round-robin), so a waiting tenant is served within as many releases as tenants are waiting, however
    many requests another tenant queues. ``max_waiting`` bounds the queue: past it a checkout fails at
    once with :class:`AliasBusy` (HTTP 503 with Retry-After), as does a wait longer than ``wait_timeout``.

    The cap is per process (like ``POOL['max']``): with W worker processes the database sees at most
    W * ``max_busy`` busy connections of the alias. Aliases without a limit pass straight through.
    """

    def __init__(self, limits: Mapping[str, AliasLimit] | None = None) -> None:
        self._fixed = dict(limits) if limits is not None else None
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._gates: dict[str, _Gate] = {}
        self._limits: dict[str, AliasLimit] | None = self._fixed
        self._on_change: tuple[Callable[[], None], ...] = ()

    def add_change_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` whenever the limits may have changed (:meth:`applies` may answer otherwise):
        the registry's :meth:`~drcp_multi.registry.PoolRegistry.admission_changed`."""
        if listener not in self._on_change:
            self._on_change = (*self._on_change, listener)

    def _changed(self) -> None:
        for listener in self._on_change:
            listener()

    def applies(self, alias: str, tenant: object = None) -> bool:
        """Whether ``alias`` has a cap (then :meth:`enter` takes a slot)."""
        return alias in self.limits()

    def limits(self) -> dict[str, AliasLimit]:
        """The limits in force (from ``DRCP_MULTI['ALIAS_LIMITS']`` unless given to the constructor)."""
        limits = self._limits
        if limits is None:
            limits = self._limits = parse_alias_limits(drcp_setting("ALIAS_LIMITS"))
        return limits

    def set_limits(self, limits: Mapping[str, AliasLimit] | None) -> None:
        """Replace the limits now (instead of ``ALIAS_LIMITS``; None: back to ``ALIAS_LIMITS``); a raised
        cap admits waiters at once. Raises ConfigurationError when None and ``ALIAS_LIMITS`` is invalid."""
        with self._cond:
            self._fixed = dict(limits) if limits is not None else None
            current = self._limits = (
                self._fixed if self._fixed is not None else parse_alias_limits(drcp_setting("ALIAS_LIMITS"))
            )
            for alias, gate in list(self._gates.items()):
                limit = current.get(alias)
                if limit is None:  # no cap any more: everybody waiting goes
                    limit = AliasLimit(max(gate.busy + gate.waiting, 1))
                self._gates[alias] = regated = self._regate(gate, limit)
                self._fill(regated)
            self._cond.notify_all()
        self._changed()

    def settings_changed(self) -> None:
        """Re-read ``ALIAS_LIMITS`` on the next checkout (connected to Django's ``setting_changed``)."""
        if self._fixed is None:
            self._limits = None
            self._changed()

    def enter(self, alias: str, tenant: object = None) -> AliasToken | None:
        """Take a slot of ``alias`` for ``tenant`` (a Tenant, a name or None); None when the alias has no
        cap. Raises :class:`AliasBusy`."""
        limits = self._limits  # limits() inlined: this runs on every checkout
        if limits is None:
            limits = self.limits()
        limit = limits.get(alias)
        if limit is None:
            return None
        name = str(getattr(tenant, "name", tenant) or "")
        with self._cond:
            gate = self._gates.get(alias)
            if gate is None or gate.limit != limit:
                gate = self._gates[alias] = self._regate(gate, limit)
                if self._fill(gate):
                    self._cond.notify_all()
            if gate.busy < limit.max_busy and gate.waiting == 0:
                gate.busy += 1
                gate.granted_total += 1
                return AliasToken(alias, name)
            if limit.max_waiting is not None and gate.waiting >= limit.max_waiting:
                gate.rejected_total += 1
                raise AliasBusy(
                    alias,
                    "max_waiting",
                    f"alias {alias!r} has all its max_busy={limit.max_busy} connections checked out and "
                    f"max_waiting={limit.max_waiting} checkouts already queued "
                    f"(DRCP_MULTI['ALIAS_LIMITS'][{alias!r}]['max_waiting']): refused at once. Raise "
                    "max_busy (the database must have the pooled servers for it) or shorten the work done "
                    "while holding a connection.",
                )
            timeout = limit.wait_timeout
            if timeout is None:
                timeout = tenant_wait_timeout()
            waiter = _Waiter(name)
            queue = gate.queues.get(name)
            if queue is None:
                queue = gate.queues[name] = collections.deque()
                gate.turn.append(name)
            queue.append(waiter)
            gate.waiting += 1
            gate.queued_total += 1
            deadline = time.monotonic() + timeout
            while not waiter.granted:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._withdraw(gate, waiter)
                    gate.rejected_total += 1
                    raise AliasBusy(
                        alias,
                        "max_busy",
                        f"alias {alias!r} kept all its max_busy={limit.max_busy} connections checked out "
                        f"for {timeout:g} s (DRCP_MULTI['ALIAS_LIMITS'][{alias!r}]['max_busy'], waited "
                        "per 'wait_timeout' or TENANT_WAIT_TIMEOUT). Raise max_busy (the database must "
                        "have the pooled servers for it) or shorten the work done while holding a "
                        "connection.",
                    )
                self._cond.wait(remaining)
            gate.granted_total += 1
            return AliasToken(alias, name)

    def leave(self, token: AliasToken | None) -> None:
        """Give the slot back, straight to the next waiting tenant's oldest checkout if any."""
        if token is None:
            return
        with self._cond:
            gate = self._gates.get(token.alias)
            if gate is None:  # forgotten after fork: the parent's slot
                return
            if gate.turn and gate.busy <= gate.limit.max_busy:
                self._hand_over(gate)
                self._cond.notify_all()
            elif gate.busy > 0:  # nobody waits, or the cap was lowered: the slot goes away
                gate.busy -= 1

    def stats(self) -> list[AliasCapStats]:
        with self._cond:
            return [
                AliasCapStats(
                    a, g.limit.max_busy, g.busy, g.waiting, g.granted_total, g.rejected_total, g.queued_total
                )
                for a, g in sorted(self._gates.items())
            ]

    def busy(self, alias: str) -> int:
        with self._cond:
            gate = self._gates.get(alias)
            return gate.busy if gate is not None else 0

    @staticmethod
    def _regate(old: _Gate | None, limit: AliasLimit) -> _Gate:
        # A changed limit keeps the slots already held and the queue (in order).
        gate = _Gate(limit)
        if old is not None:
            gate.busy, gate.queues, gate.turn, gate.waiting = old.busy, old.queues, old.turn, old.waiting
            gate.granted_total, gate.rejected_total = old.granted_total, old.rejected_total
            gate.queued_total = old.queued_total
        return gate

    @classmethod
    def _fill(cls, gate: _Gate) -> bool:
        """Under the lock, after the cap was raised: grant the new slots to waiters in turn."""
        granted = False
        while gate.turn and gate.busy < gate.limit.max_busy:
            cls._hand_over(gate)
            gate.busy += 1
            granted = True
        return granted

    @staticmethod
    def _hand_over(gate: _Gate) -> None:
        """Under the lock, with a slot being given back: grant it to the next tenant in turn (the slot
        stays counted as busy: it changes hands)."""
        name = gate.turn.popleft()
        queue = gate.queues[name]
        waiter = queue.popleft()
        waiter.granted = True
        gate.waiting -= 1
        if queue:
            gate.turn.append(name)
        else:
            del gate.queues[name]

    @staticmethod
    def _withdraw(gate: _Gate, waiter: _Waiter) -> None:
        queue = gate.queues.get(waiter.tenant)
        if queue is None:
            return
        queue.remove(waiter)
        gate.waiting -= 1
        if not queue:
            del gate.queues[waiter.tenant]
            gate.turn.remove(waiter.tenant)

    def after_fork_in_child(self) -> None:
        # The parent's slots are not the child's; a new lock: another thread may have held it at fork.
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._gates = {}


_alias_cap = AliasCap()


def get_alias_cap() -> AliasCap:
    """The process-wide alias cap (install it with ``get_registry().set_admission(...)``; see
    :func:`drcp_multi.limits.install_admission`)."""
    return _alias_cap


os.register_at_fork(after_in_child=lambda: _alias_cap.after_fork_in_child())


class AdmissionChain:
    """Several admission objects in front of the registry's checkouts, entered in order (the tenant's
    cap first, so a tenant at its own cap never holds a place in the alias's queue) and left in reverse.
    If one refuses, those already entered are left at once."""

    def __init__(self, *admissions: Any) -> None:
        self.admissions = admissions
        self._enters = tuple((admission, admission.enter) for admission in admissions)  # bound once

    def enter(self, alias: str, subject: object) -> list[tuple[Any, object]] | None:
        # The token: the (admission, token) pairs that took a slot, None when none did (no cap applies,
        # the usual case: then nothing is allocated and the release has nothing to do).
        taken: list[tuple[Any, object]] | None = None
        try:
            for admission, enter in self._enters:
                token = enter(alias, subject)
                if token is not None:
                    if taken is None:
                        taken = []
                    taken.append((admission, token))
        except BaseException:
            if taken is not None:
                self.leave(taken)
            raise
        return taken

    def applies(self, alias: str, subject: object) -> bool:
        """Whether any admission of the chain applies (one without ``applies`` always does)."""
        for admission in self.admissions:
            applies = getattr(admission, "applies", None)
            if applies is None or applies(alias, subject):
                return True
        return False

    def leave(self, token: object) -> None:
        if isinstance(token, list):
            for admission, one in reversed(token):
                admission.leave(one)
