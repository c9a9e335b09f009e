"""Settings, read lazily through this one module.

Per alias, :func:`get_pool_config` turns a ``DATABASES`` entry into a typed :class:`PoolConfig`. It accepts
the 2014 django-oracle-drcp settings verbatim (``OPTIONS: {"purity", "cclass"}`` and a top-level
``POOL: {"min", "max", "increment", "timeout"}``, purity as a cx_Oracle-era or oracledb constant or a word)
plus the keys documented in docs/configuration.md. Project-wide keys live in ``settings.DRCP_MULTI`` and are
read with :func:`drcp_setting`.

Validation lives here, once: :func:`find_problems` returns every problem with its stable check id;
``checks.py`` reports them as system checks and :func:`get_pool_config` raises the first one as
:class:`~drcp_multi.exceptions.ConfigurationError`, so nothing fails later with a driver traceback.
"""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import oracledb
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from drcp_multi.exceptions import ConfigurationError
from drcp_multi.validation import CCLASS_PATTERN, is_valid_cclass, validate_cclass

ENGINE = "drcp_multi.backends.oracle"


TENANCY_MODES = ("alias", "pool_per_tenant", "shared_pool")
TenancyMode = Literal["alias", "pool_per_tenant", "shared_pool"]

#: Built-in defaults of ``settings.DRCP_MULTI`` keys, returned by :func:`drcp_setting` when unset.
DEFAULTS: dict[str, Any] = {
    "TENANCY_MODE": "pool_per_tenant",
    "CCLASS_PREFIX": "",
    "MAX_LIVE_POOLS": None,  # pool_per_tenant: cap on live tenant pools (None: no cap)
    "POOL_IDLE_TIMEOUT": 300.0,  # pool_per_tenant: close a tenant's pool idle this long (seconds)
}

_POOL_DEFAULTS: dict[str, Any] = {
    "min": 0,
    "max": 10,
    "increment": 1,
    "timeout": 0,
    "wait_timeout": 30.0,
    "max_lifetime_session": 0,
    "ping_interval": 60,
    "ping_timeout": None,
    "stmtcachesize": 20,  # what Django's Oracle backend sets on each connection
    "pool_boundary": None,
    "pool_name": None,
}

#: Keys of ``DATABASES[alias]["POOL"]`` (seconds everywhere, like Django): the defaults' keys, and getmode
#: (its default follows wait_timeout).
POOL_KEYS = frozenset({*_POOL_DEFAULTS, "getmode"})

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

# OPTIONS keys we consume ourselves or that only Django/cx_Oracle know; never passed to the driver.
_OPTIONS_CONSUMED = frozenset({"purity", "cclass", "config_dir", "use_returning_into", "threaded", "pool"})
# create_pool() parameters that users must not set through OPTIONS (we own them, or they belong in POOL).
_OPTIONS_RESERVED = (
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


def _driver_connect_keys() -> frozenset[str]:
    # Whatever this oracledb version's create_pool() accepts (the set differs between 2.x and 26.x).
    return frozenset(inspect.signature(oracledb.create_pool).parameters) - {"args", "kwargs"}


DRIVER_CONNECT_KEYS = _driver_connect_keys()


@dataclass(frozen=True)
class Problem:
    """One invalid setting: the system check id, a message naming the setting, and the fix."""

    id: str
    msg: str
    hint: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.id}: {self.msg} HINT: {self.hint}"


