"""A small interpreter for the anonymous PL/SQL blocks clients and Django send.

Supported: ``[DECLARE v TYPE [:= expr]; …] BEGIN … [EXCEPTION WHEN OTHERS THEN …] END;`` with
statements ``NULL``, ``EXECUTE IMMEDIATE 'text'`` (any string expression), assignments to locals and
to bind variables (``:out := expr`` fills an OUT bind), ``SELECT … INTO v FROM …``, ``IF … THEN …
[ELSIF …] [ELSE …] END IF``, nested blocks, COMMIT / ROLLBACK / SAVEPOINT, any SQL statement, and the
packages that carry session state: DBMS_SESSION (SET_CONTEXT, CLEAR_CONTEXT, CLEAR_ALL_CONTEXT,
SET_IDENTIFIER, CLEAR_IDENTIFIER, SLEEP, RESET_PACKAGE), DBMS_APPLICATION_INFO (SET_MODULE,
SET_ACTION, SET_CLIENT_INFO), DBMS_LOCK.SLEEP, DBMS_OUTPUT (ignored). Anything else → ORA-06550.

Binds: the client binds each distinct name once (see :mod:`.lexer`), so bind *position* is the index
of the name among the block's distinct placeholder names.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..results import Bind, ExecutionContext, OracleError, Result, SessionState, Value
from . import procedures
from .admin import admin
from .hosts import PlsqlHost
from .lexer import Tok, Token, significant, tokenize


@dataclass
class _Frame:
    ctx: ExecutionContext
    bind_pos: dict[str, int]
    binds: Sequence[Bind]
    variables: dict[str, Value] = field(default_factory=dict)
    out: dict[int, list[Value]] = field(default_factory=dict)


class _Bind:
    """A synthetic IN bind used when a fragment of the block is run as SQL."""

    __slots__ = ("is_out", "name", "value")

    def __init__(self, name: str, value: Value) -> None:
        self.name: str | None = name  # the types of results.Bind, which this implements
        self.value: Value = value
        self.is_out: bool = False


def _err(msg: str) -> OracleError:
    return OracleError(6550, f"line 1, column 1:\nPLS-00103: {msg}")


def _split(toks: list[Token], start: int, stop_words: tuple[str, ...]) -> tuple[list[list[Token]], int]:
    """Statements (split on ';' outside nested blocks) from ``start`` up to a stop word at depth 0."""
    stmts: list[list[Token]] = []
    cur: list[Token] = []
    depth = 0
    i = start
    while i < len(toks):
        t = toks[i]
        after_end = bool(cur) and cur[-1].is_word("END")
        if depth == 0 and not cur and t.kind is Tok.WORD and (t.value in stop_words or t.value == "END"):
            return stmts, i
        if t.is_word("BEGIN") or (t.is_word("IF", "LOOP", "CASE") and not after_end):
            depth += 1
        elif t.is_word("END"):
            depth -= 1
            cur.append(t)
            i += 1
            if i < len(toks) and toks[i].is_word("IF", "LOOP", "CASE"):
                cur.append(toks[i])
                i += 1
            continue
        if t.kind is Tok.PUNCT and t.text == ";" and depth <= 0:
            depth = 0
            if cur:
                stmts.append(cur)
            cur = []
        else:
            cur.append(t)
        i += 1
    if cur:
        stmts.append(cur)
    return stmts, i


def _sql_of(toks: list[Token]) -> str:
    return " ".join(t.text for t in toks)


class PlsqlRunner:
    def __init__(self, engine: PlsqlHost) -> None:
        self.engine = engine
        self.procedures: dict[str, Callable[[SessionState, list[Value], dict[str, Value]], None]] = {
            "DBMS_SESSION.SET_CONTEXT": _set_context,
            "DBMS_SESSION.CLEAR_CONTEXT": _clear_context,
            "DBMS_SESSION.CLEAR_ALL_CONTEXT": _clear_all_context,
            "DBMS_SESSION.SET_IDENTIFIER": lambda s, a, k: setattr(
                s, "client_identifier", _arg(a, k, 0, "CLIENT_ID")
            ),
            "DBMS_SESSION.CLEAR_IDENTIFIER": lambda s, a, k: setattr(s, "client_identifier", None),
            "DBMS_SESSION.SLEEP": lambda s, a, k: time.sleep(float(_arg(a, k, 0, "SECONDS") or 0)),
            "DBMS_LOCK.SLEEP": lambda s, a, k: time.sleep(float(_arg(a, k, 0, "SECONDS") or 0)),
            "DBMS_SESSION.RESET_PACKAGE": lambda s, a, k: None,
            "DBMS_SESSION.MODIFY_PACKAGE_STATE": lambda s, a, k: None,
            "DBMS_SESSION.SET_ROLE": lambda s, a, k: None,
            "DBMS_APPLICATION_INFO.SET_MODULE": _set_module,
            "DBMS_APPLICATION_INFO.SET_ACTION": lambda s, a, k: setattr(
                s, "action", _arg(a, k, 0, "ACTION_NAME")
            ),
            "DBMS_APPLICATION_INFO.SET_CLIENT_INFO": lambda s, a, k: setattr(
                s, "client_info", _arg(a, k, 0, "CLIENT_INFO")
            ),
            "DBMS_OUTPUT.PUT_LINE": lambda s, a, k: None,
            "DBMS_OUTPUT.PUT": lambda s, a, k: None,
            "DBMS_OUTPUT.ENABLE": lambda s, a, k: None,
            "DBMS_OUTPUT.DISABLE": lambda s, a, k: None,
            "DBMS_STATS.GATHER_SCHEMA_STATS": lambda s, a, k: None,
            "DBMS_STATS.GATHER_TABLE_STATS": lambda s, a, k: None,
        }

    def run(self, ctx: ExecutionContext, sql: str, binds: Sequence[Bind]) -> Result:
        toks = significant(tokenize(sql))
        while toks and toks[-1].text in ("/", ";"):
            toks.pop()
        names = list(dict.fromkeys(t.value for t in toks if t.kind is Tok.BIND))
        if names and len(binds) != len(names):
            raise OracleError(1008, "not all variables bound")
        frame = _Frame(ctx, {n: i for i, n in enumerate(names)}, binds)
        with self._atomic(ctx):
            if toks and toks[0].is_word("CALL"):
                self._call(frame, toks[1:])
            else:
                self._block(frame, [*toks, Token(Tok.PUNCT, ";", ";")], 0)
        return Result(out_binds=frame.out)

    @contextlib.contextmanager
    def _atomic(self, ctx: ExecutionContext) -> Iterator[None]:
        """A failing block undoes its own changes (Oracle's statement-level rollback for a block)."""
        db = self.engine.existing_db(ctx.session)
        was_open = db is not None and db.in_transaction
        if was_open:
            db.conn.execute('SAVEPOINT "__block"')  # type: ignore[union-attr]
        try:
            yield
        except BaseException:
            db = self.engine.existing_db(ctx.session)
            if db is not None and db.in_transaction:
                if not was_open:
                    db.rollback()
                else:
                    with contextlib.suppress(sqlite3.Error):  # gone if the block committed
                        db.conn.execute('ROLLBACK TO "__block"')
                        db.conn.execute('RELEASE "__block"')
            raise
        if was_open:
            db = self.engine.existing_db(ctx.session)
            if db is not None and db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.conn.execute('RELEASE "__block"')

    # --- structure -------------------------------------------------------------------------------

    def _block(self, frame: _Frame, toks: list[Token], i: int) -> int:
        """Run DECLARE … BEGIN … END starting at ``toks[i]``; return the index after END[;]."""
        if toks[i].is_word("DECLARE"):
            decls, i = _split(toks, i + 1, ("BEGIN",))
            for d in decls:
                self._declare(frame, d)
        if i >= len(toks) or not toks[i].is_word("BEGIN"):
            raise _err("expected BEGIN")
        body, i = _split(toks, i + 1, ("EXCEPTION", "END"))
        handlers: list[list[Token]] = []
        if i < len(toks) and toks[i].is_word("EXCEPTION"):
            handlers, i = _split(toks, i + 1, ("END",))
        if i >= len(toks) or not toks[i].is_word("END"):
            raise _err("expected END")
        i += 1
        while i < len(toks) and toks[i].kind is Tok.WORD and not toks[i].is_word("END"):
            i += 1  # END label
        if i < len(toks) and toks[i].text == ";":
            i += 1
        try:
            self._statements(frame, body)
        except OracleError as e:
            if not handlers or not self._handle(frame, handlers, e):
                raise
        return i

    def _handle(self, frame: _Frame, handlers: list[list[Token]], error: OracleError) -> bool:
        # Only "WHEN OTHERS THEN stmts" / "WHEN NO_DATA_FOUND THEN …" are modelled.
        flat = [t for stmt in handlers for t in [*stmt, Token(Tok.PUNCT, ";", ";")]]
        if len(flat) < 3 or not flat[0].is_word("WHEN"):
            return False
        cond = flat[1].value
        if cond not in ("OTHERS",) and not (cond == "NO_DATA_FOUND" and error.code in (1403, 100)):
            return False
        stmts, _ = _split(flat, 3, ("WHEN",))
        self._statements(frame, stmts)
        return True

    def _declare(self, frame: _Frame, decl: list[Token]) -> None:
        if not decl:
            return
        name = decl[0].value
        value: Value = None
        for j, t in enumerate(decl):
            if t.text == ":=" or t.is_word("DEFAULT"):
                value = self._eval(frame, decl[j + 1 :])
                break
        frame.variables[name] = value

    def _statements(self, frame: _Frame, stmts: list[list[Token]]) -> None:
        for stmt in stmts:
            self._statement(frame, stmt)

    def _statement(self, frame: _Frame, s: list[Token]) -> None:
        if not s:
            return
        head = s[0]
        if head.is_word("NULL") and len(s) == 1:
            return
        if head.is_word("BEGIN", "DECLARE"):
            self._block(frame, [*s, Token(Tok.PUNCT, ";", ";")], 0)
            return
        if head.is_word("EXECUTE") and len(s) > 1 and s[1].is_word("IMMEDIATE"):
            self._execute_immediate(frame, s[2:])
            return
        if head.is_word("IF"):
            self._if(frame, s)
            return
        if head.is_word("WHILE"):
            self._while(frame, s)
            return
        if len(s) > 1 and s[1].text == ":=" and head.kind in (Tok.WORD, Tok.BIND):
            value = self._eval(frame, s[2:])
            if head.kind is Tok.BIND:
                frame.out[frame.bind_pos[head.value]] = [value]
            else:
                frame.variables[head.value] = value
            return
        if head.is_word("SELECT"):
            self._select_into(frame, s)
            return
        if head.is_word(
            "INSERT", "UPDATE", "DELETE", "MERGE", "COMMIT", "ROLLBACK", "SAVEPOINT", "LOCK", "SET"
        ):
            self._sql(frame, _sql_of(s))
            return
        if head.kind is Tok.WORD:
            self._call(frame, s)
            return
        raise _err(f"unsupported statement: {_sql_of(s)}")

    def _if(self, frame: _Frame, s: list[Token]) -> None:
        # IF cond THEN stmts [ELSIF cond THEN stmts]* [ELSE stmts] END IF
        body = s[:-2] if len(s) >= 2 and s[-2].is_word("END") and s[-1].is_word("IF") else s
        flat = [*body[1:], Token(Tok.PUNCT, ";", ";")]
        i = 0
        taken = False
        while i < len(flat):
            then = next((j for j in range(i, len(flat)) if flat[j].is_word("THEN")), -1)
            if then < 0:
                raise _err("expected THEN")
            cond = self._truth(frame, flat[i:then])
            stmts, i = _split(flat, then + 1, ("ELSIF", "ELSE"))
            if cond and not taken:
                self._statements(frame, stmts)
                taken = True
            if i >= len(flat):
                return
            if flat[i].is_word("ELSE"):
                stmts, _ = _split(flat, i + 1, ())
                if not taken:
                    self._statements(frame, stmts)
                return
            i += 1  # ELSIF

    def _while(self, frame: _Frame, s: list[Token]) -> None:
        # WHILE cond LOOP stmts END LOOP
        loop = next((j for j, t in enumerate(s) if t.is_word("LOOP")), -1)
        if loop < 0 or len(s) < loop + 3 or not (s[-2].is_word("END") and s[-1].is_word("LOOP")):
            raise _err("expected LOOP … END LOOP")
        body, _ = _split([*s[loop + 1 : -2], Token(Tok.PUNCT, ";", ";")], 0, ())
        for _ in range(100_000):
            if not self._truth(frame, s[1:loop]):
                return
            self._statements(frame, body)
        raise OracleError(6550, "WHILE loop did not terminate after 100000 iterations")

    # --- statements ------------------------------------------------------------------------------

    def _execute_immediate(self, frame: _Frame, expr: list[Token]) -> None:
        # EXECUTE IMMEDIATE text [INTO v, …]   (USING is not modelled)
        cut = next((j for j, t in enumerate(expr) if t.is_word("USING", "INTO")), len(expr))
        if cut < len(expr) and expr[cut].is_word("USING"):
            raise _err("EXECUTE IMMEDIATE … USING is not supported")
        text = self._eval(frame, expr[:cut])
        if not isinstance(text, str):
            raise OracleError(6550, "EXECUTE IMMEDIATE needs a string")
        result = self.engine.execute(frame.ctx, text, [])
        targets = [t for t in expr[cut + 1 :] if t.text != ","]
        if targets:
            if not result.rows:
                raise OracleError(1403, "no data found")
            for t, v in zip(targets, result.rows[0], strict=False):
                if t.kind is Tok.BIND:
                    frame.out[frame.bind_pos[t.value]] = [v]
                else:
                    frame.variables[t.value] = v

    def _sql(self, frame: _Frame, sql: str, extra: dict[str, Value] | None = None) -> Result:
        """Run a SQL fragment of the block, with its binds and referenced locals bound."""
        toks = significant(tokenize(sql))
        binds: list[_Bind] = []
        parts: list[str] = []
        for t in toks:
            if t.kind is Tok.BIND:
                if t.value not in frame.bind_pos:
                    raise OracleError(1008, "not all variables bound")
                bind = frame.binds[frame.bind_pos[t.value]]
                binds.append(_Bind(t.value, bind.value))
                parts.append(t.text)
            elif t.kind is Tok.WORD and t.value in frame.variables:
                name = f"PLV_{t.value}"
                binds.append(_Bind(name, frame.variables[t.value]))
                parts.append(":" + name)
            else:
                parts.append(t.text)
        return self.engine.execute(frame.ctx, " ".join(parts), binds)

    def _eval(self, frame: _Frame, expr: list[Token]) -> Value:
        if len(expr) == 1:
            t = expr[0]
            if t.kind is Tok.STRING:
                return t.value if t.value != "" else None
            if t.kind is Tok.NUMBER:
                return float(t.value) if "." in t.value else int(t.value)
            if t.kind is Tok.BIND:
                return frame.binds[frame.bind_pos[t.value]].value
            if t.is_word("NULL"):
                return None
            if t.kind is Tok.WORD and t.value in frame.variables:
                return frame.variables[t.value]
        result = self._sql(frame, "SELECT " + _sql_of(expr) + " FROM DUAL")
        return result.rows[0][0] if result.rows else None

    def _truth(self, frame: _Frame, cond: list[Token]) -> bool:
        result = self._sql(frame, "SELECT 1 FROM DUAL WHERE " + _sql_of(cond))
        return bool(result.rows)

    def _select_into(self, frame: _Frame, s: list[Token]) -> None:
        into = next((j for j, t in enumerate(s) if t.is_word("INTO")), -1)
        frm = next((j for j, t in enumerate(s) if t.is_word("FROM") and j > into), -1)
        if into < 0 or frm < 0:
            raise _err("SELECT without INTO")
        targets = [t for t in s[into + 1 : frm] if t.text != ","]
        result = self._sql(frame, _sql_of(s[:into] + s[frm:]))
        if not result.rows:
            raise OracleError(1403, "no data found")
        if len(result.rows) > 1:
            raise OracleError(1422, "exact fetch returns more than requested number of rows")
        for t, v in zip(targets, result.rows[0], strict=False):
            if t.kind is Tok.BIND:
                frame.out[frame.bind_pos[t.value]] = [v]
            else:
                frame.variables[t.value] = v

    def _call(self, frame: _Frame, s: list[Token]) -> None:
        # name[.name] [( args )]
        name_parts: list[str] = []
        i = 0
        while i < len(s) and (s[i].kind in (Tok.WORD, Tok.QUOTED) or s[i].text == "."):
            if s[i].text != ".":
                name_parts.append(s[i].value.upper())
            i += 1
        name = ".".join(name_parts[-2:])
        raw_args: list[list[Token]] = []
        raw_kwargs: dict[str, list[Token]] = {}
        if i < len(s) and s[i].text == "(":
            inner = s[i + 1 : len(s) - 1] if s[-1].text == ")" else []
            for arg in _split_args(inner):
                if len(arg) > 2 and arg[1].text == "=>":
                    raw_kwargs[arg[0].value.upper()] = arg[2:]
                elif arg:
                    raw_args.append(arg)
        if len(name_parts) >= 2 and name_parts[-2] == "DBMS_CONNECTION_POOL":
            # The instance runs the package (and decides who may).
            pool_args = [self._eval(frame, arg) for arg in raw_args]
            pool_kwargs = {key: self._eval(frame, arg) for key, arg in raw_kwargs.items()}
            admin(frame.ctx).connection_pool(frame.ctx.session, name_parts[-1], pool_args, pool_kwargs)
            return
        proc = self.procedures.get(name)
        if proc is None:
            stored = self._stored_procedure(frame, name_parts)
            if stored is None:
                raise OracleError(6550, f"line 1, column 7:\nPLS-00201: identifier '{name}' must be declared")
            self._run_stored(frame, stored, raw_args, raw_kwargs)
            return
        args = [self._eval(frame, arg) for arg in raw_args]
        kwargs = {key: self._eval(frame, arg) for key, arg in raw_kwargs.items()}
        proc(frame.ctx.session, args, kwargs)

    def _stored_procedure(self, frame: _Frame, name_parts: list[str]) -> procedures.Procedure | None:
        """The session schema's procedure of that name (``name`` or ``schema.name``), from USER_SOURCE."""
        user = (frame.ctx.session.username or "").upper()
        if not name_parts or len(name_parts) > 2 or (len(name_parts) == 2 and name_parts[0] != user):
            return None
        found = self.engine.execute(
            frame.ctx,
            "SELECT TEXT FROM USER_SOURCE WHERE NAME = :1 AND TYPE = 'PROCEDURE'",
            [_Bind("1", name_parts[-1])],
        )
        return procedures.parse(str(found.rows[0][0])) if found.rows else None

    def _run_stored(
        self,
        frame: _Frame,
        proc: procedures.Procedure,
        args: list[list[Token]],
        kwargs: dict[str, list[Token]],
    ) -> None:
        """Bind the arguments to the parameters, run the body as a nested block, copy OUT values back."""
        wrong = OracleError(
            6550, f"line 1, column 7:\nPLS-00306: wrong number or types of arguments in call to '{proc.name}'"
        )
        by_name = {p.name.upper(): p for p in proc.parameters}
        if len(args) > len(proc.parameters) or any(k not in by_name for k in kwargs):
            raise wrong
        inner = _Frame(frame.ctx, {}, [])
        outs: dict[str, Token] = {}
        for k, param in enumerate(proc.parameters):
            arg = args[k] if k < len(args) else kwargs.get(param.name.upper())
            if "OUT" in param.mode:
                if arg is None or len(arg) != 1 or arg[0].kind is not Tok.BIND:
                    raise wrong  # PLS-00363: an OUT argument must be a variable
                outs[param.name] = arg[0]
            if arg is not None and param.mode != "OUT":
                value = self._eval(frame, arg)
            elif arg is None and param.default:
                value = self._eval(inner, param.default)
            elif arg is None and param.mode == "IN":
                raise wrong
            else:
                value = None
            inner.variables[param.name.upper()] = value
        self._block(inner, proc.body, 0)
        for param_name, target in outs.items():
            frame.out[frame.bind_pos[target.value]] = [inner.variables.get(param_name.upper())]


def _split_args(toks: list[Token]) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    depth = 0
    for t in toks:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        if t.text == "," and depth == 0:
            out.append([])
        else:
            out[-1].append(t)
    return [a for a in out if a]


def _arg(args: list[Value], kwargs: dict[str, Value], pos: int, name: str) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[pos] if pos < len(args) else None


def _str(v: Value) -> str | None:
    return None if v is None else str(v)


def _set_context(s: SessionState, a: list[Value], k: dict[str, Value]) -> None:
    ns = _str(_arg(a, k, 0, "NAMESPACE"))
    attr = _str(_arg(a, k, 1, "ATTRIBUTE"))
    if not ns or not attr:
        raise OracleError(1031, "insufficient privileges")
    value = _str(_arg(a, k, 2, "VALUE"))
    key = (ns.upper(), attr.upper())
    if value is None:
        s.contexts.pop(key, None)
    else:
        s.contexts[key] = value


def _clear_context(s: SessionState, a: list[Value], k: dict[str, Value]) -> None:
    ns = (_str(_arg(a, k, 0, "NAMESPACE")) or "").upper()
    attr = _str(_arg(a, k, 2, "ATTRIBUTE"))
    for key in list(s.contexts):
        if key[0] == ns and (attr is None or key[1] == attr.upper()):
            del s.contexts[key]


def _clear_all_context(s: SessionState, a: list[Value], k: dict[str, Value]) -> None:
    ns = (_str(_arg(a, k, 0, "NAMESPACE")) or "").upper()
    for key in list(s.contexts):
        if key[0] == ns:
            del s.contexts[key]


def _set_module(s: SessionState, a: list[Value], k: dict[str, Value]) -> None:
    s.module = _str(_arg(a, k, 0, "MODULE_NAME"))
    s.action = _str(_arg(a, k, 1, "ACTION_NAME"))
