"""``ALTER SESSION SET name = value [name = value …]`` into the server session's state."""

from __future__ import annotations

from ..results import OracleError, SessionState
from .lexer import Tok, significant, tokenize


def alter_session(session: SessionState, sql: str) -> None:
    toks = significant(tokenize(sql))
    # toks[0:2] are ALTER SESSION
    if len(toks) < 3:
        raise OracleError(922, "missing or invalid option")
    verb = toks[2]
    if not verb.is_word("SET"):
        # ENABLE/DISABLE/FORCE PARALLEL DML, ADVISE, CLOSE DATABASE LINK…: accepted, nothing to model.
        if verb.is_word("ENABLE", "DISABLE", "FORCE", "ADVISE", "CLOSE", "SYNC"):
            return
        raise OracleError(922, "missing or invalid option")
    i = 3
    changed = False
    while i < len(toks):
        name = toks[i]
        if name.kind is not Tok.WORD or i + 2 >= len(toks) or toks[i + 1].text != "=":
            raise OracleError(922, "missing or invalid option")
        value_tok = toks[i + 2]
        if value_tok.kind in (Tok.STRING, Tok.QUOTED) or value_tok.kind in (Tok.WORD, Tok.NUMBER):
            value = value_tok.value
        elif value_tok.text in ("+", "-") and i + 3 < len(toks):
            value = value_tok.text + toks[i + 3].text
            i += 1
        else:
            raise OracleError(922, "missing or invalid option")
        key = name.value
        if key == "CURRENT_SCHEMA":
            session.current_schema = value.upper() if value_tok.kind is Tok.WORD else value
        elif key == "NLS_TERRITORY":
            # The territory resets the territory-dependent formats, as on Oracle.
            session.nls[key] = value.upper()
            session.nls.pop("NLS_DATE_FORMAT", None)
            session.nls.pop("NLS_TIMESTAMP_FORMAT", None)
        else:
            session.nls[key] = value
        changed = True
        i += 3
    if not changed:
        raise OracleError(922, "missing or invalid option")
