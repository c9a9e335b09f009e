"""A small Oracle SQL tokenizer and the bind-placeholder rule of the python-oracledb thin client.

Token-level rewrites (stripping ``TRANSLATE(x USING NCHAR_CS)``, ``FOR UPDATE``, ``RETURNING … INTO``)
are done on these tokens rather than with regular expressions so that string literals and quoted
identifiers are never touched.

Bind rule (python-oracledb ``impl/thin/statement.pyx``, ``Statement._add_bind``): the client scans the
SQL for ``:name`` placeholders outside strings and comments (``:`` directly after a string literal is
JSON syntax, not a bind; unquoted names are upper-cased, ``:1`` style digits kept, ``:"x"`` quoted names
kept verbatim). For SQL and DML it binds **every occurrence** (``:a … :a`` is two binds); for PL/SQL
(statements starting with BEGIN, DECLARE or CALL) it binds **each distinct name once**, in order of
first appearance. DDL (CREATE, ALTER, DROP, GRANT, …) has no binds. The protocol layer hands the
engine the binds in that order, so placeholder occurrence *i* of a SQL statement is ``binds[i]``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from ..results import OracleError
from ..sqlscan import bind_name


class Tok(enum.Enum):
    WORD = "word"  # identifier or keyword (unquoted)
    QUOTED = "quoted"  # "identifier"
    STRING = "string"  # 'literal' or q'[literal]'
    NUMBER = "number"
    BIND = "bind"  # :name
    PUNCT = "punct"
    SPACE = "space"  # whitespace and comments


@dataclass(frozen=True)
class Token:
    kind: Tok
    text: str  # the exact source text
    value: str  # WORD: upper-cased; QUOTED: inner name; STRING: literal value; BIND: bind name

    def is_word(self, *words: str) -> bool:
        return self.kind is Tok.WORD and self.value in words


_Q_CLOSERS = {"[": "]", "{": "}", "<": ">", "(": ")"}
_WORD_EXTRA = "_$#"


def tokenize(sql: str) -> list[Token]:
    """Split ``sql`` into tokens; the concatenated ``text`` of all tokens is ``sql``."""
    out: list[Token] = []
    i, n = 0, len(sql)
    last_sig: Token | None = None
    while i < n:
        ch = sql[i]
        start = i
        if ch.isspace():
            while i < n and sql[i].isspace():
                i += 1
            out.append(Token(Tok.SPACE, sql[start:i], " "))
            continue
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            out.append(Token(Tok.SPACE, sql[start:i], " "))
            continue
        if sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                raise OracleError(1756, "quoted string not properly terminated", i)
            i = j + 2
            out.append(Token(Tok.SPACE, sql[start:i], " "))
            continue
        if (ch in "qQnN" and i + 1 < n and sql[i + 1] == "'") or (
            ch in "nN" and sql[i + 1 : i + 3].lower() == "q'"
        ):
            # q'[...]' / N'...' / Nq'[...]'
            k = i + 1 if ch in "nN" else i
            if sql[k] in "qQ" and k + 2 < n and sql[k + 1] == "'":
                opener = sql[k + 2]
                closer = _Q_CLOSERS.get(opener, opener)
                j = sql.find(closer + "'", k + 3)
                if j < 0:
                    raise OracleError(1756, "quoted string not properly terminated", i)
                i = j + 2
                tok = Token(Tok.STRING, sql[start:i], sql[k + 3 : j])
                out.append(tok)
                last_sig = tok
                continue
            i = k  # N'...': fall through to the plain string at k
            ch = sql[i]
        if ch == "'":
            j = i + 1
            parts: list[str] = []
            while True:
                k = sql.find("'", j)
                if k < 0:
                    raise OracleError(1756, "quoted string not properly terminated", start)
                parts.append(sql[j:k])
                if k + 1 < n and sql[k + 1] == "'":
                    parts.append("'")
                    j = k + 2
                    continue
                i = k + 1
                break
            tok = Token(Tok.STRING, sql[start:i], "".join(parts))
            out.append(tok)
            last_sig = tok
            continue
        if ch == '"':
            j = sql.find('"', i + 1)
            if j < 0:
                raise OracleError(1740, "missing double quote in identifier", i)
            i = j + 1
            tok = Token(Tok.QUOTED, sql[start:i], sql[start + 1 : j])
            out.append(tok)
            last_sig = tok
            continue
        if ch == ":" and (last_sig is None or last_sig.kind is not Tok.STRING):
            name, end = bind_name(sql, i + 1)
            if name is not None:
                tok = Token(Tok.BIND, sql[start:end], name)
                out.append(tok)
                last_sig = tok
                i = end
                continue
        if ch.isalpha():
            while i < n and (sql[i].isalnum() or sql[i] in _WORD_EXTRA):
                i += 1
            tok = Token(Tok.WORD, sql[start:i], sql[start:i].upper())
        elif ch.isdigit() or (ch == "." and i + 1 < n and sql[i + 1].isdigit()):
            while i < n and (sql[i].isdigit() or sql[i] == "."):
                i += 1
            if i < n and sql[i] in "eE" and (sql[i + 1 : i + 2].isdigit() or sql[i + 1 : i + 2] in "+-"):
                i += 2
                while i < n and sql[i].isdigit():
                    i += 1
            tok = Token(Tok.NUMBER, sql[start:i], sql[start:i])
        else:
            two = sql[i : i + 2]
            i += 2 if two in ("||", "<=", ">=", "<>", "!=", ":=", "=>", "^=") else 1
            tok = Token(Tok.PUNCT, sql[start:i], sql[start:i])
        out.append(tok)
        last_sig = tok
    return out


def significant(tokens: list[Token]) -> list[Token]:
    return [t for t in tokens if t.kind is not Tok.SPACE]


def join(tokens: list[Token]) -> str:
    return "".join(t.text for t in tokens)


def split_commas(tokens: list[Token]) -> list[list[Token]]:
    """Split at the commas outside parentheses; an empty part is kept (``f(a,,b)`` has three)."""
    out: list[list[Token]] = [[]]
    depth = 0
    for t in tokens:
        if t.kind is Tok.PUNCT and t.text == "(":
            depth += 1
        elif t.kind is Tok.PUNCT and t.text == ")":
            depth -= 1
        if t.kind is Tok.PUNCT and t.text == "," and depth == 0:
            out.append([])
        else:
            out[-1].append(t)
    return out


# Whitespace, comments and opening parentheses (``(SELECT …) UNION (SELECT …)``) before a keyword.
_LEAD = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/|\()*", re.DOTALL)
_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9_$#]*")


def first_keywords(sql: str, count: int = 3) -> list[str]:
    """The first ``count`` words of a statement, upper-cased (cheap statement classification)."""
    pos = _LEAD.match(sql).end()  # type: ignore[union-attr]
    words: list[str] = []
    while len(words) < count:
        m = _WORDS.match(sql, pos)
        if m is None:
            break
        words.append(m.group().upper())
        pos = _LEAD.match(sql, m.end()).end()  # type: ignore[union-attr]
    return words


def is_plsql(sql: str) -> bool:
    kw = first_keywords(sql, 1)
    return bool(kw) and kw[0] in ("BEGIN", "DECLARE", "CALL")


def bind_names(tokens: list[Token], plsql: bool) -> list[str]:
    """Bind names in the order the client binds them (see the module docstring)."""
    names = [t.value for t in tokens if t.kind is Tok.BIND]
    if plsql:
        return list(dict.fromkeys(names))
    return names