@dataclass(frozen=True)
class PoolConfig:
    """The pool configuration of one ``DATABASES`` alias (all durations in seconds)."""

    alias: str
    user: str
    password: str = field(repr=False)
    dsn: str
    cclass: str
    purity: oracledb.Purity
    min: int = 0
    max: int = 10
    increment: int = 1
    timeout: int = 0
    wait_timeout: float | None = 30.0
    getmode: oracledb.PoolGetMode = oracledb.PoolGetMode.TIMEDWAIT
    max_lifetime_session: int = 0
    ping_interval: int = 60
    ping_timeout: float | None = None
    stmtcachesize: int = 20
    pool_boundary: str | None = None
    pool_name: str | None = None
    server_type: str = "pooled"
    config_dir: str | None = None
    cclass_configured: bool = True
    connect_kwargs: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def pool_kwargs(self, cclass: str | None = None, purity: oracledb.Purity | None = None) -> dict[str, Any]:
        """Keyword arguments for ``oracledb.create_pool()`` (the registry is their only user)."""
        kwargs: dict[str, Any] = dict(self.connect_kwargs)
        kwargs.update(
            user=self.user,
            password=self.password,
            dsn=self.dsn,
            min=self.min,
            max=self.max,
            increment=self.increment,
            timeout=self.timeout,
            getmode=self.getmode,
            max_lifetime_session=self.max_lifetime_session,
            ping_interval=self.ping_interval,
            stmtcachesize=self.stmtcachesize,
            server_type=self.server_type,
            cclass=validate_cclass(cclass or self.cclass, "cclass"),
            purity=purity if purity is not None else self.purity,
        )
        if self.getmode == oracledb.PoolGetMode.TIMEDWAIT and self.wait_timeout is not None:
            kwargs["wait_timeout"] = int(self.wait_timeout * 1000)  # the driver counts milliseconds
        if self.ping_timeout is not None:
            kwargs["ping_timeout"] = int(self.ping_timeout * 1000)
        if self.config_dir:
            kwargs["config_dir"] = self.config_dir
        for key in ("pool_boundary", "pool_name"):
            if getattr(self, key) is not None:
                kwargs[key] = getattr(self, key)
        return kwargs

    def describe(self) -> dict[str, Any]:
        """The configuration for stats and logs: never the password."""
        return {
            "alias": self.alias,
            "user": self.user,
            "dsn": self.dsn,
            "cclass": self.cclass,
            "purity": self.purity.name,
            "min": self.min,
            "max": self.max,
            "increment": self.increment,
            "timeout": self.timeout,
            "wait_timeout": self.wait_timeout,
            "getmode": self.getmode.name,
            "max_lifetime_session": self.max_lifetime_session,
            "ping_interval": self.ping_interval,
            "stmtcachesize": self.stmtcachesize,
        }


# ---------------------------------------------------------------------------------------------------------
# Parsers shared by conf, checks, the registry and the backend (names and classes: drcp_multi.validation).


def parse_purity(value: object) -> oracledb.Purity:
    """Purity from an oracledb/cx_Oracle constant (``ATTR_PURITY_*``, ``PURITY_*``, ``Purity.*``) or a word.

    Raises ValueError for anything else.
    """
    if isinstance(value, str):
        try:
            return oracledb.Purity(_PURITIES[value.strip().lower()])
        except KeyError:
            pass
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
        return oracledb.makedsn(host or "localhost", int(port), service_name=name)
    if host:
        return f"{host}/{name}"
    return name


# ---------------------------------------------------------------------------------------------------------
# Project-wide settings.


def drcp_setting(name: str, default: Any = None) -> Any:
    """A key of ``settings.DRCP_MULTI``; ``default`` (or the built-in default) when it is unset."""
    project: Mapping[str, Any] = getattr(settings, "DRCP_MULTI", None) or {}
    if name in project:
        return project[name]
    return default if default is not None else DEFAULTS.get(name)


def tenancy_mode() -> TenancyMode:
    mode = drcp_setting("TENANCY_MODE")
    if mode not in TENANCY_MODES:
        raise ConfigurationError(str(_tenancy_mode_problem(mode)))
    return mode


def _tenancy_mode_problem(mode: object) -> Problem:
    return Problem(
        "drcp_multi.E009",
        f"DRCP_MULTI['TENANCY_MODE'] is {mode!r}.",
        f"Use one of {', '.join(repr(m) for m in TENANCY_MODES)}.",
    )


