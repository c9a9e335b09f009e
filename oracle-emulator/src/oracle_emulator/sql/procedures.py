"""Stored procedures: ``CREATE [OR REPLACE] PROCEDURE name [(params)] {AS|IS} [decls] BEGIN … END;``.

A procedure is kept as its source text, as Oracle's ``USER_SOURCE`` shows it (one row here, LINE 1);
:mod:`.ddl` stores it, :mod:`.plsql` parses it again when a block (``cursor.callproc``: ``BEGIN
name(:1, P => :2); END;``) calls it, and runs its body as a nested block with the parameters as
locals. The body is interpreted by the same PL/SQL subset as anonymous blocks; statements outside it
fail when the procedure runs (Oracle would report them when compiling).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..results import OracleError
from .lexer import Tok, Token, significant, split_commas, tokenize


@dataclass
class Parameter:
    name: str
    mode: str  # IN, OUT, IN OUT
    default: list[Token] = field(default_factory=list)  # the DEFAULT / := expression, if any


@dataclass
class Procedure:
    name: str
    parameters: list[Parameter]
    body: list[Token]  # DECLARE … BEGIN … END; (DECLARE added when the procedure declares locals)


def _ident(tok: Token) -> str:
    if tok.kind is Tok.QUOTED:
        return tok.value
    if tok.kind is Tok.WORD:
        return tok.value
    raise OracleError(904, f"invalid identifier: {tok.text}")


def parse(source: str) -> Procedure:
    """``PROCEDURE name …`` (the text after CREATE [OR REPLACE]) → its name, parameters and body."""
    toks = significant(tokenize(source))
    while toks and toks[-1].text in (";", "/"):
        toks.pop()
    if len(toks) < 4 or not toks[0].is_word("PROCEDURE"):
        raise OracleError(900, f"invalid SQL statement: {source[:200]}")
    i = 1
    name = _ident(toks[i])
    i += 1
    while i + 1 < len(toks) and toks[i].text == ".":  # schema.name: one schema per login here
        name = _ident(toks[i + 1])
        i += 2
    parameters: list[Parameter] = []
    if toks[i].text == "(":
        depth, start = 0, i
        for j in range(i, len(toks)):
            if toks[j].text == "(":
                depth += 1
            elif toks[j].text == ")":
                depth -= 1
                if depth == 0:
                    break
        else:
            raise OracleError(907, "missing right parenthesis")
        for item in split_commas(toks[start + 1 : j]):
            parameters.append(_parameter(item))
        i = j + 1
    if i >= len(toks) or not toks[i].is_word("AS", "IS"):
        raise OracleError(6550, f"line 1, column 1:\nPLS-00103: expected AS or IS in procedure {name}")
    body = toks[i + 1 :]
    if not body or not any(t.is_word("BEGIN") for t in body):
        raise OracleError(6550, f"line 1, column 1:\nPLS-00103: procedure {name} has no BEGIN … END")
    if not body[0].is_word("BEGIN"):
        body = [Token(Tok.WORD, "DECLARE", "DECLARE"), *body]
    return Procedure(name, parameters, [*body, Token(Tok.PUNCT, ";", ";")])


def _parameter(item: list[Token]) -> Parameter:
    if not item:
        raise OracleError(6550, "line 1, column 1:\nPLS-00103: empty parameter")
    name = _ident(item[0])
    rest = item[1:]
    mode = "IN"
    if rest and rest[0].is_word("IN"):
        rest = rest[1:]
        if rest and rest[0].is_word("OUT"):
            mode, rest = "IN OUT", rest[1:]
    elif rest and rest[0].is_word("OUT"):
        mode, rest = "OUT", rest[1:]
    default: list[Token] = []
    for k, t in enumerate(rest):
        if t.text == ":=" or t.is_word("DEFAULT"):
            default = rest[k + 1 :]
            break
    return Parameter(name, mode, default)
