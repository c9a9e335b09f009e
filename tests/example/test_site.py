"""The example site end to end: each tenant's URL serves its own page under its own DRCP class.

Asserted from the database's side, not only from the page: DRCP's V$CPOOL_CC_STATS (which classes got
requests) through the monitoring connection, on the wire server or a live Oracle (``DRCP_TEST_DSN``); on
the wire server its statement log also shows the class of each statement.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from drcp_multi.testing.database_side import short_class
from drcp_multi.testing.pytest_plugin import EMULATOR_MONITOR, MONITOR_ROLE
from tests.example.conftest import (
    REPO,
    SHARED_CLASS,
    TENANTS,
    Backing,
    Site,
    record_field,
    start_site,
    stop_site,
    wait_until,
)


def footer(html: str) -> dict[str, str]:
    """The served-by footer's fields, as a person reads them at the bottom of every page."""
    return dict(re.findall(r'data-field="(\w+)">([^<]*)<', html))


def tenant_statements(wire_server: Any, since: int) -> list[Any]:
    """The site's statements after index ``since``, leaving out the shared class (the dashboard's sampler
    runs under it concurrently with the requests under test) and the monitoring user's."""
    return [
        r
        for r in wire_server.statements()[since:]
        if short_class(record_field(r, "cclass")) != SHARED_CLASS
        and str(record_field(r, "username")).upper() != EMULATOR_MONITOR[0].upper()
    ]


@pytest.mark.drcp
@pytest.mark.parametrize("tenant", TENANTS)
@pytest.mark.parametrize("by", ["subdomain", "path"])
def test_each_tenant_url_is_served_under_its_own_class(
    site: Site, backing: Backing, tenant: str, by: str
) -> None:
    mark = backing.mark()
    since = len(backing.srv.statements()) if backing.srv else 0
    status, html = site.get("/", tenant) if by == "subdomain" else site.get(f"/t/{tenant}/")
    assert status == 200, html
    assert re.search(rf'data-testid="tenant-heading">\s*{tenant.capitalize()} tasks', html)
    shown = footer(html)
    assert shown["tenant"] == tenant
    assert shown["cclass"] == f"T_{tenant}"
    assert shown["sid"].isdigit()
    # The database's side: this request's DRCP requests were under T_<tenant> and no other class.
    assert backing.classes_since(mark) == {f"T_{tenant}"}
    if backing.srv is None:
        return
    # The wire server's log: everything this request ran (the SID probe at least) ran under T_<tenant>,
    # on the pooled server session the page names.
    ran = tenant_statements(backing.srv, since)
    assert ran, "the request ran no statement on the wire server"
    assert {short_class(record_field(r, "cclass")) for r in ran} == {f"T_{tenant}"}
    probes = [r for r in ran if "SYS_CONTEXT" in record_field(r, "sql").upper()]
    assert probes and str(record_field(probes[-1], "sid")) == shown["sid"]


@pytest.mark.drcp
def test_tenants_never_share_a_pooled_session(site: Site, backing: Backing) -> None:
    since = len(backing.srv.statements()) if backing.srv else 0
    shown: dict[str, set[tuple[str, str]]] = {}
    for _ in range(3):
        for tenant in TENANTS:
            status, html = site.get("/", tenant)
            assert status == 200
            # The session the database says served the page: SID and audit session id.
            fields = footer(html)
            shown.setdefault(tenant, set()).add((fields["sid"], fields["audsid"]))
    pages = list(shown.values())
    for i, a in enumerate(pages):
        for b in pages[i + 1 :]:
            assert not a & b, "a session served two tenants' pages"
    if backing.srv is None:
        return
    sessions: dict[str, set[Any]] = {}
    for r in tenant_statements(backing.srv, since):
        key = (record_field(r, "sid"), record_field(r, "serial"))
        sessions.setdefault(short_class(record_field(r, "cclass")), set()).add(key)
    assert set(sessions) == {f"T_{t}" for t in TENANTS}
    classes = list(sessions.values())
    for i, a in enumerate(classes):
        for b in classes[i + 1 :]:
            assert not a & b, "a pooled server session served two tenants' classes"


def test_landing_and_dashboard_run_without_a_tenant(site: Site) -> None:
    status, html = site.get("/")
    assert status == 200
    for tenant in TENANTS:
        assert f"http://{tenant}.localhost:{site.port}/" in html
        assert f"/t/{tenant}/" in html
    assert footer(html)["cclass"] == SHARED_CLASS

    status, html = site.get("/dashboard/")
    assert status == 200
    assert 'id="chart-requests"' in html and "V$CPOOL_CC_STATS" in html