def drcp_aliases() -> list[str]:
    """The DATABASES aliases served by this package's engine."""
    return [alias for alias, d in settings.DATABASES.items() if d.get("ENGINE") == ENGINE]


# ---------------------------------------------------------------------------------------------------------
# Validation.


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def find_problems(alias: str, settings_dict: Mapping[str, Any]) -> list[Problem]:
    """Every problem in one ``DATABASES`` entry served by our engine (errors and warnings)."""
    where = f"DATABASES[{alias!r}]"
    problems: list[Problem] = []
    options = settings_dict.get("OPTIONS") or {}
    pool = settings_dict.get("POOL") or {}
    if not isinstance(options, Mapping) or not isinstance(pool, Mapping):
        return [
            Problem(
                "drcp_multi.E010",
                f"{where}['OPTIONS'] and {where}['POOL'] must be dicts.",
                "Write them as dicts, e.g. 'POOL': {'min': 1, 'max': 4, 'increment': 1}.",
            )
        ]

    # POOL keys and values.
    for key in sorted(set(pool) - POOL_KEYS):
        problems.append(
            Problem(
                "drcp_multi.E008",
                f"{where}['POOL'] has the unknown key {key!r}.",
                f"Remove it or use one of: {', '.join(sorted(POOL_KEYS))} (see docs/configuration.md).",
            )
        )
    ints = {"min": 0, "max": 1, "increment": 1, "stmtcachesize": 0}
    for key, lowest in ints.items():
        if key in pool and not (isinstance(pool[key], int) and not isinstance(pool[key], bool)):
            problems.append(
                Problem(
                    "drcp_multi.E010",
                    f"{where}['POOL'][{key!r}] is {pool[key]!r}, not an integer.",
                    f"Set it to an integer >= {lowest}.",
                )
            )
    lo, hi, inc = pool.get("min", 0), pool.get("max", _POOL_DEFAULTS["max"]), pool.get("increment", 1)
    if isinstance(inc, int) and inc < 1:
        problems.append(
            Problem(
                "drcp_multi.E002",
                f"{where}['POOL']['increment'] is {inc}; it must be at least 1.",
                "Set 'increment' to 1 or more (sessions opened at a time when the pool grows).",
            )
        )
    if isinstance(lo, int) and lo < 0:
        problems.append(
            Problem("drcp_multi.E010", f"{where}['POOL']['min'] is {lo}.", "Set 'min' to 0 or more.")
        )
    if isinstance(hi, int) and hi < 1:
        problems.append(
            Problem("drcp_multi.E010", f"{where}['POOL']['max'] is {hi}.", "Set 'max' to 1 or more.")
        )
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        problems.append(
            Problem(
                "drcp_multi.E001",
                f"{where}['POOL']['min'] ({lo}) is greater than 'max' ({hi}).",
                "Make 'min' <= 'max'.",
            )
        )
    for key in ("timeout", "wait_timeout", "max_lifetime_session", "ping_timeout"):
        value = pool.get(key)
        if value is None:
            continue
        if not _is_number(value) or value < 0:
            problems.append(
                Problem(
                    "drcp_multi.E003",
                    f"{where}['POOL'][{key!r}] is {value!r}; it must be a number of seconds >= 0.",
                    f"Set {key!r} to 0 or more seconds, or remove it for the default.",
                )
            )
    if "ping_interval" in pool and not (
        isinstance(pool["ping_interval"], int) and not isinstance(pool["ping_interval"], bool)
    ):
        problems.append(
            Problem(
                "drcp_multi.E003",
                f"{where}['POOL']['ping_interval'] is {pool['ping_interval']!r}.",
                "Set it to whole seconds (0: ping on every acquire; negative: never ping).",
            )
        )
    if "getmode" in pool:
        try:
            parse_getmode(pool["getmode"])
        except ValueError:
            problems.append(
                Problem(
                    "drcp_multi.E012",
                    f"{where}['POOL']['getmode'] is {pool['getmode']!r}.",
                    "Use 'wait', 'nowait', 'forceget' or 'timedwait' (or oracledb.POOL_GETMODE_*).",
                )
            )
    if pool.get("pool_boundary") not in (None, "statement", "transaction"):
        problems.append(
            Problem(
                "drcp_multi.E015",
                f"{where}['POOL']['pool_boundary'] is {pool['pool_boundary']!r}.",
                "Use 'statement', 'transaction' or leave it unset (explicit release at request end).",
            )
        )

    # OPTIONS.
    if "purity" in options:
        try:
            parse_purity(options["purity"])
        except ValueError:
            problems.append(
                Problem(
                    "drcp_multi.E004",
                    f"{where}['OPTIONS']['purity'] is {options['purity']!r}.",
                    "Use 'new', 'self' or 'default', or oracledb.ATTR_PURITY_NEW/SELF/DEFAULT "
                    "(cx_Oracle's constants have the same values).",
                )
            )
    cclass = options.get("cclass")
    if cclass is not None and not is_valid_cclass(cclass):
        problems.append(
            Problem(
                "drcp_multi.E005",
                f"{where}['OPTIONS']['cclass'] is {cclass!r}, which does not match {CCLASS_PATTERN}.",
                "Start with a letter, digit or '_'; then up to 127 letters, digits or '_.:$-'.",
            )
        )
    if cclass is None:
        problems.append(
            Problem(
                "drcp_multi.W001",
                f"{where}['OPTIONS'] sets no 'cclass'; the class {default_cclass(alias)!r} is used.",
                "Set OPTIONS['cclass'] to name this application's DRCP connection class.",
                "warning",
            )
        )
    if "pool" in options:
        problems.append(
            Problem(
                "drcp_multi.E007",
                f"{where}['OPTIONS']['pool'] turns on Django's own pool, which {ENGINE!r} replaces.",
                f"Remove OPTIONS['pool'] and size the pool with {where}['POOL'].",
            )
        )
    for key in sorted(set(options) - _OPTIONS_CONSUMED):
        if key in _OPTIONS_RESERVED:
            problems.append(
                Problem(
                    "drcp_multi.E011",
                    f"{where}['OPTIONS'][{key!r}] is managed by drcp_multi.",
                    f"Remove it; pool settings go in {where}['POOL'] and credentials in USER/PASSWORD/NAME.",
                )
            )
        elif key not in DRIVER_CONNECT_KEYS:
            problems.append(
                Problem(
                    "drcp_multi.E011",
                    f"{where}['OPTIONS'][{key!r}] is not a connect parameter of the installed "
                    f"python-oracledb {oracledb.__version__}.",
                    "Remove it or check its spelling against oracledb.create_pool()'s parameters; a "
                    "parameter of a newer release needs that release (see its release notes).",
                )
            )
    problems.extend(pool_keys_the_driver_lacks(where, pool))

    # CONN_MAX_AGE.
    max_age = settings_dict.get("CONN_MAX_AGE", 0)
    if max_age != 0:
        problems.append(
            Problem(
                "drcp_multi.E006",
                f"{where}['CONN_MAX_AGE'] is {max_age!r}; a pooled connection must go back to the pool at "
                "the end of each request.",
                "Set CONN_MAX_AGE to 0 (the pool keeps the sessions, not Django).",
            )
        )

    # Where to connect.
    if not settings_dict.get("NAME"):
        problems.append(
            Problem(
                "drcp_multi.E013",
                f"{where}['NAME'] is empty.",
                "Set NAME to a tnsnames.ora alias, an Easy Connect string, or a service name with HOST/PORT.",
            )
        )
    else:
        port = settings_dict.get("PORT")
        if port and not str(port).strip().isdigit():
            problems.append(
                Problem("drcp_multi.E013", f"{where}['PORT'] is {port!r}.", "Set PORT to a port number.")
            )
        else:
            problems.extend(_dsn_problems(where, settings_dict, options))
    return problems


