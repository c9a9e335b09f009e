"""AFTER LOGON triggers: instance-level objects that run whenever a session is created.

Oracle's DRCP documentation: logon triggers fire when a pooled server creates a session (a new
pooled server, a session re-created for another connection class or for purity NEW), not when a
pooled session is handed out again under purity SELF. The sessions layer (``instance.py``) decides
when to fire; this module parses the trigger DDL and keeps the definitions (``USER_TRIGGERS``).

Only database-event triggers on LOGON are modelled; other ``CREATE TRIGGER`` forms go to the SQL
engine untouched.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from .results import OracleError

_NAME = r'(?:"[^"]{1,128}"|[A-Za-z][A-Za-z0-9_$#]{0,127})'
_CREATE_RE = re.compile(
    rf"""^\s*CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?:(?:NON)?EDITIONABLE\s+)?TRIGGER\s+
    (?P<name>{_NAME}(?:\s*\.\s*{_NAME})?)\s+AFTER\s+LOGON\s+ON\s+
    (?P<base>DATABASE|(?:(?P<on_schema>{_NAME})\s*\.\s*)?SCHEMA)\s+
    (?:(?P<state>ENABLE|DISABLE)\s+)?
    (?P<body>(?:DECLARE|BEGIN)\b.*\S)\s*$""",
    re.I | re.S | re.X,
)
_ALTER_RE = re.compile(
    rf"^\s*ALTER\s+TRIGGER\s+(?P<name>{_NAME}(?:\s*\.\s*{_NAME})?)\s+(?P<action>ENABLE|DISABLE|COMPILE)\s*;?\s*$",
    re.I | re.S,
)
_DROP_RE = re.compile(rf"^\s*DROP\s+TRIGGER\s+(?P<name>{_NAME}(?:\s*\.\s*{_NAME})?)\s*;?\s*$", re.I | re.S)
_HEAD_RE = re.compile(
    r"^\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NON)?EDITIONABLE\s+)?|ALTER\s+|DROP\s+)TRIGGER\b", re.I
)


def _identifier(text: str) -> str:
    text = text.strip()
    return text[1:-1] if text.startswith('"') else text.upper()


def _qualified(text: str, default_schema: str) -> tuple[str, str]:
    parts = [p for p in re.split(rf"\s*\.\s*(?={_NAME}$)", text.strip(), maxsplit=1) if p]
    if len(parts) == 2:
        return _identifier(parts[0]), _identifier(parts[1])
    return default_schema, _identifier(parts[0])


@dataclass
class LogonTrigger:
    owner: str
    name: str
    base_object_type: str  # "SCHEMA" or "DATABASE"
    schema: str | None  # the user whose logons fire it (SCHEMA triggers)
    body: str
    enabled: bool = True

    @property
    def qualified_name(self) -> str:
        return f"{self.owner}.{self.name}"

    def fires_for(self, username: str) -> bool:
        if not self.enabled:
            return False
        return self.base_object_type == "DATABASE" or self.schema == username.upper()

    def as_row(self) -> dict[str, Any]:
        """An ALL_TRIGGERS row (USER_TRIGGERS is the same less OWNER), Oracle's column names."""
        on = "DATABASE" if self.base_object_type == "DATABASE" else f"{self.schema}.SCHEMA"
        return {
            "OWNER": self.owner,
            "TRIGGER_NAME": self.name,
            "TRIGGER_TYPE": "AFTER EVENT",
            "TRIGGERING_EVENT": "LOGON ",  # Oracle pads the event list with a trailing space
            "TABLE_OWNER": "SYS" if self.base_object_type == "DATABASE" else self.schema,
            "BASE_OBJECT_TYPE": self.base_object_type,
            "TABLE_NAME": None,
            "COLUMN_NAME": None,
            "REFERENCING_NAMES": "REFERENCING NEW AS NEW OLD AS OLD",
            "WHEN_CLAUSE": None,
            "STATUS": "ENABLED" if self.enabled else "DISABLED",
            "DESCRIPTION": f"{self.name} AFTER LOGON ON {on}\n",
            "ACTION_TYPE": "PL/SQL     ",
            "TRIGGER_BODY": self.body,
        }


def is_trigger_ddl(sql: str) -> bool:
    """CREATE / ALTER / DROP TRIGGER (a cheap test before the parse)."""
    return bool(_HEAD_RE.match(sql))


class TriggerCatalog:
    """The instance's logon triggers, in creation order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._triggers: dict[tuple[str, str], LogonTrigger] = {}

    def run_ddl(self, sql: str, current_schema: str) -> bool:
        """Apply ``CREATE … AFTER LOGON``, ``ALTER TRIGGER`` or ``DROP TRIGGER``; False if ``sql`` is
        another trigger form (left to the SQL engine). Raises OracleError as Oracle does."""
        match = _CREATE_RE.match(sql)
        if match:
            owner, name = _qualified(match["name"], current_schema)
            if match["base"].upper() == "DATABASE":
                base, schema = "DATABASE", None
            else:
                base = "SCHEMA"
                schema = _identifier(match["on_schema"]) if match["on_schema"] else owner
            trigger = LogonTrigger(
                owner=owner,
                name=name,
                base_object_type=base,
                schema=schema,
                body=match["body"],
                enabled=(match["state"] or "ENABLE").upper() == "ENABLE",
            )
            with self._lock:
                if (owner, name) in self._triggers and not match["replace"]:
                    raise OracleError(4081, f"trigger '{owner}.{name}' already exists")
                self._triggers.pop((owner, name), None)  # REPLACE: a new definition, newest last
                self._triggers[(owner, name)] = trigger
            return True
        match = _ALTER_RE.match(sql)
        if match:
            key = _qualified(match["name"], current_schema)
            with self._lock:
                trigger = self._find(key)
                action = match["action"].upper()
                if action != "COMPILE":
                    trigger.enabled = action == "ENABLE"
            return True
        match = _DROP_RE.match(sql)
        if match:
            key = _qualified(match["name"], current_schema)
            with self._lock:
                self._find(key)
                del self._triggers[key]
            return True
        return False

    def _find(self, key: tuple[str, str]) -> LogonTrigger:
        trigger = self._triggers.get(key)
        if trigger is None:
            raise OracleError(4080, f"trigger '{key[0]}.{key[1]}' does not exist")
        return trigger

    def firing_for(self, username: str) -> list[LogonTrigger]:
        """The enabled triggers a logon of ``username`` fires, in creation order."""
        with self._lock:
            return [t for t in self._triggers.values() if t.fires_for(username)]

    def drop_owned_by(self, owner: str) -> None:
        """``DROP USER … CASCADE`` drops the user's triggers."""
        with self._lock:
            for key in [k for k in self._triggers if k[0] == owner.upper()]:
                del self._triggers[key]

    def rows(self) -> list[dict[str, Any]]:
        with self._lock:
            return [t.as_row() for t in self._triggers.values()]