def test_unknown_tenant_is_404(site: Site) -> None:
    assert site.get("/t/nosuchtenant/")[0] == 404
    assert site.get("/", "nosuchtenant")[0] == 404


@pytest.mark.drcp
def test_stats_feed_has_client_and_broker_figures(site: Site, backing: Backing) -> None:
    if backing.srv is None:
        pytest.skip(
            "the site reads V$CPOOL_CC_STATS as its own user, which a live Oracle gives no such grant "
            "(docs/live-oracle.md)"
        )
    for tenant in TENANTS:
        site.get("/", tenant)
    status, body = site.get("/api/stats/")
    assert status == 200
    data = json.loads(body)
    assert data["broker_error"] is None, data["broker_error"]
    rows = {r["tenant"]: r for r in data["rows"] if r["tenant"]}
    for tenant in TENANTS:
        row = rows[tenant]
        assert row["opened"] >= 1  # this process's pool for the tenant (registry)
        assert row["requests"] >= 1  # the broker's count for T_<tenant> (V$CPOOL_CC_STATS)
        assert row["hits"] + row["misses"] <= row["requests"]
    assert data["history"], "no sample for the chart"


def csrf_post(
    site: Site, path: str, fields: dict[str, str], host: str | None = None
) -> tuple[int, dict[str, str]]:
    """Submit a form as a browser would: the CSRF cookie and the token from the page."""
    status, headers, html = site.request("GET", "/", host=host)
    assert status == 200
    cookie = re.search(r"csrftoken=([^;]+)", headers.get("set-cookie", ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert cookie and token
    body = "&".join(f"{k}={v}" for k, v in {**fields, "csrfmiddlewaretoken": token.group(1)}.items())
    status, headers, _ = site.request(
        "POST",
        path,
        host=host,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie.group(1)}",
            "Referer": f"http://{host or f'localhost:{site.port}'}/",
        },
    )
    return status, headers


@pytest.mark.drcp
def test_tenant_added_from_the_page_is_served_at_once(site: Site, backing: Backing) -> None:
    status, headers = csrf_post(site, "/tenants/", {"name": "umbrella"})
    assert status == 302 and headers["location"].endswith("/t/umbrella/")
    mark = backing.mark()
    status, html = site.get("/t/umbrella/")
    assert status == 200 and footer(html)["cclass"] == "T_umbrella"
    assert backing.classes_since(mark) == {"T_umbrella"}
    # A name that cannot be a subdomain is refused, with the reason on the page.
    status, _ = csrf_post(site, "/tenants/", {"name": "Not_Valid"})
    assert status == 400