#: POOL keys python-oracledb added after 2.0, with the release that added them (its release notes).
POOL_KEYS_ADDED_IN = {"pool_name": "3.2"}


def pool_keys_the_driver_lacks(
    where: str,
    pool: Mapping[str, Any],
    driver_keys: frozenset[str] = DRIVER_CONNECT_KEYS,
    driver_version: str = oracledb.__version__,
) -> list[Problem]:
    """POOL keys set to a value that the installed ``oracledb.create_pool()`` has no parameter for: passed
    on, they would be a TypeError at the first checkout. (Each POOL key is the create_pool() parameter of
    the same name; unset keys are not passed.)"""
    problems = []
    for key in sorted(POOL_KEYS & set(pool)):
        if pool[key] is None or key in driver_keys:
            continue
        added = POOL_KEYS_ADDED_IN.get(key)
        needs = f"python-oracledb {added} or later" if added else "a python-oracledb release that has it"
        problems.append(
            Problem(
                "drcp_multi.E020",
                f"{where}['POOL'][{key!r}] is set, but the installed python-oracledb {driver_version} has no "
                f"create_pool() parameter {key!r}.",
                f"Upgrade to {needs} (pip install -U oracledb), or remove {where}['POOL'][{key!r}].",
            )
        )
    return problems


