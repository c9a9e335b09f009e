"""System checks of the tenancy settings (ids ``drcp_multi.E1xx`` / ``W1xx``), run by ``manage.py check``.

They read settings and import the configured dotted paths; they never query the database (a model
catalog is loaded, not listed). Registered when ``drcp_multi``'s AppConfig imports this module.
"""

from __future__ import annotations

import difflib
import importlib
import re
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import oracledb
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

from drcp_multi.conf import (
    DEFAULTS,
    POOL_DEFAULTS,
    drcp_setting,
    project_settings,
    tenancy_mode,
    tenant_alias,
    tenant_catalog,
)
from drcp_multi.problems import Problem
from drcp_multi.tenancy.catalog import build_tenant, load_catalog
from drcp_multi.tenancy.resolvers import UserAttributeResolver, load_resolvers
from drcp_multi.validation import ORACLE_IDENTIFIER_PATTERN, validate_oracle_identifier

MIDDLEWARE_PATH = "drcp_multi.middleware.TenantMiddleware"
ROUTER_PATH = "drcp_multi.routers.TenantRouter"
WHERE = "settings.DRCP_MULTI"


def shared_pool_supported(driver_version: str) -> bool:
    """Whether a thin python-oracledb of this version can change class per acquire on a full pool."""
    numbers = [int(n) for n in re.findall(r"\d+", driver_version)[:3]]
    return tuple(numbers) >= (4, 0, 2)