@pytest.mark.drcp
def test_tenant_added_by_command_is_served_at_once(site: Site, backing: Backing) -> None:
    # No DRCP_* needed: the command writes the tenant list that the running site reads.
    env = {"EXAMPLE_DATA_DIR": str(site.data_dir), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "example_project.manage", "tenants", "add", "hooli"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    mark = backing.mark()
    status, html = site.get("/", "hooli")
    assert status == 200 and footer(html)["cclass"] == "T_hooli"
    assert backing.classes_since(mark) == {"T_hooli"}


@pytest.mark.drcp
def test_load_generator_reaches_every_tenant(site: Site, backing: Backing) -> None:
    from example_project.load import LoadGenerator

    mark = backing.mark()
    gen = LoadGenerator(site.url, TENANTS, concurrency=3, think=0.01, duration=3)
    gen.start()
    assert wait_until(lambda: not gen.running(), timeout=30)
    assert gen.stats.sent > 10 and gen.stats.errors == 0
    assert set(gen.stats.by_status) == {200}, gen.stats.summary()
    assert backing.classes_since(mark) == {f"T_{t}" for t in TENANTS}


def test_one_command_starts_the_embedded_server(tmp_path: Any) -> None:
    """No DRCP_* variables: the site starts its own wire server, serves the tenants, --load moves the
    dashboard's figures, and SIGTERM stops it cleanly."""
    pytest.importorskip("oracle_emulator").EmulatorServer  # noqa: B018 - skip until it lands
    running = start_site({}, tmp_path, ("--load", "--load-concurrency", "2"))
    try:
        log = running.log()
        assert "embedded wire server" in log and "Task storage pending" not in log, log
        for tenant in TENANTS:
            assert f"http://{tenant}.localhost:{running.port}/" in log
            assert f"http://localhost:{running.port}/t/{tenant}/" in log
        assert f"http://localhost:{running.port}/dashboard/" in log
        for tenant in TENANTS:
            status, html = running.get("/", tenant)
            assert status == 200 and footer(html)["cclass"] == f"T_{tenant}", html[-2000:]
        assert running.get("/dashboard/")[0] == 200

        def broker_requests() -> dict[str, int]:
            rows = json.loads(running.get("/api/stats/")[1])["rows"]
            return {r["tenant"]: r.get("requests") or 0 for r in rows if r["tenant"]}

        before = broker_requests()
        assert wait_until(lambda: all(broker_requests().get(t, 0) > before.get(t, 0) + 5 for t in TENANTS))
    finally:
        code = stop_site(running)
    assert code == 0, running.log()
    assert "Load: " in running.log() and "connection errors: 0" in running.log()


def test_load_script_command_line(site: Site) -> None:
    from example_project.load import main

    assert main(["--url", f"http://localhost:{site.port}/", "--duration", "2", "--concurrency", "2"]) == 0


@pytest.mark.drcp
def test_tasks_are_per_tenant_and_written_under_the_tenants_class(site: Site, backing: Backing) -> None:
    status, html = site.get("/", "acme")
    if 'data-testid="orm-pending"' in html:
        pytest.skip("the wire server does not run Django's table SQL yet: the page says so (checked above)")
    mark = backing.mark()
    since = len(backing.srv.statements()) if backing.srv else 0
    status, headers = csrf_post(
        site, "/", {"title": "Renew the DRCP licence"}, host=f"acme.localhost:{site.port}"
    )
    assert status == 302, headers
    html = site.get("/", "acme")[1]
    assert "Renew the DRCP licence" in html
    # The database's side: the write and the page after it ran under acme's class only.
    assert backing.classes_since(mark) == {"T_acme"}
    assert "Renew the DRCP licence" not in site.get("/", "globex")[1]
    if backing.srv is not None:  # the wire server's log: the INSERT itself ran under T_acme
        inserts = [
            r for r in backing.srv.statements()[since:] if record_field(r, "sql").upper().startswith("INSERT")
        ]
        assert inserts and {short_class(record_field(r, "cclass")) for r in inserts} == {"T_acme"}

    # Tick it off, rename it, delete it: each through the ORM, in acme's path form this time.
    pk = re.search(r'/tasks/(\d+)/edit/">edit</a>', html)
    assert pk
    task = pk.group(1)
    assert csrf_post(site, f"/t/acme/tasks/{task}/toggle/", {})[0] == 302
    assert 'class="done"' in site.get("/t/acme/")[1]
    assert csrf_post(site, f"/t/acme/tasks/{task}/edit/", {"title": "Renewed", "done": "on"})[0] == 302
    assert "Renewed" in site.get("/t/acme/")[1]
    # globex cannot reach acme's task by its id.
    assert site.get(f"/tasks/{task}/edit/", "globex")[0] == 404
    assert csrf_post(site, f"/t/acme/tasks/{task}/delete/", {})[0] == 302
    assert "Renewed" not in site.get("/t/acme/")[1]


@pytest.mark.emulator_only
def test_stats_feed_says_which_grant_when_the_sites_user_may_not_read_the_views(
    site: Site, backing: Backing
) -> None:
    assert backing.srv is not None
    backing.srv.revoke("app", MONITOR_ROLE)  # as a DBA taking SELECT_CATALOG_ROLE back
    try:

        def feed_with_error() -> dict[str, Any] | None:
            data: dict[str, Any] = json.loads(site.get("/api/stats/")[1])
            return data if data["broker_error"] else None

        data = wait_until(feed_with_error)  # the feed samples again once its last reading is a second old
        assert data is not None, "the feed never reported the missing grant"
        assert "ORA-00942" in data["broker_error"]
        assert (
            "grant SELECT_CATALOG_ROLE or SELECT on V_$CPOOL_STATS, V_$CPOOL_CC_STATS" in data["broker_error"]
        )
        assert data["broker"] == [] and all("requests" not in r for r in data["rows"])  # no made-up figures
        refused = [s for s in backing.srv.statements() if s.username == "APP" and s.error_code == 942]
        assert refused and all("v$cpool_cc_stats" in s.sql.lower() for s in refused)  # the server said no
    finally:
        backing.srv.grant("app", MONITOR_ROLE)