def _dsn_problems(where: str, settings_dict: Mapping[str, Any], options: Mapping[str, Any]) -> list[Problem]:
    params = oracledb.ConnectParams(server_type="pooled")
    if options.get("config_dir"):
        params.set(config_dir=options["config_dir"])
    try:
        params.parse_connect_string(build_dsn(settings_dict))
    except Exception as exc:  # the driver's message says which file or entry is wrong
        return [
            Problem(
                "drcp_multi.E013",
                f"{where}['NAME'] cannot be resolved: {exc}",
                "Point TNS_ADMIN or OPTIONS['config_dir'] at the directory holding tnsnames.ora, or use an "
                "Easy Connect string (host:port/service).",
            )
        ]
    server_type = (params.server_type or "pooled").lower()
    if server_type != "pooled":
        return [
            Problem(
                "drcp_multi.W002",
                f"{where}['NAME'] resolves to a descriptor with SERVER={server_type.upper()}: DRCP is off.",
                "Remove SERVER=... from the descriptor; the engine asks for SERVER=POOLED itself.",
                "warning",
            )
        ]
    return []


def project_problems() -> list[Problem]:
    """Problems in ``settings.DRCP_MULTI`` that the core reads."""
    problems: list[Problem] = []
    project = getattr(settings, "DRCP_MULTI", None)
    if project is None:
        return problems
    if not isinstance(project, Mapping):
        return [Problem("drcp_multi.E014", "DRCP_MULTI must be a dict.", "Write it as a dict of settings.")]
    mode = project.get("TENANCY_MODE", DEFAULTS["TENANCY_MODE"])
    if mode not in TENANCY_MODES:
        problems.append(_tenancy_mode_problem(mode))
    prefix = project.get("CCLASS_PREFIX", "")
    if not isinstance(prefix, str) or (prefix and not is_valid_cclass(prefix + "X")):
        problems.append(
            Problem(
                "drcp_multi.E005",
                f"DRCP_MULTI['CCLASS_PREFIX'] is {prefix!r}, which cannot start a valid connection class.",
                f"Use a prefix such that prefix + tenant name matches {CCLASS_PATTERN}.",
            )
        )
    cap = project.get("MAX_LIVE_POOLS")
    if cap is not None and not (isinstance(cap, int) and not isinstance(cap, bool) and cap >= 1):
        problems.append(
            Problem(
                "drcp_multi.E014",
                f"DRCP_MULTI['MAX_LIVE_POOLS'] is {cap!r}.",
                "Set it to an integer >= 1, or None for no cap.",
            )
        )
    for key in ("POOL_IDLE_TIMEOUT", "TENANT_WAIT_TIMEOUT"):
        value = project.get(key)
        if value is not None and (not _is_number(value) or value < 0):
            problems.append(
                Problem(
                    "drcp_multi.E014",
                    f"DRCP_MULTI[{key!r}] is {value!r}.",
                    "Set it to a number of seconds >= 0, or None.",
                )
            )
    return problems


