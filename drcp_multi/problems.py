"""The rules settings must follow: one small function per rule, each yielding :class:`Problem` values with
a stable id, a message naming the setting, and the fix.

The same rules serve ``manage.py check`` (:mod:`drcp_multi.checks` turns problems into check messages)
and the run time (:func:`drcp_multi.poolconfig.get_pool_config` raises the first error as
:class:`~drcp_multi.exceptions.ConfigurationError`), so the check and the failure always agree. Ids are
documented in docs/configuration.md.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import oracledb

from drcp_multi.conf import (
    DEFAULTS,
    ENGINE,
    OPTIONS_CONSUMED,
    OPTIONS_RESERVED,
    POOL_DEFAULTS,
    POOL_KEYS,
    SESSION_SETUPS,
    TENANCY_MODES,
    build_dsn,
    default_cclass,
    parse_getmode,
    parse_purity,
)
from drcp_multi.validation import CCLASS_PATTERN, NAMESPACE_PATTERN, is_valid_cclass, is_valid_namespace


@dataclass(frozen=True)
class Problem:
    """One invalid setting: the system check id, a message naming the setting, and the fix."""

    id: str
    msg: str
    hint: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.id}: {self.msg} HINT: {self.hint}"


def _driver_connect_keys() -> frozenset[str]:
    # Whatever this oracledb version's create_pool() accepts (the set differs between 2.x and 26.x).
    return frozenset(inspect.signature(oracledb.create_pool).parameters) - {"args", "kwargs"}


DRIVER_CONNECT_KEYS = _driver_connect_keys()


def is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_finite_number(value: object) -> bool:
    """An int or a float that is neither NaN nor infinite (a bool is not a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ---------------------------------------------------------------------------------------------------------
# One DATABASES entry. Each rule takes (where, settings_dict, options, pool).


@dataclass(frozen=True)
class Entry:
    """One ``DATABASES`` entry as the rules see it."""

    alias: str
    settings: Mapping[str, Any]
    options: Mapping[str, Any]
    pool: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"DATABASES[{self.alias!r}]"


EntryRule = Callable[[Entry], Iterator[Problem]]


def pool_keys_known(entry: Entry) -> Iterator[Problem]:
    for key in sorted(set(entry.pool) - POOL_KEYS):
        yield Problem(
            "drcp_multi.E008",
            f"{entry.where}['POOL'] has the unknown key {key!r}.",
            f"Remove it or use one of: {', '.join(sorted(POOL_KEYS))} (see docs/configuration.md).",
        )


def pool_integers(entry: Entry) -> Iterator[Problem]:
    for key, lowest in {"min": 0, "max": 1, "increment": 1, "stmtcachesize": 0}.items():
        if key in entry.pool and not is_integer(entry.pool[key]):
            yield Problem(
                "drcp_multi.E010",
                f"{entry.where}['POOL'][{key!r}] is {entry.pool[key]!r}, not an integer.",
                f"Set it to an integer >= {lowest}.",
            )


def pool_sizes(entry: Entry) -> Iterator[Problem]:
    lo, hi = entry.pool.get("min", POOL_DEFAULTS["min"]), entry.pool.get("max", POOL_DEFAULTS["max"])
    inc = entry.pool.get("increment", POOL_DEFAULTS["increment"])
    if is_integer(inc) and inc < 1:
        yield Problem(
            "drcp_multi.E002",
            f"{entry.where}['POOL']['increment'] is {inc}; it must be at least 1.",
            "Set 'increment' to 1 or more (sessions opened at a time when the pool grows).",
        )
    if is_integer(lo) and lo < 0:
        yield Problem("drcp_multi.E010", f"{entry.where}['POOL']['min'] is {lo}.", "Set 'min' to 0 or more.")
    if is_integer(hi) and hi < 1:
        yield Problem("drcp_multi.E010", f"{entry.where}['POOL']['max'] is {hi}.", "Set 'max' to 1 or more.")
    if is_integer(lo) and is_integer(hi) and lo > hi:
        yield Problem(
            "drcp_multi.E001",
            f"{entry.where}['POOL']['min'] ({lo}) is greater than 'max' ({hi}).",
            "Make 'min' <= 'max'.",
        )


def pool_durations(entry: Entry) -> Iterator[Problem]:
    for key in ("timeout", "wait_timeout", "call_timeout", "max_lifetime_session", "ping_timeout"):
        value = entry.pool.get(key)
        if value is not None and (not is_finite_number(value) or value < 0):
            yield Problem(
                "drcp_multi.E003",
                f"{entry.where}['POOL'][{key!r}] is {value!r}; it must be a finite number of seconds >= 0.",
                f"Set {key!r} to 0 or more seconds, or remove it for the default.",
            )
    if "ping_interval" in entry.pool and not is_integer(entry.pool["ping_interval"]):
        yield Problem(
            "drcp_multi.E003",
            f"{entry.where}['POOL']['ping_interval'] is {entry.pool['ping_interval']!r}.",
            "Set it to whole seconds (0: ping on every acquire; negative: never ping).",
        )


def pool_getmode(entry: Entry) -> Iterator[Problem]:
    if "getmode" in entry.pool:
        try:
            parse_getmode(entry.pool["getmode"])
        except ValueError:
            yield Problem(
                "drcp_multi.E012",
                f"{entry.where}['POOL']['getmode'] is {entry.pool['getmode']!r}.",
                "Use 'wait', 'nowait', 'forceget' or 'timedwait' (or oracledb.POOL_GETMODE_*).",
            )


def pool_boundary(entry: Entry) -> Iterator[Problem]:
    if entry.pool.get("pool_boundary") not in (None, "statement", "transaction"):
        yield Problem(
            "drcp_multi.E015",
            f"{entry.where}['POOL']['pool_boundary'] is {entry.pool['pool_boundary']!r}.",
            "Use 'statement', 'transaction' or leave it unset (explicit release at request end).",
        )


def options_purity(entry: Entry) -> Iterator[Problem]:
    if "purity" in entry.options:
        try:
            parse_purity(entry.options["purity"])
        except ValueError:
            yield Problem(
                "drcp_multi.E004",
                f"{entry.where}['OPTIONS']['purity'] is {entry.options['purity']!r}.",
                "Use 'new', 'self' or 'default', or oracledb.ATTR_PURITY_NEW/SELF/DEFAULT "
                "(cx_Oracle's constants have the same values).",
            )


def options_cclass(entry: Entry) -> Iterator[Problem]:
    cclass = entry.options.get("cclass")
    if cclass is None:
        yield Problem(
            "drcp_multi.W001",
            f"{entry.where}['OPTIONS'] sets no 'cclass'; the class {default_cclass(entry.alias)!r} is used.",
            "Set OPTIONS['cclass'] to name this application's DRCP connection class.",
            "warning",
        )
    elif not is_valid_cclass(cclass):
        yield Problem(
            "drcp_multi.E005",
            f"{entry.where}['OPTIONS']['cclass'] is {cclass!r}, which does not match {CCLASS_PATTERN}.",
            "Start with a letter, digit or '_'; then up to 127 letters, digits or '_.:$-'.",
        )


def options_no_django_pool(entry: Entry) -> Iterator[Problem]:
    if "pool" in entry.options:
        yield Problem(
            "drcp_multi.E007",
            f"{entry.where}['OPTIONS']['pool'] turns on Django's own pool, which {ENGINE!r} replaces.",
            f"Remove OPTIONS['pool'] and size the pool with {entry.where}['POOL'].",
        )


def options_driver_keys(entry: Entry) -> Iterator[Problem]:
    for key in sorted(set(entry.options) - OPTIONS_CONSUMED):
        if key in OPTIONS_RESERVED:
            yield Problem(
                "drcp_multi.E011",
                f"{entry.where}['OPTIONS'][{key!r}] is managed by drcp_multi.",
                f"Remove it; pool settings go in {entry.where}['POOL'] and credentials in "
                "USER/PASSWORD/NAME.",
            )
        elif key not in DRIVER_CONNECT_KEYS:
            yield Problem(
                "drcp_multi.E011",
                f"{entry.where}['OPTIONS'][{key!r}] is not a connect parameter of the installed "
                f"python-oracledb {oracledb.__version__}.",
                "Remove it or check its spelling against oracledb.create_pool()'s parameters; a parameter "
                "of a newer release needs that release (see its release notes).",
            )


#: POOL keys handed to ``oracledb.create_pool()`` under the same name (``call_timeout`` is set on each
#: connection instead), and the python-oracledb release that added those newer than 2.0 (release notes).
POOL_KEYS_FOR_CREATE_POOL = POOL_KEYS - {"call_timeout"}
POOL_KEYS_ADDED_IN = {"pool_name": "3.2"}


def pool_keys_the_driver_lacks(
    where: str,
    pool: Mapping[str, Any],
    driver_keys: frozenset[str] = DRIVER_CONNECT_KEYS,
    driver_version: str = oracledb.__version__,
) -> Iterator[Problem]:
    """POOL keys set to a value the installed ``oracledb.create_pool()`` has no parameter for: passed on,
    they would be a TypeError at the first checkout. (Unset, None, keys are not passed.)"""
    for key in sorted(POOL_KEYS_FOR_CREATE_POOL & set(pool)):
        if pool[key] is None or key in driver_keys:
            continue
        added = POOL_KEYS_ADDED_IN.get(key)
        needs = f"python-oracledb {added} or later" if added else "a python-oracledb release that has it"
        yield Problem(
            "drcp_multi.E020",
            f"{where}['POOL'][{key!r}] is set, but the installed python-oracledb {driver_version} has no "
            f"create_pool() parameter {key!r}.",
            f"Upgrade to {needs} (pip install -U oracledb), or remove {where}['POOL'][{key!r}].",
        )


def pool_keys_the_driver_takes(entry: Entry) -> Iterator[Problem]:
    yield from pool_keys_the_driver_lacks(entry.where, entry.pool)


def conn_max_age_zero(entry: Entry) -> Iterator[Problem]:
    max_age = entry.settings.get("CONN_MAX_AGE", 0)
    if max_age != 0:
        yield Problem(
            "drcp_multi.E006",
            f"{entry.where}['CONN_MAX_AGE'] is {max_age!r}; a pooled connection must go back to the pool at "
            "the end of each request.",
            "Set CONN_MAX_AGE to 0 (the pool keeps the sessions, not Django).",
        )


def connect_target(entry: Entry) -> Iterator[Problem]:
    if not entry.settings.get("NAME"):
        yield Problem(
            "drcp_multi.E013",
            f"{entry.where}['NAME'] is empty.",
            "Set NAME to a tnsnames.ora alias, an Easy Connect string, or a service name with HOST/PORT.",
        )
        return
    port = entry.settings.get("PORT")
    if port and not str(port).strip().isdigit():
        yield Problem("drcp_multi.E013", f"{entry.where}['PORT'] is {port!r}.", "Set PORT to a port number.")
        return
    params = oracledb.ConnectParams(server_type="pooled")
    if entry.options.get("config_dir"):
        params.set(config_dir=entry.options["config_dir"])
    try:
        params.parse_connect_string(build_dsn(entry.settings))
    except Exception as exc:  # the driver's message says which file or entry is wrong
        yield Problem(
            "drcp_multi.E013",
            f"{entry.where}['NAME'] cannot be resolved: {exc}",
            "Point TNS_ADMIN or OPTIONS['config_dir'] at the directory holding tnsnames.ora, or use an "
            "Easy Connect string (host:port/service).",
        )
        return
    server_type = (params.server_type or "pooled").lower()
    if server_type != "pooled":
        yield Problem(
            "drcp_multi.W002",
            f"{entry.where}['NAME'] resolves to a descriptor with SERVER={server_type.upper()}: DRCP is off.",
            "Remove SERVER=... from the descriptor; the engine asks for SERVER=POOLED itself.",
            "warning",
        )


ENTRY_RULES: tuple[EntryRule, ...] = (
    pool_keys_known,
    pool_integers,
    pool_sizes,
    pool_durations,
    pool_getmode,
    pool_boundary,
    options_purity,
    options_cclass,
    options_no_django_pool,
    options_driver_keys,
    pool_keys_the_driver_takes,
    conn_max_age_zero,
    connect_target,
)


def find_problems(alias: str, settings_dict: Mapping[str, Any]) -> list[Problem]:
    """Every problem in one ``DATABASES`` entry served by our engine (errors and warnings)."""
    where = f"DATABASES[{alias!r}]"
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
    entry = Entry(alias, settings_dict, options, pool)
    return [problem for rule in ENTRY_RULES for problem in rule(entry)]


# ---------------------------------------------------------------------------------------------------------
# settings.DRCP_MULTI, the keys the core reads. Each rule takes the DRCP_MULTI mapping.

ProjectRule = Callable[[Mapping[str, Any]], Iterator[Problem]]


def tenancy_mode_known(project: Mapping[str, Any]) -> Iterator[Problem]:
    mode = project.get("TENANCY_MODE", DEFAULTS["TENANCY_MODE"])
    if mode not in TENANCY_MODES:
        yield Problem(
            "drcp_multi.E009",
            f"DRCP_MULTI['TENANCY_MODE'] is {mode!r}.",
            f"Use one of {', '.join(repr(m) for m in TENANCY_MODES)}.",
        )


def cclass_prefix_valid(project: Mapping[str, Any]) -> Iterator[Problem]:
    prefix = project.get("CCLASS_PREFIX", "")
    if not isinstance(prefix, str) or (prefix and not is_valid_cclass(prefix + "X")):
        yield Problem(
            "drcp_multi.E005",
            f"DRCP_MULTI['CCLASS_PREFIX'] is {prefix!r}, which cannot start a valid connection class.",
            f"Use a prefix such that prefix + tenant name matches {CCLASS_PATTERN}.",
        )


def max_live_pools_valid(project: Mapping[str, Any]) -> Iterator[Problem]:
    cap = project.get("MAX_LIVE_POOLS")
    if cap is not None and not (is_integer(cap) and cap >= 1):
        yield Problem(
            "drcp_multi.E014",
            f"DRCP_MULTI['MAX_LIVE_POOLS'] is {cap!r}.",
            "Set it to an integer >= 1, or None for no cap.",
        )


def timeouts_valid(project: Mapping[str, Any]) -> Iterator[Problem]:
    for key in ("POOL_IDLE_TIMEOUT", "TENANT_WAIT_TIMEOUT"):
        value = project.get(key)
        if value is not None and (not is_finite_number(value) or value < 0):
            yield Problem(
                "drcp_multi.E014",
                f"DRCP_MULTI[{key!r}] is {value!r}.",
                "Set it to a finite number of seconds >= 0, or None.",
            )


def session_setup_known(project: Mapping[str, Any]) -> Iterator[Problem]:
    value = project.get("SESSION_SETUP", DEFAULTS["SESSION_SETUP"])
    if value not in SESSION_SETUPS:
        yield Problem(
            "drcp_multi.E016",
            f"DRCP_MULTI['SESSION_SETUP'] is {value!r}.",
            "Use 'auto' (the logon trigger when installed, else a set-up round trip per checkout), "
            "'trigger' or 'checkout'.",
        )


def reset_contexts_valid(project: Mapping[str, Any]) -> Iterator[Problem]:
    value = project.get("RESET_CONTEXTS", [])
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not all(
        isinstance(n, str) and is_valid_namespace(n) for n in names
    ):
        yield Problem(
            "drcp_multi.E018",
            f"DRCP_MULTI['RESET_CONTEXTS'] is {value!r}.",
            f"List application context namespaces, each matching {NAMESPACE_PATTERN} (they are written into "
            "the DBMS_SESSION.CLEAR_ALL_CONTEXT calls a shared-class request makes before release).",
        )


PROJECT_RULES: tuple[ProjectRule, ...] = (
    tenancy_mode_known,
    cclass_prefix_valid,
    max_live_pools_valid,
    timeouts_valid,
    session_setup_known,
    reset_contexts_valid,
)


def project_problems(project: object) -> list[Problem]:
    """Problems in ``settings.DRCP_MULTI`` (``project``: its value, None when unset) that the core reads."""
    if project is None:
        return []
    if not isinstance(project, Mapping):
        return [Problem("drcp_multi.E014", "DRCP_MULTI must be a dict.", "Write it as a dict of settings.")]
    return [problem for rule in PROJECT_RULES for problem in rule(project)]
