"""GRANT and REVOKE: the privileges that open the V$ views reach the server; the rest are accepted.

Modelled (SQL Language Reference, GRANT; Database Reference, "About Dynamic Performance Views"): the
role ``SELECT_CATALOG_ROLE``, the system privilege ``SELECT ANY DICTIONARY`` and ``SELECT`` on the
``SYS.V_$…`` views behind the ``V$`` synonyms. A grant on the synonym itself is ORA-02030, as on Oracle.
Who may grant them, and to whom, the server decides (``ServerView.grant``). Any other privilege (CREATE
SESSION, CREATE TABLE, object grants on tables …) is accepted and not recorded, as before: nothing checks
it. ``WITH ADMIN OPTION`` / ``WITH GRANT OPTION`` and ``CONTAINER = …`` are accepted and ignored (grants
hold in every container here).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import privileges as pv
from ..results import ExecutionContext, OracleError, Result
from .lexer import Tok, Token, significant, split_commas, tokenize


@dataclass(frozen=True)
class GrantStatement:
    revoke: bool
    privileges: list[str]  # as written, words upper-cased and joined by one space
    on: str | None  # the object of an object privilege, SCHEMA.NAME or NAME
    grantees: list[str]


def run(ctx: ExecutionContext, sql: str) -> Result:
    statement = parse(sql)
    actor = ctx.session.username
    modelled = [p for p in (_modelled(s, statement.on, actor) for s in statement.privileges) if p]
    for privilege in modelled:
        for grantee in statement.grantees:
            if statement.revoke:
                ctx.server.revoke(actor, privilege, grantee)
            else:
                ctx.server.grant(actor, privilege, grantee)
    return Result()


def _modelled(privilege: str, on: str | None, actor: str) -> str | None:
    """The canonical name of a privilege the server records, or None (accepted, not modelled)."""
    if on is None:
        return privilege if privilege in (pv.CATALOG_ROLE, pv.ANY_DICTIONARY) else None
    if pv.is_fixed_view_synonym(on.removeprefix("SYS.")):
        raise OracleError(2030, "can only select from fixed tables/views")
    view = pv.underlying_view(on)
    if view is None:
        return None  # a grant on an ordinary object: not modelled
    if "." not in on and actor.upper() != "SYS":
        # Unqualified, the name resolves in the grantor's own schema: only SYS owns the V_$ views.
        raise OracleError(942, "table or view does not exist")
    if privilege not in ("SELECT", "READ", "ALL", "ALL PRIVILEGES"):
        raise OracleError(2030, "can only select from fixed tables/views")
    return pv.object_privilege(view)


def parse(sql: str) -> GrantStatement:
    toks = significant(tokenize(sql))
    while toks and toks[-1].text in (";", "/"):
        toks.pop()
    if not toks or not toks[0].is_word("GRANT", "REVOKE"):
        raise OracleError(900, "invalid SQL statement")
    revoke = toks[0].is_word("REVOKE")
    to = "FROM" if revoke else "TO"
    rest = toks[1:]
    head, on_toks, tail = _split(rest, to)
    if not head or not tail:
        raise OracleError(990 if not head else 987, "missing or invalid privilege")
    grantee_toks = _until(tail, ("WITH", "CONTAINER", "IDENTIFIED"))
    grantees = [_name(part) for part in split_commas(grantee_toks)]
    return GrantStatement(
        revoke=revoke,
        privileges=[_words(part) for part in split_commas(head)],
        on=_object(on_toks) if on_toks is not None else None,
        grantees=grantees,
    )


def _split(toks: list[Token], to: str) -> tuple[list[Token], list[Token] | None, list[Token]]:
    """(privileges, the ON object or None, what follows TO / FROM)."""
    head: list[Token] = []
    on: list[Token] | None = None
    depth = 0
    for i, t in enumerate(toks):
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and t.is_word(to):
            return head, on, toks[i + 1 :]
        elif depth == 0 and t.is_word("ON") and on is None:
            on = []
            continue
        (head if on is None else on).append(t)
    return head, on, []


def _until(toks: list[Token], stops: tuple[str, ...]) -> list[Token]:
    for i, t in enumerate(toks):
        if t.is_word(*stops):
            return toks[:i]
    return toks


def _words(toks: list[Token]) -> str:
    return " ".join(t.value for t in toks if t.kind is Tok.WORD)


def _object(toks: list[Token]) -> str:
    parts = [t.value for t in toks if t.kind in (Tok.WORD, Tok.QUOTED)]
    if not parts or len(parts) > 2:
        raise OracleError(903, "invalid table name")
    return ".".join(parts)


def _name(toks: list[Token]) -> str:
    """One grantee: a user, a role or PUBLIC, validated (quoted names keep their case, as on Oracle)."""
    if len(toks) != 1 or toks[0].kind not in (Tok.WORD, Tok.QUOTED):
        raise OracleError(987, "missing or invalid username(s)")
    name = toks[0].value
    if toks[0].kind is Tok.WORD and not pv.valid_name(name):
        raise OracleError(987, "missing or invalid username(s)")
    return name