# ---------------------------------------------------------------------------------------------------------
# Typed configuration, cached per alias and re-read when the settings change.


def _freeze(value: Any) -> Any:
    # A hashable snapshot: the test runner swaps USER/PASSWORD in place, without a setting_changed signal.
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


_cache_lock = threading.Lock()
_cache: dict[str, tuple[Any, PoolConfig]] = {}


def get_pool_config(alias: str, settings_dict: Mapping[str, Any] | None = None) -> PoolConfig:
    """The typed pool configuration of ``alias``.

    ``settings_dict`` defaults to ``settings.DATABASES[alias]``; the backend passes its own (Django's test
    database creation uses a copy with another USER under the same alias). Raises
    :class:`~drcp_multi.exceptions.ConfigurationError` (an ``ImproperlyConfigured``) naming the check id
    when the entry is invalid.
    """
    if settings_dict is None:
        settings_dict = settings.DATABASES[alias]
    snapshot = _freeze(settings_dict)
    cached = _cache.get(alias)
    if cached is not None and cached[0] == snapshot:
        return cached[1]
    errors = [p for p in find_problems(alias, settings_dict) if p.level == "error"]
    if errors:
        raise ConfigurationError("; ".join(str(p) for p in errors))
    config = _build(alias, settings_dict)
    with _cache_lock:
        _cache[alias] = (snapshot, config)
    return config


def _build(alias: str, settings_dict: Mapping[str, Any]) -> PoolConfig:
    options: Mapping[str, Any] = settings_dict.get("OPTIONS") or {}
    pool: dict[str, Any] = {**_POOL_DEFAULTS, **(settings_dict.get("POOL") or {})}
    if "getmode" in pool:
        getmode = parse_getmode(pool["getmode"])
    else:
        # A web request should fail with PoolTimeout rather than block forever on an exhausted pool.
        getmode = oracledb.PoolGetMode.TIMEDWAIT if pool["wait_timeout"] else oracledb.PoolGetMode.WAIT
    connect_kwargs = {k: v for k, v in options.items() if k not in _OPTIONS_CONSUMED}
    cclass = options.get("cclass")
    return PoolConfig(
        alias=alias,
        user=str(settings_dict.get("USER") or ""),
        password=str(settings_dict.get("PASSWORD") or ""),
        dsn=build_dsn(settings_dict),
        cclass=cclass or default_cclass(alias),
        cclass_configured=cclass is not None,
        purity=parse_purity(options.get("purity", "self")),
        min=pool["min"],
        max=pool["max"],
        increment=pool["increment"],
        timeout=int(pool["timeout"]),
        wait_timeout=pool["wait_timeout"],
        getmode=getmode,
        max_lifetime_session=int(pool["max_lifetime_session"]),
        ping_interval=pool["ping_interval"],
        ping_timeout=pool["ping_timeout"],
        stmtcachesize=pool["stmtcachesize"],
        pool_boundary=pool["pool_boundary"],
        pool_name=pool["pool_name"],
        server_type=str(options.get("server_type", "pooled")),
        config_dir=options.get("config_dir"),
        connect_kwargs=connect_kwargs,
    )


def reset_caches() -> None:
    with _cache_lock:
        _cache.clear()


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("DATABASES", "DRCP_MULTI"):
        reset_caches()
