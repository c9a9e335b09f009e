"""Settings: every default, one typed getter per ``settings.DRCP_MULTI`` key, and the parsers of values.

Read lazily, at call time: a getter on the request path costs two dict lookups. What is built from
settings (pool configurations, routes) is cached and rebuilt when Django's ``setting_changed``
(``override_settings``) bumps :func:`settings_generation`. Getters never validate beyond what they must to
return their type; the rules
live in :mod:`drcp_multi.problems` and the system checks report them (ids ``drcp_multi.E0xx``/``E1xx``).

The ``DATABASES`` side (``OPTIONS`` and ``POOL``, the seed's keys included) is typed by
:mod:`drcp_multi.poolconfig` with the defaults and parsers defined here.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any, Literal, cast

import oracledb
from django.conf import settings
from django.core.signals import setting_changed

from drcp_multi.exceptions import ConfigurationError

ENGINE = "drcp_multi.backends.oracle"

TENANCY_MODES = ("alias", "pool_per_tenant", "shared_pool", "shared_class")
TenancyMode = Literal["alias", "pool_per_tenant", "shared_pool", "shared_class"]
SESSION_SETUPS = ("auto", "trigger", "checkout")
SessionSetup = Literal["auto", "trigger", "checkout"]

#: Every key of ``settings.DRCP_MULTI`` and its default (docs/configuration.md says what each does).
DEFAULTS: dict[str, Any] = {
    "TENANCY_MODE": "pool_per_tenant",
    "CCLASS_PREFIX": "",
    "MAX_LIVE_POOLS": None,  # pool_per_tenant: cap on live tenant pools (None: no cap)
    "POOL_IDLE_TIMEOUT": 300.0,  # pool_per_tenant: close a tenant's pool idle this long (seconds)
    "TENANT_WAIT_TIMEOUT": 5.0,  # a tenant at its max_busy waits this long for a slot (seconds)
    "SESSION_SETUP": "auto",  # who sets Django's NLS session state: a logon trigger or each checkout
    "RESET_CONTEXTS": [],  # shared_class: application context namespaces cleared before a session goes back
    "SHARED_ALIAS": "default",
    "TENANT_ALIAS": "default",
    "NO_TENANT": "error",
    "TENANTS": {},
    "TENANT_CATALOG": None,
    "SHARED_APPS": ("auth", "contenttypes", "sessions", "admin"),
    "RESOLVERS": [],
    "TRACE_MODULE": None,
    "TENANT_NOT_FOUND": None,
    "TENANT_BAD_REQUEST": None,
    "TENANT_REQUIRED": True,
}

#: Keys of ``DATABASES[alias]["POOL"]`` and their defaults (seconds everywhere, like Django); ``getmode``
#: has none: it follows ``wait_timeout``.
POOL_DEFAULTS: dict[str, Any] = {
    "min": 0,
    "max": 10,
    "increment": 1,
    "timeout": 0,
    "wait_timeout": 30.0,
    "call_timeout": None,  # seconds a call may take, a wait at the DRCP broker included (None: no bound)
    "max_lifetime_session": 0,
    "ping_interval": 60,
    "ping_timeout": None,
    "stmtcachesize": 20,  # what Django's Oracle backend sets on each connection
    "pool_boundary": None,
    "pool_name": None,
}
POOL_KEYS = frozenset({*POOL_DEFAULTS, "getmode"})

#: ``OPTIONS`` keys consumed by drcp_multi itself or known only to Django/cx_Oracle: never passed on.
OPTIONS_CONSUMED = frozenset({"purity", "cclass", "config_dir", "use_returning_into", "threaded", "pool"})
#: ``create_pool()`` parameters users must not set through ``OPTIONS`` (drcp_multi owns them, or they
#: belong in ``POOL``).
OPTIONS_RESERVED = (
    frozenset(
        {
            "dsn",
            "pool_class",
            "pool_alias",
            "params",
            "user",
            "password",
            "connectiontype",
            "session_callback",
            "handle",
            "homogeneous",
        }
    )
    | POOL_KEYS
)

_GETMODES: dict[str, int] = {
    "wait": int(oracledb.POOL_GETMODE_WAIT),
    "nowait": int(oracledb.POOL_GETMODE_NOWAIT),
    "forceget": int(oracledb.POOL_GETMODE_FORCEGET),
    "timedwait": int(oracledb.POOL_GETMODE_TIMEDWAIT),
}
_PURITIES: dict[str, int] = {
    "default": int(oracledb.ATTR_PURITY_DEFAULT),
    "new": int(oracledb.ATTR_PURITY_NEW),
    "self": int(oracledb.ATTR_PURITY_SELF),
}


# ---------------------------------------------------------------------------------------------------------
# Parsers (shared by the rules, the pool configuration and the catalog).


def parse_purity(value: object) -> oracledb.Purity:
    """Purity from an oracledb/cx_Oracle constant (``ATTR_PURITY_*``, ``PURITY_*``, ``Purity.*``) or a word.

    Raises ValueError for anything else.
    """
    if isinstance(value, str):
        if value.strip().lower() in _PURITIES:
            return oracledb.Purity(_PURITIES[value.strip().lower()])
    elif isinstance(value, int) and not isinstance(value, bool):
        try:
            return oracledb.Purity(int(value))
        except ValueError:
            pass
    raise ValueError(f"unknown purity {value!r}")


def parse_getmode(value: object) -> oracledb.PoolGetMode:
    """Get mode from an oracledb constant or a word ("wait", "nowait", "forceget", "timedwait")."""
    if isinstance(value, str) and value.strip().lower() in _GETMODES:
        return oracledb.PoolGetMode(_GETMODES[value.strip().lower()])
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return oracledb.PoolGetMode(int(value))
        except ValueError:
            pass
    raise ValueError(f"unknown getmode {value!r}")


def default_cclass(alias: str) -> str:
    """The class used when an alias sets none: never the driver's random ``DPY:<uuid>``, which defeats
    DRCP reuse across processes."""
    return "DJANGO_" + re.sub(r"[^A-Za-z0-9_]", "_", alias).upper()[:120]


def build_dsn(settings_dict: Mapping[str, Any]) -> str:
    """NAME as a tnsnames alias or Easy Connect string, or HOST/PORT/NAME as a service (like Django)."""
    name = str(settings_dict.get("NAME") or "")
    host = str(settings_dict.get("HOST") or "").strip()
    port = settings_dict.get("PORT")
    if port:
        return str(oracledb.makedsn(host or "localhost", int(port), service_name=name))
    if host:
        return f"{host}/{name}"
    return name


# ---------------------------------------------------------------------------------------------------------
# The project settings, read at call time (Django caches ``settings.DRCP_MULTI`` after its first access, so
# a getter costs two lookups; a dict edited in place is seen at once, as scripts and tests expect).

_lock = threading.Lock()
#: Bumped whenever DATABASES or DRCP_MULTI change (``setting_changed``): caches built from settings compare
#: it instead of re-reading them on every request.
_generation = 0


def settings_generation() -> int:
    """A number that changes whenever ``DATABASES`` or ``DRCP_MULTI`` change through ``setting_changed``."""
    return _generation


# ``django.conf.settings`` caches each setting it has read in its instance ``__dict__``, and drops it there
# when the setting is set or deleted or ``override_settings`` swaps the settings: the getters read that
# cache first, because an attribute read through ``LazyObject.__getattribute__`` costs thousands of
# instructions (it probes the value for ``_mask_wrapped`` and catches the AttributeError). A Django
# internal: tests/core/test_django_internals.py pins the cache's behaviour.
_settings_cache: dict[str, Any] = object.__getattribute__(settings, "__dict__")


def project_settings() -> Mapping[str, Any]:
    """``settings.DRCP_MULTI`` as given (an empty mapping when unset or not a dict; check E014 says so)."""
    raw = _settings_cache.get("DRCP_MULTI")
    if raw is None:  # not read since it last changed (or unset): Django's own lookup caches it
        raw = getattr(settings, "DRCP_MULTI", None)
    return raw if isinstance(raw, dict) else {}


def tenancy_mode_as_given() -> object:
    """``TENANCY_MODE`` as written in ``settings.DRCP_MULTI``, unchecked (None when unset): what a cache built
    for one mode compares by identity, to notice a dict edited in place (which sends no signal)."""
    return project_settings().get("TENANCY_MODE")


def drcp_setting(name: str) -> Any:
    """A key of ``settings.DRCP_MULTI``, or its default from :data:`DEFAULTS` (None for unknown keys).

    For drcp_multi's own keys prefer the typed getters below.
    """
    project = project_settings()
    if name in project:
        return project[name]
    return DEFAULTS.get(name)


def tenancy_mode() -> TenancyMode:
    """``TENANCY_MODE``; raises ConfigurationError (an ImproperlyConfigured, check drcp_multi.E009)."""
    mode = drcp_setting("TENANCY_MODE")
    if mode not in TENANCY_MODES:
        raise ConfigurationError(
            f"drcp_multi.E009: DRCP_MULTI['TENANCY_MODE'] is {mode!r}. "
            f"HINT: Use one of {', '.join(repr(m) for m in TENANCY_MODES)}."
        )
    return cast(TenancyMode, mode)


def cclass_prefix() -> str:
    """``CCLASS_PREFIX``: what tenant classes start with (``prefix + tenant name``)."""
    return str(drcp_setting("CCLASS_PREFIX") or "")


def max_live_pools() -> int | None:
    """``MAX_LIVE_POOLS``: cap on live tenant pools in mode "pool_per_tenant" (None: no cap)."""
    value = drcp_setting("MAX_LIVE_POOLS")
    return None if value is None else int(value)


def pool_idle_timeout() -> float | None:
    """``POOL_IDLE_TIMEOUT``: seconds after which an idle tenant pool is closed (None: never)."""
    value = drcp_setting("POOL_IDLE_TIMEOUT")
    return None if value is None else float(value)


def tenant_wait_timeout() -> float:
    """``TENANT_WAIT_TIMEOUT``: seconds a tenant at its ``max_busy`` waits for a slot."""
    value = drcp_setting("TENANT_WAIT_TIMEOUT")
    return float(DEFAULTS["TENANT_WAIT_TIMEOUT"] if value is None else value)


def session_setup() -> SessionSetup:
    """``SESSION_SETUP``: "auto" (the logon trigger when installed, else each checkout), "trigger" (the
    trigger must be installed) or "checkout" (one set-up round trip on every checkout)."""
    value = drcp_setting("SESSION_SETUP")
    if value not in SESSION_SETUPS:
        raise ConfigurationError(
            f"drcp_multi.E016: DRCP_MULTI['SESSION_SETUP'] is {value!r}. "
            f"HINT: Use one of {', '.join(repr(v) for v in SESSION_SETUPS)}."
        )
    return cast(SessionSetup, value)


def reset_contexts() -> tuple[str, ...]:
    """``RESET_CONTEXTS``: application context namespaces that a "shared_class" request clears (with
    ``DBMS_SESSION.RESET_PACKAGE``) before giving back a session it may have changed."""
    value = drcp_setting("RESET_CONTEXTS") or ()
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def shared_alias() -> str:
    """``SHARED_ALIAS``: where the catalog, auth, sessions and other shared apps live."""
    return str(drcp_setting("SHARED_ALIAS") or DEFAULTS["SHARED_ALIAS"])


def tenant_alias() -> str:
    """``TENANT_ALIAS``: the alias tenants share in the modes other than "alias"."""
    return str(drcp_setting("TENANT_ALIAS") or DEFAULTS["TENANT_ALIAS"])


def no_tenant() -> str:
    """``NO_TENANT``: "error" (tenant models outside a tenant raise NoTenant) or "shared"."""
    return str(drcp_setting("NO_TENANT"))


def tenants() -> Mapping[str, Any]:
    """``TENANTS``: the static catalog, name -> spec."""
    return cast(Mapping[str, Any], drcp_setting("TENANTS") or {})


def tenant_catalog() -> Any:
    """``TENANT_CATALOG``: a dynamic catalog (dotted path, model label, callable or instance), or None."""
    return drcp_setting("TENANT_CATALOG")


def shared_apps() -> tuple[str, ...]:
    """``SHARED_APPS``: app labels always served from ``SHARED_ALIAS``. A bare string is one label (a check
    reports it), never a set of letters."""
    value = drcp_setting("SHARED_APPS")
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def resolver_specs() -> list[Any]:
    """``RESOLVERS``: how requests name their tenant, first match wins."""
    return list(drcp_setting("RESOLVERS") or [])


def trace_module() -> str | None:
    """``TRACE_MODULE``: the ``module`` stamped on every checkout of a request (None: none)."""
    value = drcp_setting("TRACE_MODULE")
    return None if value is None else str(value)


def tenant_not_found() -> Any:
    """``TENANT_NOT_FOUND``: the view (or dotted path) answering an unknown tenant, or None (404)."""
    return drcp_setting("TENANT_NOT_FOUND")


def tenant_required() -> bool:
    """``TENANT_REQUIRED``: whether a request that names no tenant is refused."""
    return bool(drcp_setting("TENANT_REQUIRED"))


def drcp_aliases() -> list[str]:
    """The DATABASES aliases served by this package's engine."""
    return [alias for alias, d in settings.DATABASES.items() if d.get("ENGINE") == ENGINE]


def reset_caches() -> None:
    """Invalidate every cache keyed on :func:`settings_generation`."""
    global _generation
    with _lock:
        _generation += 1


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("DATABASES", "DRCP_MULTI"):
        reset_caches()


setting_changed.connect(_on_setting_changed, dispatch_uid="drcp_multi.conf")
