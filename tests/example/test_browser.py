"""What a person sees: two tenants' pages and the dashboard in headless Chromium.

Needs Debian's ``chromium`` package and the ``playwright`` Python package (never ``playwright install``:
the browser is the system's). Skipped with the reason when either is absent.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from example_project.screenshot import CHROMIUM_ARGS
from tests.example.conftest import Site

CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
    )
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


def test_two_tenants_and_the_dashboard(site: Site, page: Any) -> None:
    from playwright.sync_api import expect

    # acme by subdomain, as a person types it.
    page.goto(f"http://acme.localhost:{site.port}/")
    expect(page.get_by_test_id("tenant-heading")).to_have_text("Acme tasks")
    footer = page.get_by_test_id("served-by")
    expect(footer).to_contain_text("Served for acme")
    expect(footer).to_contain_text("DRCP class T_acme")
    expect(footer.locator('[data-field="sid"]')).to_have_text(re.compile(r"^\d+$"))

    # Add a task when the ORM is available; otherwise the page must say storage is pending.
    if page.get_by_test_id("orm-pending").count():
        expect(page.get_by_test_id("orm-pending")).to_contain_text("Task storage is")
        expect(page.get_by_test_id("orm-pending")).to_contain_text("ORA-")
    else:
        page.get_by_placeholder("What needs doing?").fill("Ship the DRCP demo")
        page.get_by_role("button", name="Add").click()
        expect(page.get_by_test_id("tasks")).to_contain_text("Ship the DRCP demo")

    # globex by path prefix: its own heading and class, and none of acme's tasks.
    page.goto(f"http://localhost:{site.port}/t/globex/")
    expect(page.get_by_test_id("tenant-heading")).to_have_text("Globex tasks")
    expect(page.get_by_test_id("served-by")).to_contain_text("DRCP class T_globex")
    expect(page.locator("body")).not_to_contain_text("Ship the DRCP demo")

    # The dashboard: one row per tenant class with broker figures, and it refreshes by itself.
    page.goto(f"http://localhost:{site.port}/dashboard/")
    rows = page.get_by_test_id("classes").locator("tbody tr")
    expect(rows.filter(has_text="T_acme")).to_have_count(1)
    expect(rows.filter(has_text="T_globex")).to_have_count(1)
    # The summary cards: pooled servers from V$CPOOL_STATS, client connections from the registry.
    summary = page.get_by_test_id("summary")
    expect(summary.locator("#servers")).to_have_text(re.compile(r"^\d+$"))
    expect(summary.locator("#clients")).to_have_text(re.compile(r"^\d+$"))
    expect(summary.locator("#requests-sub")).to_contain_text("hits")
    first = page.get_by_test_id("updated").inner_text()
    expect(page.get_by_test_id("updated")).not_to_have_text(first, timeout=10_000)
    # After a few polls the chart draws a line per class that has traffic.
    page.goto(f"http://acme.localhost:{site.port}/")
    page.goto(f"http://localhost:{site.port}/dashboard/")
    expect(page.get_by_test_id("chart-requests").locator("polyline").first).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("broker-error")).to_be_hidden()
