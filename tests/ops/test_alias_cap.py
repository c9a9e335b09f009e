"""AliasCap: the admission object that caps an alias across its tenant pools (no database needed)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from drcp_multi.limits import (
    AdmissionChain,
    AliasBusy,
    AliasCap,
    AliasLimit,
    AliasToken,
    parse_alias_limits,
)


def wait_until(predicate: Callable[[], bool]) -> None:
    """Spin (with a bound on iterations, not on time) until the other threads reached their state."""
    event = threading.Event()
    for _ in range(10_000):
        if predicate():
            return
        event.wait(0.001)
    raise AssertionError("state not reached")


def test_unlimited_alias_passes_through() -> None:
    cap = AliasCap({"other": AliasLimit(1)})
    assert cap.enter("default", "acme") is None
    cap.leave(None)


def test_never_more_than_max_busy_and_waiters_are_served_round_robin_between_tenants() -> None:
    cap = AliasCap({"default": AliasLimit(max_busy=2, wait_timeout=30)})
    held = [cap.enter("default", "a"), cap.enter("default", "a")]
    assert cap.busy("default") == 2
    served: list[str] = []
    tokens: list[AliasToken | None] = []
    lock = threading.Lock()

    def wait_for_slot(tenant: str) -> None:
        token = cap.enter("default", tenant)
        with lock:
            served.append(tenant)
            tokens.append(token)

    # Tenant a queues 4 checkouts before b and c queue one each.
    threads = []
    for tenant in ["a", "a", "a", "a", "b", "c"]:
        t = threading.Thread(target=wait_for_slot, args=(tenant,))
        t.start()
        threads.append(t)
        queued = len(threads)
        wait_until(lambda: cap.stats()[0].waiting == queued)  # noqa: B023 - called at once
    # Hand slots back one at a time: each goes to the next tenant in turn, not to a's long queue.
    for i in range(6):
        token = held.pop(0) if held else tokens[i - 2]
        cap.leave(token)
        wait_until(lambda i=i: len(served) == i + 1)
        assert cap.busy("default") <= 2
    for t in threads:
        t.join()
    assert served[:3] == ["a", "b", "c"]  # b and c were served within 3 releases despite a's 4 waiters
    assert sorted(served) == ["a", "a", "a", "a", "b", "c"]
    stats = cap.stats()[0]
    assert (stats.busy, stats.waiting, stats.granted, stats.rejected) == (2, 0, 8, 0)


def test_max_waiting_refuses_at_once_naming_the_setting() -> None:
    cap = AliasCap({"default": AliasLimit(max_busy=1, max_waiting=0)})
    token = cap.enter("default", "a")
    with pytest.raises(AliasBusy) as info:
        cap.enter("default", "b")
    assert info.value.limit == "max_waiting"
    assert info.value.setting == "DRCP_MULTI['ALIAS_LIMITS']['default']['max_waiting']"
    assert "max_waiting=0" in str(info.value)
    cap.leave(token)
    assert cap.enter("default", "b") is not None
    assert cap.stats()[0].rejected == 1


def test_wait_timeout_gives_up_and_leaves_the_queue() -> None:
    cap = AliasCap({"default": AliasLimit(max_busy=1, wait_timeout=0)})
    token = cap.enter("default", "a")
    with pytest.raises(AliasBusy) as info:
        cap.enter("default", "b")
    assert info.value.limit == "max_busy"
    assert cap.stats()[0].waiting == 0
    cap.leave(token)
    assert cap.busy("default") == 0


def test_raising_the_cap_admits_waiters_at_once() -> None:
    cap = AliasCap({"default": AliasLimit(max_busy=1, wait_timeout=30)})
    cap.enter("default", "a")
    got: list[AliasToken | None] = []
    t = threading.Thread(target=lambda: got.append(cap.enter("default", "b")))
    t.start()
    wait_until(lambda: cap.stats()[0].waiting == 1)
    cap.set_limits({"default": AliasLimit(max_busy=2, wait_timeout=30)})
    t.join(10)
    assert got and got[0] is not None
    assert cap.busy("default") == 2 and cap.stats()[0].waiting == 0


@pytest.mark.parametrize(
    "value",
    [
        {"default": {"max_busy": 0}},
        {"default": {"max_busy": 2, "wait_timeout": float("nan")}},
        {"default": {"max_busy": 2, "wait_timeout": float("inf")}},
        {"default": {"max_busy": 2, "max_waiting": -1}},
        {"default": {"max_busy": 2, "bogus": 1}},
        ["default"],
    ],
)
def test_bad_limits_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="ALIAS_LIMITS"):
        parse_alias_limits(value)


def test_limits_shorthand() -> None:
    assert parse_alias_limits({"default": 4}) == {"default": AliasLimit(4)}


class Recorder:
    def __init__(self, name: str, log: list[str], refuse: bool = False) -> None:
        self.name, self.log, self.refuse = name, log, refuse

    def enter(self, alias: str, subject: object) -> str:
        if self.refuse:
            raise AliasBusy(alias, "max_busy", "refused")
        self.log.append(f"enter {self.name}")
        return self.name

    def leave(self, token: object) -> None:
        self.log.append(f"leave {token}")


def test_admission_chain_enters_in_order_and_gives_back_on_refusal() -> None:
    log: list[str] = []
    chain = AdmissionChain(Recorder("tenant", log), Recorder("alias", log))
    token = chain.enter("default", "acme")
    chain.leave(token)
    assert log == ["enter tenant", "enter alias", "leave alias", "leave tenant"]
    log.clear()
    refusing = AdmissionChain(Recorder("tenant", log), Recorder("alias", log, refuse=True))
    with pytest.raises(AliasBusy):
        refusing.enter("default", "acme")
    assert log == ["enter tenant", "leave tenant"]


class Uncapped:
    """An admission with no cap for anybody: takes no slot."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def enter(self, alias: str, subject: object) -> None:
        self.log.append("enter")
        return None

    def leave(self, token: object) -> None:
        self.log.append(f"leave {token}")


def test_admission_chain_without_a_slot_taken_gives_a_none_token_and_leaves_nothing() -> None:
    log: list[str] = []
    chain = AdmissionChain(Uncapped(log), Recorder("alias", log))
    token = chain.enter("default", "acme")
    chain.leave(token)
    # Only the admission that took a slot gets it back.
    assert log == ["enter", "enter alias", "leave alias"]
    log.clear()
    uncapped = AdmissionChain(Uncapped(log), Uncapped(log))
    assert uncapped.enter("default", "acme") is None
    uncapped.leave(None)
    assert log == ["enter", "enter"]
