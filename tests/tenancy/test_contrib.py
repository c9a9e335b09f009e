"""Tenant-aware building blocks (no database): cache keys, the logging filter, file storage, and the
URLconf TenantMiddleware chooses (through Django's real WSGI handler)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings

from drcp_multi.contrib.cache import make_key
from drcp_multi.contrib.logging import TenantContextFilter
from drcp_multi.contrib.storage import TenantFileSystemStorage
from drcp_multi.contrib.urls import urlconf_for
from drcp_multi.tenancy.catalog import Tenant
from drcp_multi.tenancy.context import tenant_context
from drcp_multi.testing.handlers import wsgi_get

ACME = Tenant(name="acme", alias="default", cclass="T_acme")
GLOBEX = Tenant(name="globex", alias="globex_db", cclass="T_globex")


def test_cache_keys_carry_the_tenant_and_tenants_never_share_entries() -> None:
    cache_settings = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_FUNCTION": "drcp_multi.contrib.cache.make_key",
        }
    }
    with override_settings(CACHES=cache_settings):
        cache = caches["default"]
        with tenant_context(ACME):
            cache.set("plan", "gold")
            assert cache.make_key("plan") == "acme::1:plan"
        with tenant_context(GLOBEX):
            assert cache.get("plan") is None
            cache.set("plan", "free")
        assert cache.get("plan") is None  # no tenant: a key space of its own
        with tenant_context(ACME):
            assert cache.get("plan") == "gold"
    assert make_key("k", "p", 2) == "_:p:2:k"


def test_logging_filter_adds_tenant_class_and_alias(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.tenancy.contrib")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    handler.addFilter(TenantContextFilter())
    formatter = logging.Formatter("%(tenant)s %(cclass)s %(alias)s %(message)s")
    logger.addHandler(handler)
    try:
        with tenant_context(GLOBEX):
            logger.warning("in globex")
        logger.warning("no tenant")
        logger.warning("explicit", extra={"tenant": "x", "cclass": "C", "alias": "a"})
    finally:
        logger.removeHandler(handler)
    assert [formatter.format(r) for r in records] == [
        "globex T_globex globex_db in globex",
        "- - - no tenant",
        "x C a explicit",
    ]


def test_storage_keeps_each_tenants_files_under_its_own_prefix(tmp_path: Path) -> None:
    storage = TenantFileSystemStorage(location=str(tmp_path), base_url="/media/")
    with tenant_context(ACME):
        name = storage.save("docs/a.txt", ContentFile(b"acme's"))
        assert storage.url(name) == "/media/acme/docs/a.txt"
        assert storage.exists("docs/a.txt")
        with pytest.raises(SuspiciousFileOperation):
            storage.path("../globex/docs/a.txt")
    with tenant_context(GLOBEX):
        assert not storage.exists("docs/a.txt")
        storage.save("docs/a.txt", ContentFile(b"globex's"))
    storage.save("logo.png", ContentFile(b"shared"))
    assert (tmp_path / "acme/docs/a.txt").read_bytes() == b"acme's"
    assert (tmp_path / "globex/docs/a.txt").read_bytes() == b"globex's"
    assert (tmp_path / "_shared/logo.png").read_bytes() == b"shared"
    assert storage.url("logo.png") == "/media/_shared/logo.png"


def test_urlconf_for(drcp_settings: Any) -> None:
    assert urlconf_for(ACME) is None and urlconf_for(None) is None  # ROOT_URLCONF
    drcp_settings(TENANT_URLCONF={"acme": "a.urls", "*": "t.urls"}, PUBLIC_URLCONF="p.urls")
    assert (urlconf_for(ACME), urlconf_for(GLOBEX), urlconf_for(None)) == ("a.urls", "t.urls", "p.urls")


def test_middleware_chooses_the_public_or_the_tenant_urlconf(drcp_settings: Any) -> None:
    drcp_settings(
        TENANTS={"acme": {}},
        RESOLVERS=["header"],
        TENANT_REQUIRED=False,
        PUBLIC_URLCONF="tests.tenancy.public_urls",
        TENANT_URLCONF="tests.tenancy.urls",
    )
    with override_settings(MIDDLEWARE=["drcp_multi.middleware.TenantMiddleware"]):
        handler = WSGIHandler()
        status, _, body = wsgi_get(handler, "/whoami/", {"X-Tenant": "acme"})
        assert status == 200 and json.loads(body)["tenant"] == "acme"  # tests.tenancy.urls' view
        status, _, body = wsgi_get(handler, "/whoami/", {})
        assert status == 200 and json.loads(body) == {"urlconf": "public", "reverse": "/whoami/"}
        status, _, _ = wsgi_get(handler, "/boom/", {})
        assert status == 404  # not in the public URLconf