@register(Tags.compatibility)
def check_tenancy(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    try:
        mode = tenancy_mode()
    except Exception:  # reported by the core's check (drcp_multi.E009)
        return messages
    messages += _catalog_messages(mode)
    if mode == "shared_pool" and oracledb.is_thin_mode() and not shared_pool_supported(oracledb.__version__):
        messages.append(
            Error(
                f"DRCP_MULTI['TENANCY_MODE'] is 'shared_pool', which python-oracledb {oracledb.__version__} "
                "cannot serve in thin mode: asked for another connection class when the pool is full, it "
                "waits out POOL['wait_timeout'] instead of replacing an idle connection (fixed in 4.0.2).",
                hint="Upgrade python-oracledb to 4.0.2 or later, or use 'pool_per_tenant'.",
                obj=WHERE,
                id="drcp_multi.E108",
            )
        )
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if MIDDLEWARE_PATH in middleware:
        messages += _middleware_messages(middleware)
    messages += [_as_message(p) for rule in SETTING_RULES if (p := rule(project_settings())) is not None]
    no_tenant = drcp_setting("NO_TENANT")
    if no_tenant not in ("error", "shared"):
        messages.append(
            Error(
                f"DRCP_MULTI['NO_TENANT'] is {no_tenant!r}.",
                hint="Use 'error' (raise NoTenant) or 'shared' (use SHARED_ALIAS).",
                obj=WHERE,
                id="drcp_multi.E105",
            )
        )
    return messages


def _catalog_messages(mode: str) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    spec = tenant_catalog()
    if spec is not None:
        try:
            load_catalog()
        except Exception as exc:
            messages.append(
                Error(
                    f"DRCP_MULTI['TENANT_CATALOG'] = {spec!r} cannot be loaded: {exc}",
                    hint="A dotted path to a TenantCatalog, a model or a callable, or (path, kwargs).",
                    obj=WHERE,
                    id="drcp_multi.E103",
                )
            )
        return messages
    tenants = drcp_setting("TENANTS")
    if not isinstance(tenants, dict):
        return [Error("DRCP_MULTI['TENANTS'] must be a dict {name: {...}}.", obj=WHERE, id="drcp_multi.E102")]
    for name, tenant_spec in tenants.items():
        try:
            tenant = build_tenant(name, tenant_spec)
        except Exception as exc:
            messages.append(
                Error(
                    f"DRCP_MULTI['TENANTS'][{name!r}]: {exc}",
                    hint="Keys: alias, cclass, purity, max_busy, enabled.",
                    obj=WHERE,
                    id="drcp_multi.E102",
                )
            )
            continue
        if tenant.alias not in settings.DATABASES:
            messages.append(
                Error(
                    f"Tenant {name!r} uses DATABASES alias {tenant.alias!r}, which does not exist"
                    + (" (mode 'alias': a tenant's alias defaults to its name)." if mode == "alias" else "."),
                    hint="Add the alias to DATABASES or set the tenant's 'alias'.",
                    obj=WHERE,
                    id="drcp_multi.E104",
                )
            )
    return messages


def _middleware_messages(middleware: list[str]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    try:
        # A string is E119's (a list of its characters would only confuse the message here).
        resolvers = [] if isinstance(drcp_setting("RESOLVERS"), str) else load_resolvers()
    except Exception as exc:
        return [
            Error(
                f"DRCP_MULTI['RESOLVERS'] cannot be used: {exc}",
                hint="e.g. [('host', {'domain': 'example.com'})], ['header'], ['path'] or dotted paths.",
                obj=WHERE,
                id="drcp_multi.E101",
            )
        ]
    if ROUTER_PATH not in (getattr(settings, "DATABASE_ROUTERS", None) or []):
        messages.append(
            Warning(
                f"{MIDDLEWARE_PATH} is installed but {ROUTER_PATH} is not in DATABASE_ROUTERS.",
                hint="Without it, tenant models go to 'default' whatever the tenant's alias.",
                obj="settings.DATABASE_ROUTERS",
                id="drcp_multi.W101",
            )
        )
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    if any(isinstance(r, UserAttributeResolver) for r in resolvers) and (
        auth not in middleware or middleware.index(auth) > middleware.index(MIDDLEWARE_PATH)
    ):
        messages.append(
            Error(
                "A 'user' resolver needs AuthenticationMiddleware before TenantMiddleware.",
                hint="Move drcp_multi.middleware.TenantMiddleware after AuthenticationMiddleware.",
                obj="settings.MIDDLEWARE",
                id="drcp_multi.E106",
            )
        )
    return messages


def _tenant_classes_and_pool_max() -> tuple[int | None, int]:
    """How many tenants a static catalog lists (None for a dynamic catalog: unbounded), and the tenant
    alias's POOL['max']."""
    entry: dict[str, Any] = settings.DATABASES.get(tenant_alias()) or {}
    pool = entry.get("POOL") or {}
    pool_max = pool.get("max", POOL_DEFAULTS["max"])
    if tenant_catalog() is not None:
        return None, pool_max if isinstance(pool_max, int) else POOL_DEFAULTS["max"]
    static = drcp_setting("TENANTS")
    count = len(static) if isinstance(static, dict) else 0
    return count, pool_max if isinstance(pool_max, int) else POOL_DEFAULTS["max"]


@register(Tags.compatibility)
def check_thin_mode_capacity(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """Configurations where the thin driver turns checkouts into logins (docs/tenancy.md has the numbers):

    * E120 ``shared_pool`` with more tenant classes than ``POOL['max']`` (or a dynamic catalog): a checkout
      for a class with no idle connection drops one and logs in anew, serially, on the pool's one
      background thread — about one login per checkout, slower than a connection per request;
    * W121 ``pool_per_tenant`` with more static tenants than ``MAX_LIVE_POOLS``: under even load about
      1 - MAX_LIVE_POOLS / tenants of checkouts rebuild an evicted pool (a login each).
    """
    try:
        mode = tenancy_mode()
    except Exception:  # reported by E009
        return []
    count, pool_max = _tenant_classes_and_pool_max()
    messages: list[CheckMessage] = []
    if mode == "shared_pool" and oracledb.is_thin_mode() and (count is None or count > pool_max):
        many = "a dynamic catalog (any number of tenants)" if count is None else f"{count} tenants"
        messages.append(
            Error(
                f"DRCP_MULTI['TENANCY_MODE'] is 'shared_pool' with {many} on POOL['max']={pool_max}: in thin "
                "mode a checkout for a class with no idle connection drops one and logs in again, one login "
                "at a time on the pool's background thread (about 1 / (login + new session) requests/s, "
                "measured 22 req/s against 63 for a connection per request in bench/side_by_side.py).",
                hint="Use 'shared_class' (tenants share the alias's class, stamped in CLIENT_IDENTIFIER) or "
                "'pool_per_tenant' (a pool per tenant class), or keep the tenant classes <= POOL['max'].",
                obj=WHERE,
                id="drcp_multi.E120",
            )
        )
    cap = drcp_setting("MAX_LIVE_POOLS")
    if mode == "pool_per_tenant" and isinstance(cap, int) and count is not None and count > cap:
        messages.append(
            Warning(
                f"DRCP_MULTI['MAX_LIVE_POOLS'] is {cap} for {count} tenants in 'pool_per_tenant': with all "
                f"of them active about {1 - cap / count:.0%} of checkouts rebuild an evicted pool, a login "
                "each.",
                hint=f"Raise MAX_LIVE_POOLS to {count} (a thread and a socket per pool), leave it None and "
                "let POOL_IDLE_TIMEOUT close idle pools, or use TENANCY_MODE 'shared_class'.",
                obj=WHERE,
                id="drcp_multi.W121",
            )
        )
    return messages


# -- one rule per setting: each takes settings.DRCP_MULTI and returns a Problem or None -------------------

#: Every key of settings.DRCP_MULTI that drcp_multi reads (conf.DEFAULTS and the operations layer's own);
#: any other key is a typo (drcp_multi.W102).
KNOWN_KEYS = frozenset(DEFAULTS) | frozenset(
    {
        "TENANT_URLCONF",
        "PUBLIC_URLCONF",
        "CELERY_APP",
        "ADMIN_ALIAS",
        "TENANT_TABLESPACE",
        "TENANT_SCHEMA_TEMPLATE",
        "TENANT_DROP_TEMPLATE",
    }
)
# V$SESSION.MODULE / DBMS_APPLICATION_INFO.SET_MODULE: module_name is at most 48 bytes.
MODULE_MAX_BYTES = 48
TEMPLATE_FIELDS = frozenset({"user", "password", "tablespace"})


def _as_message(problem: Problem) -> CheckMessage:
    cls = Error if problem.level == "error" else Warning
    return cls(problem.msg, hint=problem.hint, obj=WHERE, id=problem.id)


def unknown_keys(project: Mapping[str, Any]) -> Problem | None:
    unknown = sorted(str(k) for k in project if k not in KNOWN_KEYS)
    if not unknown:
        return None
    guesses = []
    for key in unknown:
        close = difflib.get_close_matches(key.upper(), KNOWN_KEYS, n=1, cutoff=0.6)
        guesses.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
    return Problem(
        "drcp_multi.W102",
        f"DRCP_MULTI has unknown key(s) {', '.join(guesses)}: drcp_multi ignores them.",
        "Rename the key (the known ones are in docs/tenancy.md and docs/configuration.md) or remove it.",
        "warning",
    )


def shared_apps_type(project: Mapping[str, Any]) -> Problem | None:
    value = project.get("SHARED_APPS")
    if value is None:
        return None
    if isinstance(value, str):
        return Problem(
            "drcp_multi.E110",
            f"DRCP_MULTI['SHARED_APPS'] is the string {value!r}, not a list: it is served as the one label "
            f"{value!r} (set() of it would be the labels {sorted(set(value))!r}, one per character).",
            f"Write a list of app labels: [{value!r}].",
        )
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(isinstance(a, str) for a in value):
        return Problem(
            "drcp_multi.E110",
            f"DRCP_MULTI['SHARED_APPS'] is {value!r}.",
            "Write a list of app labels, e.g. ['auth', 'contenttypes', 'sessions', 'admin'].",
        )
    return None


def _alias_rule(key: str, check_id: str) -> Callable[[Mapping[str, Any]], Problem | None]:
    def rule(project: Mapping[str, Any]) -> Problem | None:
        alias = project.get(key)
        if alias is None or alias in settings.DATABASES:
            return None
        return Problem(
            check_id,
            f"DRCP_MULTI[{key!r}] is {alias!r}, which is not an alias in DATABASES "
            f"({', '.join(map(repr, settings.DATABASES)) or 'none'}).",
            f"Set DRCP_MULTI[{key!r}] to one of the DATABASES aliases, or add {alias!r} to DATABASES.",
        )

    rule.__name__ = f"{key.lower()}_in_databases"
    return rule


tenant_alias_in_databases = _alias_rule("TENANT_ALIAS", "drcp_multi.E109")
shared_alias_in_databases = _alias_rule("SHARED_ALIAS", "drcp_multi.E111")
admin_alias_in_databases = _alias_rule("ADMIN_ALIAS", "drcp_multi.E116")


def tenant_required_type(project: Mapping[str, Any]) -> Problem | None:
    value = project.get("TENANT_REQUIRED", True)
    if isinstance(value, bool):
        return None
    return Problem(
        "drcp_multi.E112",
        f"DRCP_MULTI['TENANT_REQUIRED'] is {value!r} ({type(value).__name__}), not True or False"
        + (
            ": any non-empty string, 'False' included, would count as True."
            if isinstance(value, str)
            else "."
        ),
        "Set it to True (a request naming no tenant gets 404) or False (it runs with no tenant).",
    )


def trace_module_type(project: Mapping[str, Any]) -> Problem | None:
    value = project.get("TRACE_MODULE")
    if value is None or (isinstance(value, str) and 0 < len(value.encode()) <= MODULE_MAX_BYTES):
        return None
    return Problem(
        "drcp_multi.E113",
        f"DRCP_MULTI['TRACE_MODULE'] is {value!r}: Oracle's session MODULE is a string of 1 to "
        f"{MODULE_MAX_BYTES} bytes.",
        "Set a short string (e.g. 'shop'), or None to stamp the label of the app holding each view.",
    )


def _dotted_path_rule(key: str, check_id: str, what: str) -> Callable[[Mapping[str, Any]], Problem | None]:
    def rule(project: Mapping[str, Any]) -> Problem | None:
        value = project.get(key)
        values = list(value.values()) if isinstance(value, Mapping) else [value]
        for item in values:
            if item is None:
                continue
            if not isinstance(item, str):
                return Problem(check_id, f"DRCP_MULTI[{key!r}] holds {item!r}.", f"Use {what}.")
            try:
                importlib.import_module(item)
            except ImportError as exc:
                return Problem(
                    check_id,
                    f"DRCP_MULTI[{key!r}] names {item!r}, which cannot be imported: {exc}",
                    f"Use {what}.",
                )
        return None

    rule.__name__ = f"{key.lower()}_importable"
    return rule


tenant_urlconf_importable = _dotted_path_rule(
    "TENANT_URLCONF", "drcp_multi.E114", "a URLconf module path, or a dict {tenant name or '*': module path}"
)
public_urlconf_importable = _dotted_path_rule("PUBLIC_URLCONF", "drcp_multi.E114", "a URLconf module path")


def celery_app_type(project: Mapping[str, Any]) -> Problem | None:
    value = project.get("CELERY_APP")
    if value is None or (isinstance(value, str) and re.fullmatch(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", value)):
        return None  # not imported here: importing a Celery app configures Celery
    return Problem(
        "drcp_multi.E115",
        f"DRCP_MULTI['CELERY_APP'] is {value!r}.",
        "Set the dotted path of your Celery app object, e.g. 'proj.celery.app'.",
    )


def tenant_tablespace_identifier(project: Mapping[str, Any]) -> Problem | None:
    value = project.get("TENANT_TABLESPACE")
    if value is None:
        return None
    try:
        validate_oracle_identifier(value, "DRCP_MULTI['TENANT_TABLESPACE']")
    except ValueError as exc:
        return Problem(
            "drcp_multi.E117", f"{exc}.", f"Name a tablespace matching {ORACLE_IDENTIFIER_PATTERN}."
        )
    return None


def _template_rule(key: str) -> Callable[[Mapping[str, Any]], Problem | None]:
    def rule(project: Mapping[str, Any]) -> Problem | None:
        value = project.get(key)
        if value is None:
            return None
        if (
            isinstance(value, str)
            or not isinstance(value, Sequence)
            or not all(isinstance(s, str) for s in value)
        ):
            return Problem(
                "drcp_multi.E118",
                f"DRCP_MULTI[{key!r}] is {value!r}.",
                "Write a list of SQL statements (strings), e.g. ['CREATE USER {user} IDENTIFIED BY "
                "\"{password}\"', 'GRANT CREATE SESSION TO {user}'].",
            )
        fields = {f for statement in value for _, f, _, _ in string.Formatter().parse(statement) if f}
        if fields - TEMPLATE_FIELDS:
            return Problem(
                "drcp_multi.E118",
                f"DRCP_MULTI[{key!r}] uses {sorted(fields - TEMPLATE_FIELDS)}.",
                "Only {user}, {password} and {tablespace} are filled in (each validated first).",
            )
        return None

    rule.__name__ = f"{key.lower()}_statements"
    return rule


def resolvers_type(project: Mapping[str, Any]) -> Problem | None:
    value = project.get("RESOLVERS")
    if value is None or (isinstance(value, (list, tuple)) and not isinstance(value, str)):
        return None  # what each entry names is E101's (when TenantMiddleware is installed)
    if isinstance(value, str):
        return Problem(
            "drcp_multi.E119",
            f"DRCP_MULTI['RESOLVERS'] is the string {value!r}, not a list: each character would be taken "
            "for a resolver.",
            f"Write a list: [{value!r}].",
        )
    return Problem(
        "drcp_multi.E119",
        f"DRCP_MULTI['RESOLVERS'] is {value!r}.",
        "Write a list of resolvers, e.g. [('host', {'domain': 'example.com'})], ['header'] or dotted paths.",
    )


def _page_view_rule(key: str) -> Callable[[Mapping[str, Any]], Problem | None]:
    def rule(project: Mapping[str, Any]) -> Problem | None:
        value = project.get(key)
        if value is None or (callable(value) and not isinstance(value, str)):
            return None
        fix = "Use a view (request, exc) or its dotted path, or None for drcp_multi's own page."
        if not isinstance(value, str):
            return Problem("drcp_multi.E107", f"DRCP_MULTI[{key!r}] is {value!r}, not a view.", fix)
        try:
            import_string(value)
        except ImportError as exc:
            return Problem(
                "drcp_multi.E107", f"DRCP_MULTI[{key!r}] = {value!r} cannot be imported: {exc}", fix
            )
        return None

    rule.__name__ = f"{key.lower()}_view"
    return rule


SETTING_RULES: tuple[Callable[[Mapping[str, Any]], Problem | None], ...] = (
    unknown_keys,
    shared_apps_type,
    resolvers_type,
    _page_view_rule("TENANT_NOT_FOUND"),
    _page_view_rule("TENANT_BAD_REQUEST"),
    tenant_alias_in_databases,
    shared_alias_in_databases,
    admin_alias_in_databases,
    tenant_required_type,
    trace_module_type,
    tenant_urlconf_importable,
    public_urlconf_importable,
    celery_app_type,
    tenant_tablespace_identifier,
    _template_rule("TENANT_SCHEMA_TEMPLATE"),
    _template_rule("TENANT_DROP_TEMPLATE"),
)
