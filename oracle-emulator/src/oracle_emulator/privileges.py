"""Who may read the dynamic performance views, and the grants that decide it.

Oracle Database Reference ("About Dynamic Performance Views"): the ``V$`` names are public synonyms for
views ``SYS.V_$…``, which only SYS may read until access is granted: ``SELECT`` on the ``V_$`` view itself,
the role ``SELECT_CATALOG_ROLE`` (SELECT on the data dictionary and the dynamic performance views) or the
system privilege ``SELECT ANY DICTIONARY``. Without one the synonym resolves to nothing the user may see:
ORA-00942. SYSTEM holds them through the DBA role. Only the grants that open the views are modelled; other
privileges (CREATE SESSION, CREATE TABLE …) are accepted and not checked (see docs/emulator.md).
"""

from __future__ import annotations

import re

CATALOG_ROLE = "SELECT_CATALOG_ROLE"
ANY_DICTIONARY = "SELECT ANY DICTIONARY"
#: Users that hold every modelled privilege and may grant them (SYS owns the V_$ views; SYSTEM has DBA).
ADMINISTRATORS = frozenset({"SYS", "SYSTEM"})
PUBLIC = "PUBLIC"

#: The gated views: V$ synonym -> the SYS.V_$ view a SELECT grant names.
GATED_VIEWS: dict[str, str] = {
    "V$CPOOL_STATS": "V_$CPOOL_STATS",
    "V$CPOOL_CC_STATS": "V_$CPOOL_CC_STATS",
    "V$CPOOL_CONN_INFO": "V_$CPOOL_CONN_INFO",
    "V$SESSION": "V_$SESSION",
    "GV$SESSION": "GV_$SESSION",
}
_UNDERLYING = {v: k for k, v in GATED_VIEWS.items()}
# A user or role name as it may appear in a grant (unquoted identifier rules; quoted names arrive as is).
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_$#]{0,127}")


def object_privilege(view_object: str) -> str:
    """The canonical name of ``SELECT`` on ``SYS.<view_object>`` (a ``V_$`` view)."""
    return f"SELECT ON SYS.{view_object}"


def is_fixed_view_synonym(name: str) -> bool:
    """A ``V$`` name: Oracle refuses object grants on it (ORA-02030), only on the ``V_$`` view behind."""
    return name in GATED_VIEWS


def underlying_view(name: str) -> str | None:
    """``V_$CPOOL_STATS`` (or ``SYS.V_$CPOOL_STATS``) -> itself when it is a modelled ``V_$`` view."""
    bare = name.removeprefix("SYS.")
    return bare if bare in _UNDERLYING else None


def valid_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


def may_read(username: str, held: frozenset[str], view: str) -> bool:
    """Whether a user holding ``held`` (its own grants and PUBLIC's) may query ``view``."""
    underlying = GATED_VIEWS.get(view)
    if underlying is None:
        return True  # not a gated view (USER_* views, V$VERSION …)
    if username.upper() in ADMINISTRATORS:
        return True
    return bool(held & {CATALOG_ROLE, ANY_DICTIONARY, object_privilege(underlying)})


def may_grant(grantor: str) -> bool:
    """Granting the modelled privileges needs ADMIN OPTION / GRANT ANY … / ownership of the V_$ view:
    here, one of the administrators."""
    return grantor.upper() in ADMINISTRATORS


def canonical_privilege(text: str) -> str:
    """``select_catalog_role`` / ``SELECT ANY DICTIONARY`` / ``SELECT ON [SYS.]V_$…`` -> the stored name;
    ValueError for anything else (the server API models these grants only)."""
    words = " ".join(text.upper().split())
    if words in (CATALOG_ROLE, ANY_DICTIONARY):
        return words
    if words.startswith("SELECT ON "):
        view = underlying_view(words.removeprefix("SELECT ON "))
        if view is not None:
            return object_privilege(view)
    raise ValueError(
        f"not a modelled privilege: {text!r} (SELECT_CATALOG_ROLE, SELECT ANY DICTIONARY or "
        f"SELECT ON V_$… of {sorted(_UNDERLYING)})"
    )
