"""The tenant ContextVar: nesting, decorators, and propagation into tasks, threads and sync_to_async."""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import async_to_sync, iscoroutinefunction, sync_to_async

from drcp_multi.tenancy.catalog import Tenant, UnknownTenant
from drcp_multi.tenancy.context import (
    TenantThreadPoolExecutor,
    TraceAttributes,
    get_current_tenant,
    get_trace_attributes,
    submit_with_context,
    tenant_context,
    update_trace_attributes,
    wrap_with_context,
)
from tests.tenancy.handlers import run_threads

A = Tenant(name="a", alias="default", cclass="T_a")
B = Tenant(name="b", alias="default", cclass="T_b")


def current_name() -> str | None:
    tenant = get_current_tenant()
    return tenant.name if tenant else None


def test_nesting_restores_outer_tenant_and_trace() -> None:
    assert get_current_tenant() is None
    with tenant_context(A) as entered:
        assert entered is A
        assert get_trace_attributes() == TraceAttributes(client_identifier="a")
        with tenant_context(B):
            assert current_name() == "b"
            assert get_trace_attributes() == TraceAttributes(client_identifier="b")
        assert current_name() == "a"
        with tenant_context(None):
            assert get_current_tenant() is None
        assert current_name() == "a"
    assert get_current_tenant() is None
    assert get_trace_attributes() is None


def test_restored_when_the_block_raises() -> None:
    with pytest.raises(ZeroDivisionError), tenant_context(A):
        1 / 0  # noqa: B018
    assert get_current_tenant() is None


def test_same_instance_reentered() -> None:
    ctx = tenant_context(A)
    with ctx, tenant_context(B), ctx:
        assert current_name() == "a"
    assert get_current_tenant() is None


def test_trace_kept_from_outer_block_and_reset_by_it() -> None:
    with tenant_context(A, TraceAttributes("a", "shop", "checkout")):
        with tenant_context(B):
            assert get_trace_attributes() == TraceAttributes("b", "shop", "checkout")
        update_trace_attributes(action="pay")
        assert get_trace_attributes() == TraceAttributes("a", "shop", "pay")
    assert get_trace_attributes() is None


def test_name_is_looked_up_in_the_catalog(tenants: None) -> None:
    with tenant_context("globex") as tenant:
        assert tenant is not None and tenant.cclass == "GLOBEX_CC"
        assert current_name() == "globex"
    with pytest.raises(UnknownTenant), tenant_context("initech"):  # disabled
        pass
    assert get_current_tenant() is None


def test_decorator_sync_recursive_and_threads() -> None:
    @tenant_context(A)
    def depth(n: int) -> list[str | None]:
        if n == 0:
            return [current_name()]
        return [current_name(), *depth(n - 1)]

    assert depth(3) == ["a"] * 4
    assert get_current_tenant() is None
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda _: depth(2), range(8))) == [["a"] * 3] * 8


def test_decorator_async() -> None:
    @tenant_context(B)
    async def work() -> str | None:
        await asyncio.sleep(0)
        return current_name()

    assert iscoroutinefunction(work)
    assert asyncio.run(work()) == "b"
    assert get_current_tenant() is None


def test_asyncio_tasks_are_isolated() -> None:
    async def serve(tenant: Tenant, seen: list[str | None]) -> None:
        with tenant_context(tenant):
            for _ in range(20):
                await asyncio.sleep(0)  # interleave with the other tasks
                seen.append(current_name())

    async def main() -> dict[str, list[str | None]]:
        seen: dict[str, list[str | None]] = {"a": [], "b": []}
        await asyncio.gather(serve(A, seen["a"]), serve(B, seen["b"]), serve(A, seen["a"]))
        return seen

    seen = asyncio.run(main())
    assert seen == {"a": ["a"] * 40, "b": ["b"] * 20}


def test_sync_to_async_and_async_to_sync_carry_the_tenant() -> None:
    async def in_async() -> tuple[str | None, str | None, str | None]:
        with tenant_context(A):
            sensitive = await sync_to_async(current_name)()
            insensitive = await sync_to_async(current_name, thread_sensitive=False)()
            task = await asyncio.create_task(sync_to_async(current_name)())
            return sensitive, insensitive, task

    assert asyncio.run(in_async()) == ("a", "a", "a")

    async def async_name() -> str | None:
        return current_name()

    with tenant_context(B):
        assert async_to_sync(async_name)() == "b"


def test_plain_thread_pool_loses_the_tenant_and_helpers_carry_it() -> None:
    with tenant_context(A), ThreadPoolExecutor(2) as pool:
        assert pool.submit(current_name).result() is None  # why the helpers exist
        assert submit_with_context(pool, current_name).result() == "a"
        assert wrap_with_context(current_name)() == "a"
        wrapped = wrap_with_context(current_name)
        assert pool.submit(wrapped).result() == "a"
    with tenant_context(B), TenantThreadPoolExecutor(2) as pool:
        assert list(pool.map(lambda _: current_name(), range(4))) == ["b"] * 4


def test_run_in_executor_needs_the_context_executor() -> None:
    async def main() -> tuple[Any, Any, Any]:
        loop = asyncio.get_running_loop()
        with tenant_context(A), TenantThreadPoolExecutor(1) as pool:
            plain = await loop.run_in_executor(None, current_name)
            ours = await loop.run_in_executor(pool, current_name)
            to_thread = await asyncio.to_thread(current_name)
        return plain, ours, to_thread

    assert asyncio.run(main()) == (None, "a", "a")


def test_threads_never_see_each_others_tenant() -> None:
    errors: list[str] = []
    barrier = threading.Barrier(6)

    def worker(i: int) -> None:
        tenant = Tenant(name=f"t{i}", alias="default", cclass=f"T_t{i}")
        barrier.wait()
        for _ in range(200):
            with tenant_context(tenant):
                if current_name() != tenant.name:
                    errors.append(f"{tenant.name} saw {current_name()}")

    run_threads(*(functools.partial(worker, i) for i in range(6)))
    assert errors == []


def test_decorator_refuses_generator_functions() -> None:
    """A generator's body runs when it is iterated, after a decorator's block has been left: it would
    run as whatever tenant the *caller* has (another tenant's, say). Refused, with the way to do it."""

    def rows() -> Any:
        yield current_name()

    async def arows() -> Any:
        yield current_name()

    for func in (rows, arows):
        with pytest.raises(TypeError, match=r"generator.*with tenant_context"):
            tenant_context(A)(func)
    with tenant_context(B):  # what the decorator would have done: run the body as the caller's tenant
        assert list(rows()) == ["b"]
