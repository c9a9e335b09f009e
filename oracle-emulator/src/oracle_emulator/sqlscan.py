"""Classify a statement and list its bind placeholders exactly as the thin client does.

The wire carries bind metadata and values by position only. The client derives positions from its
own scan of the SQL text (one entry per ``:name`` occurrence, de-duplicated for PL/SQL; binds after
``RETURNING … INTO`` in DML are "return binds" that carry no value), so the server must repeat the
same scan to pair names with positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_QUERY = {"SELECT", "WITH"}
_DML = {"INSERT", "UPDATE", "DELETE", "MERGE"}
_PLSQL = {"DECLARE", "BEGIN", "CALL"}
_DDL = {"CREATE", "ALTER", "DROP", "GRANT", "REVOKE", "ANALYZE", "AUDIT", "COMMENT", "TRUNCATE"}
_NAME_CHARS = re.compile(r"[\w$#]", re.UNICODE)


@dataclass
class ScannedStatement:
    """What the client knows about a statement without asking the server."""

    sql: str
    keyword: str = ""
    is_query: bool = False
    is_dml: bool = False
    is_plsql: bool = False
    is_ddl: bool = False
    bind_names: list[str] = field(default_factory=list)
    return_positions: list[int] = field(default_factory=list)
    assigned: set[str] = field(default_factory=set)  # PL/SQL binds that appear as ``:x :=``

    def out_hint(self, position: int) -> bool:
        """Best guess whether the bind is an OUT bind (the wire does not say)."""
        if position in self.return_positions:
            return True
        if self.is_plsql and position < len(self.bind_names):
            return self.bind_names[position] in self.assigned
        return False


def scan_statement(sql: str) -> ScannedStatement:
    """Scan ``sql`` the way python-oracledb's statement parser does."""
    stmt = ScannedStatement(sql=sql)
    n = len(sql)
    pos = 0
    keyword_found = False
    returning_found = False
    is_returning = False
    last_was_string = False
    word_start = -1
    seen: set[str] = set()

    def finish_word(end: int) -> None:
        nonlocal keyword_found, returning_found, is_returning
        word = sql[word_start:end].upper()
        if not keyword_found:
            keyword_found = True
            stmt.keyword = word
            stmt.is_query = word in _QUERY
            stmt.is_dml = word in _DML
            stmt.is_plsql = word in _PLSQL
            stmt.is_ddl = word in _DDL
        elif stmt.is_dml and not returning_found and word == "RETURNING":
            returning_found = True
        elif returning_found and word == "INTO":
            is_returning = True

    while pos < n:
        ch = sql[pos]
        if ch.isalpha():
            if word_start < 0:
                word_start = pos
            pos += 1
            continue
        if word_start >= 0:
            finish_word(pos)
            word_start = -1
            if stmt.is_ddl:
                return stmt  # the client does not look for binds in DDL
        if ch == "'":
            last_was_string = True
            if pos > 0 and sql[pos - 1] in "qQ":
                pos = _skip_qstring(sql, pos)
            else:
                end = sql.find("'", pos + 1)
                pos = n if end < 0 else end + 1
            continue
        if ch.isspace():
            pos += 1
            continue
        if ch == "-" and sql.startswith("--", pos):
            end = sql.find("\n", pos)
            pos = n if end < 0 else end + 1
        elif ch == "/" and sql.startswith("/*", pos):
            end = sql.find("*/", pos + 2)
            pos = n if end < 0 else end + 2
        elif ch == '"':
            end = sql.find('"', pos + 1)
            pos = n if end < 0 else end + 1
        elif ch == ":" and not last_was_string:
            name, pos = bind_name(sql, pos + 1)
            if name is not None:
                if not stmt.is_plsql or name not in seen:
                    if is_returning:
                        stmt.return_positions.append(len(stmt.bind_names))
                    stmt.bind_names.append(name)
                    seen.add(name)
                if stmt.is_plsql and re.match(r"\s*:=", sql[pos:]):
                    stmt.assigned.add(name)
        else:
            pos += 1
        last_was_string = False
    if word_start >= 0:
        finish_word(n)
    return stmt


def _skip_qstring(sql: str, pos: int) -> int:
    """``pos`` is at the quote of q'<sep>…<sep>'; return the position after the closing quote."""
    if pos + 1 >= len(sql):
        return len(sql)
    opener = sql[pos + 1]
    closer = {"[": "]", "{": "}", "<": ">", "(": ")"}.get(opener, opener)
    end = sql.find(closer + "'", pos + 2)
    return len(sql) if end < 0 else end + 2


def bind_name(sql: str, pos: int) -> tuple[str | None, int]:
    """Parse a bind name starting after its ':' as the thin client does (upper-cased unless quoted;
    digits for ``:1``); returns (name or None, position after it). The SQL engine's lexer uses it too."""
    n = len(sql)
    while pos < n and sql[pos].isspace():
        pos += 1
    if pos >= n:
        return None, pos
    ch = sql[pos]
    if ch == '"':
        end = sql.find('"', pos + 1)
        if end < 0:
            return None, n
        return sql[pos + 1 : end], end + 1
    if ch.isdigit():
        start = pos
        while pos < n and sql[pos].isdigit():
            pos += 1
        return sql[start:pos], pos
    if ch.isalpha():
        start = pos
        while pos < n and (sql[pos].isalnum() or sql[pos] in "_$#"):
            pos += 1
        return sql[start:pos].upper(), pos
    return None, pos
