"""Oracle SELECT / INSERT / UPDATE / DELETE → SQLite, via a token pre-pass and sqlglot.

The token pre-pass handles what sqlglot's Oracle dialect drops or rejects: bind placeholders (renamed
``:b<i>`` per occurrence), ``TRANSLATE(x USING NCHAR_CS)``, ``LIKEC``, ``RETURNING … INTO :out``,
``FOR UPDATE`` (stripped: SQLite serialises writers; the statement takes the write lock instead),
``DBMS_LOB.SUBSTR``. sqlglot then parses the Oracle text and the AST is rewritten so that every Oracle
function whose SQLite namesake means something else calls an ``ORA_*`` user function instead
(:mod:`.functions`). Anything sqlglot cannot parse or generate faithfully raises ORA-00900.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from ..results import OracleError
from .hierarchy import is_level, source_names, unfold
from .lexer import Tok, Token, significant, split_commas, tokenize
from .views import VIEWS


@dataclass
class Translated:
    """A statement ready for SQLite, plus what the engine needs to bind and describe it."""

    sql: str  # SQLite text with :b0, :b1 … placeholders
    kind: str  # "select" or "dml"
    bind_names: list[str]  # Oracle name of placeholder occurrence i (i.e. :b<i>)
    out_slots: list[int] = field(default_factory=list)  # occurrences that are RETURNING INTO targets
    returning: list[str] = field(default_factory=list)  # Oracle names of the RETURNING expressions
    for_update: bool = False
    views: set[str] = field(default_factory=set)  # V$ views to materialise first
    select: exp.Expression | None = None  # the Oracle AST (describe uses it)
    table: str | None = None  # DML target table


def _unsupported(sql: str, why: str = "") -> OracleError:
    text = " ".join(sql.split())
    if len(text) > 300:
        text = text[:300] + "…"
    return OracleError(900, f"invalid SQL statement: {text}" + (f" ({why})" if why else ""))


def _matching_paren(toks: list[Token], i: int) -> int:
    """Index of the ')' matching the '(' at ``toks[i]`` (significant tokens only)."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].kind is Tok.PUNCT:
            if toks[j].text == "(":
                depth += 1
            elif toks[j].text == ")":
                depth -= 1
                if depth == 0:
                    return j
    return -1


def prepass(sql: str) -> tuple[list[Token], list[str], list[int], bool, set[str], list[Token]]:
    """Token rewrites before sqlglot.

    Returns (tokens, bind names, out slots, for_update, views, returning expression tokens).
    """
    toks = significant(tokenize(sql))
    names: list[str] = []
    out: list[Token] = []
    views: set[str] = set()
    # 1. TRANSLATE(x USING NCHAR_CS) -> (x)
    drop: set[int] = set()
    for i, t in enumerate(toks):
        if t.is_word("TRANSLATE") and i + 1 < len(toks) and toks[i + 1].text == "(":
            j = _matching_paren(toks, i + 1)
            if j > 3 and toks[j - 2].is_word("USING") and toks[j - 1].is_word("NCHAR_CS", "CHAR_CS"):
                drop.update((i, j - 2, j - 1))
                if j - 2 == i + 3:  # a single token inside: drop the parentheses too (ESCAPE '\')
                    drop.update((i + 1, j))
    toks = [t for i, t in enumerate(toks) if i not in drop]
    # 2. RETURNING … INTO :x, :y and FOR UPDATE … at depth 0 (both end the statement).
    depth = 0
    returning_at = into_at = for_update_at = -1
    for i, t in enumerate(toks):
        if t.kind is Tok.PUNCT and t.text == "(":
            depth += 1
        elif t.kind is Tok.PUNCT and t.text == ")":
            depth -= 1
        elif depth == 0 and t.is_word("RETURNING", "RETURN") and returning_at < 0:
            returning_at = i
        elif depth == 0 and t.is_word("INTO") and returning_at >= 0 and into_at < 0:
            into_at = i
        elif depth == 0 and t.is_word("FOR") and i + 1 < len(toks) and toks[i + 1].is_word("UPDATE"):
            for_update_at = i
            break
    out_targets: list[Token] = []
    returning_exprs: list[Token] = []
    if for_update_at >= 0:
        toks = toks[:for_update_at]
    if into_at >= 0:
        out_targets = [t for t in toks[into_at + 1 :] if t.kind is Tok.BIND]
        returning_exprs = toks[returning_at + 1 : into_at]
        toks = toks[:into_at]
    toks = _json_functions(toks)
    # 3. binds, LIKEC, package functions, V$ names.
    k = 0
    while k < len(toks):
        t = toks[k]
        if t.kind is Tok.BIND:
            out.append(Token(Tok.BIND, f":b{len(names)}", f"b{len(names)}"))
            names.append(t.value)
        elif (
            t.kind in (Tok.WORD, Tok.QUOTED)
            and t.value.upper() in ("SYS", "PUBLIC")
            and k + 2 < len(toks)
            and toks[k + 1].text == "."
            and (toks[k + 2].value.upper() == "DUAL" or toks[k + 2].value.upper() in VIEWS)
        ):
            k += 2  # SYS.DUAL, SYS.V$SESSION: the same objects as unqualified
            continue
        elif t.kind is Tok.STRING and t.text[:1] in "qQnN":
            # q'[…]' and N'…' literals, which sqlglot does not read: plain quoted text.
            quoted = "'" + t.value.replace("'", "''") + "'"
            out.append(Token(Tok.STRING, quoted, t.value))
        elif t.is_word("LIKEC", "LIKE2", "LIKE4"):
            out.append(Token(Tok.WORD, "LIKE", "LIKE"))
        elif (
            t.kind is Tok.WORD and t.value in _CALL_RENAMES and k + 1 < len(toks) and toks[k + 1].text == "("
        ):
            # Renamed before parsing: sqlglot would rewrite their Oracle format models lossily.
            out.append(Token(Tok.WORD, _CALL_RENAMES[t.value], _CALL_RENAMES[t.value]))
        elif t.is_word("LOCALTIMESTAMP", "CURRENT_DATE") and not (
            k + 1 < len(toks) and toks[k + 1].text == "("
        ):
            out += [Token(Tok.WORD, "ORA_SYSTIMESTAMP", "ORA_SYSTIMESTAMP"), Token(Tok.PUNCT, "()", "()")]
        elif (
            t.is_word("DBMS_LOB", "DBMS_RANDOM")
            and k + 2 < len(toks)
            and toks[k + 1].text == "."
            and toks[k + 2].kind is Tok.WORD
        ):
            fn = {"SUBSTR": "ORA_LOB_SUBSTR", "GETLENGTH": "ORA_LENGTH", "VALUE": "ORA_RANDOM"}.get(
                toks[k + 2].value
            )
            if fn is None:
                raise _unsupported(sql, f"{t.value}.{toks[k + 2].value}")
            out.append(Token(Tok.WORD, fn, fn))
            if fn == "ORA_RANDOM" and not (k + 3 < len(toks) and toks[k + 3].text == "("):
                out.append(Token(Tok.PUNCT, "()", "()"))
            k += 3
            continue
        elif t.kind in (Tok.WORD, Tok.QUOTED) and t.value.upper() in VIEWS:
            views.add(t.value.upper())
            out.append(Token(Tok.QUOTED, f'"{t.value.upper()}"', t.value.upper()))
        elif t.kind is Tok.WORD and ("$" in t.value or "#" in t.value):
            out.append(Token(Tok.QUOTED, f'"{t.value}"', t.value))  # SQLite rejects $ / # unquoted
        else:
            out.append(t)
        k += 1
    out_slots = []
    for t in out_targets:
        out_slots.append(len(names))
        names.append(t.value)
    return out, names, out_slots, for_update_at >= 0, views, returning_exprs


_JSON_FUNCS = {
    "JSON_VALUE": "ORA_JSON_VALUE",
    "JSON_QUERY": "ORA_JSON_QUERY",
    "JSON_EXISTS": "ORA_JSON_EXISTS",
    "JSON_EQUAL": "ORA_JSON_EQUAL",
    "JSON_OBJECT": "ORA_JSON_OBJECT",
}
# Words that start the trailing clauses of SQL/JSON functions (ON ERROR, WRAPPER, RETURNING …).
_JSON_CLAUSE = {
    "DISALLOW",
    "ALLOW",
    "WITH",
    "WITHOUT",
    "ERROR",
    "NULL",
    "EMPTY",
    "RETURNING",
    "PRETTY",
    "ASCII",
    "TRUE",
    "FALSE",
    "DEFAULT",
    "FORMAT",
    "ABSENT",
    "STRICT",
    "LAX",
}


def _json_functions(toks: list[Token]) -> list[Token]:
    """SQL/JSON functions (what Django's JSONField emits) → ORA_JSON_* user functions.

    Their clauses (``DISALLOW SCALARS``, ``ERROR ON ERROR``, ``'k' VALUE x FORMAT JSON``) are not
    expressions sqlglot can read, so they become plain arguments here.
    """
    out = list(toks)
    i = 0
    while i < len(out):
        t = out[i]
        if not (
            t.kind is Tok.WORD and t.value in _JSON_FUNCS and i + 1 < len(out) and out[i + 1].text == "("
        ):
            i += 1
            continue
        j = _matching_paren(out, i + 1)
        if j < 0:
            break
        args = split_commas(out[i + 2 : j])
        new_args: list[list[Token]] = []
        if t.value == "JSON_OBJECT":
            for arg in args:
                is_json = len(arg) > 2 and arg[-2].is_word("FORMAT") and arg[-1].is_word("JSON")
                arg = arg[:-2] if is_json else arg
                at = next((k for k, a in enumerate(arg) if a.is_word("VALUE")), -1)
                key, val = (arg[:at], arg[at + 1 :]) if at > 0 else (arg, [Token(Tok.WORD, "NULL", "NULL")])
                new_args += [key, val, [Token(Tok.NUMBER, "1" if is_json else "0", "1" if is_json else "0")]]
        else:
            clause: list[Token] = []
            for k, arg in enumerate(args):
                if k >= 1 and len(arg) > 1 and arg[1].kind is Tok.WORD and arg[1].value in _JSON_CLAUSE:
                    clause += arg[1:]
                    arg = arg[:1]
                new_args.append(arg)
            if t.value == "JSON_QUERY":
                scalars = not any(c.is_word("DISALLOW") for c in clause) and any(
                    c.is_word("WRAPPER") for c in clause
                )
                new_args.append([Token(Tok.NUMBER, "1" if scalars else "0", "1" if scalars else "0")])
        name = _JSON_FUNCS[t.value]
        rebuilt: list[Token] = [Token(Tok.WORD, name, name), Token(Tok.PUNCT, "(", "(")]
        for k, arg in enumerate(new_args):
            if k:
                rebuilt.append(Token(Tok.PUNCT, ",", ","))
            rebuilt += arg
        rebuilt.append(Token(Tok.PUNCT, ")", ")"))
        out[i : j + 1] = rebuilt
        i += 1
    return out


def _text(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


_TS_FUNCS = ("TO_TIMESTAMP_TZ",)
# Oracle functions renamed at token level, so their arguments (format models) reach our UDFs verbatim.
_CALL_RENAMES = {
    "TO_CHAR": "ORA_TO_CHAR",
    "TO_NCHAR": "ORA_TO_CHAR",
    "TO_DATE": "ORA_TO_DATE",
    "TO_TIMESTAMP": "ORA_TO_TS",
    "TRUNC": "ORA_TRUNC",
    "NUMTODSINTERVAL": "ORA_NUMTODSINTERVAL",
}
_RENAMES = {
    "NVL": "COALESCE",
    "BITAND": "ORA_BITAND",
    "LPAD": "ORA_LPAD",
    "RPAD": "ORA_RPAD",
    "TO_NCLOB": "",
    "TO_CLOB": "",
    "TO_BLOB": "",
    "TO_NCHAR": "ORA_TO_CHAR",
    "TRUNC": "ORA_TRUNC",
    "SYS_GUID": "ORA_SYS_GUID",
    "INSTR": "ORA_INSTR",
    "SUBSTR": "ORA_SUBSTR",
    "MOD": "ORA_MOD",
    "CHR": "CHAR",
    "RAWTOHEX": "ORA_RAWTOHEX",
    "VAR_SAMP": "ORA_VAR_SAMP",
    "FROM_TZ": "ORA_FROM_TZ",
}


def _call(name: str, *args: exp.Expression | None) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=[a for a in args if a is not None])


def _type_name(dt: exp.DataType) -> str:
    return dt.sql(dialect="oracle").upper()


def _rewrite(node: exp.Expression) -> exp.Expression:
    """Bottom-up rewrite of one AST node (used with ``Expression.transform``)."""
    if isinstance(node, exp.Literal) and node.is_string and node.this == "":
        return exp.Null()  # Oracle: '' IS NULL
    if isinstance(node, exp.DPipe):
        return _call("ORA_CONCAT", node.this, node.expression)
    if isinstance(node, exp.ToChar):
        return _call("ORA_TO_CHAR", node.this, node.args.get("format"))
    if isinstance(node, exp.Extract):
        part = (
            node.this.name if isinstance(node.this, exp.Var | exp.Identifier | exp.Column) else str(node.this)
        )
        return _call("ORA_EXTRACT", exp.Literal.string(part.upper()), node.expression)
    if isinstance(node, exp.Trunc | exp.DateTrunc | exp.TimestampTrunc):
        args = [node.this, node.args.get("decimals") or node.args.get("unit") or node.args.get("expression")]
        if isinstance(node, exp.DateTrunc | exp.TimestampTrunc):
            args = [node.this, node.args.get("unit")]
        return _call("ORA_TRUNC", *args)
    if isinstance(node, exp.Cast):
        target = _type_name(node.to)
        if target.startswith("DATE"):
            return _call("ORA_CAST_DATE", node.this)
        if target.startswith("TIMESTAMP"):
            return _call("ORA_TO_TS", node.this)
        if target.startswith(("NUMBER", "DECIMAL", "INT", "FLOAT", "NUMERIC")):
            return exp.Cast(this=node.this, to=exp.DataType.build("NUMERIC"))
        if target.startswith(("VARCHAR", "NVARCHAR", "CHAR", "NCHAR", "CLOB", "NCLOB", "TEXT")):
            return _call("ORA_TO_CHAR", node.this)
        if target.startswith("INTERVAL"):
            return node.this
        return node
    if isinstance(node, exp.StrToDate | exp.StrToTime):
        return _call("ORA_TO_TS", node.this)
    if isinstance(node, exp.ToNumber):
        return _call("ORA_TO_NUMBER", node.this)
    if isinstance(node, exp.Greatest):
        return _call("ORA_GREATEST", node.this, *node.expressions)
    if isinstance(node, exp.Least):
        return _call("ORA_LEAST", node.this, *node.expressions)
    if isinstance(node, exp.RegexpLike):
        return _call("ORA_REGEXP_LIKE", node.this, node.expression, node.args.get("flag"))
    if isinstance(node, exp.Pad):
        fn = "ORA_LPAD" if node.args.get("is_left") else "ORA_RPAD"
        return _call(fn, node.this, node.expression, node.args.get("fill_pattern"))
    if isinstance(node, exp.CurrentTimestamp | exp.Systimestamp | exp.CurrentDate | exp.CurrentDatetime):
        return _call("ORA_SYSTIMESTAMP")
    if isinstance(node, exp.AtTimeZone):
        return _call("ORA_AT_TZ", node.this, node.args.get("zone"))
    if isinstance(node, exp.StandardHash):
        return _call("ORA_HASH", node.this, node.expression)
    if isinstance(node, exp.Add):
        # Dates and intervals are text in SQLite: + and - dispatch on the operand kinds at run time.
        return _call("ORA_ADD", node.this, node.expression)
    if isinstance(node, exp.Sub):
        return _call("ORA_SUB", node.this, node.expression)
    if isinstance(node, exp.Mul):
        return _call("ORA_MUL", node.this, node.expression)
    if isinstance(node, exp.Div):
        return _call("ORA_DIV", node.this, node.expression)  # x / 0 is ORA-01476, not NULL
    if isinstance(node, exp.Interval):
        unit = node.args.get("unit")
        return _call("ORA_INTERVAL", node.this, exp.Literal.string(unit.name if unit is not None else "DAY"))
    if isinstance(node, exp.Upper | exp.Lower | exp.Initcap):
        # SQLite's UPPER/LOWER only know ASCII; Oracle's know every letter.
        fn = {exp.Upper: "ORA_UPPER", exp.Lower: "ORA_LOWER", exp.Initcap: "ORA_INITCAP"}[type(node)]
        return _call(fn, node.this)
    if isinstance(node, exp.StddevPop | exp.StddevSamp | exp.Stddev | exp.VariancePop | exp.Variance):
        fn = {
            exp.StddevPop: "ORA_STDDEV_POP",
            exp.StddevSamp: "ORA_STDDEV_SAMP",
            exp.Stddev: "ORA_STDDEV_SAMP",
            exp.VariancePop: "ORA_VAR_POP",
            exp.Variance: "ORA_VAR_SAMP",
        }[type(node)]
        return _call(fn, node.this)
    if isinstance(node, exp.Sum | exp.Avg):
        return _call("ORA_SUM" if isinstance(node, exp.Sum) else "ORA_AVG", node.this)
    if isinstance(node, exp.Ascii):
        return _call("UNICODE", node.this)
    if isinstance(node, exp.Replace) and node.args.get("replacement") is None:
        return exp.Replace(this=node.this, expression=node.expression, replacement=exp.Literal.string(""))
    if isinstance(node, exp.Mod):
        return _call("ORA_MOD", node.this, node.expression)
    if isinstance(node, exp.Pow):
        return _call("ORA_POWER", node.this, node.expression)
    if isinstance(node, exp.Round):
        return _call("ORA_ROUND", node.this, node.args.get("decimals"))
    if isinstance(node, exp.Length):
        return _call("ORA_LENGTH", node.this)
    if isinstance(node, exp.Substring):
        return _call("ORA_SUBSTR", node.this, node.args.get("start"), node.args.get("length"))
    if isinstance(node, exp.StrPosition):
        return _call("ORA_INSTR", node.this, node.args.get("substr"), node.args.get("position"))
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.JSON):
        return _call("ORA_IS_JSON", node.this)  # x IS JSON (JSONField's check constraint)
    if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any):
        inner = node.expression.this
        items = inner.expressions if isinstance(inner, exp.Tuple) else [inner]
        return exp.In(this=node.this, expressions=items)
    if isinstance(node, exp.SetOperation):
        # SQLite rejects parenthesised members of a compound SELECT: (SELECT …) UNION (SELECT …).
        for side in ("this", "expression"):
            child = node.args.get(side)
            if isinstance(child, exp.Subquery):
                node.set(side, exp.Select(expressions=[exp.Star()]).from_(child))
        return node
    if isinstance(node, exp.GroupConcat):
        # LISTAGG(x, sep) WITHIN GROUP (ORDER BY k): SQLite 3.40 has no ORDER BY inside aggregates,
        # so a user aggregate collects (key, value) pairs and sorts them (first sort key only).
        sep = node.args.get("separator") or exp.Literal.string("")
        if isinstance(node.this, exp.Order):
            key = node.this.expressions[0]
            desc = exp.Literal.number(1 if key.args.get("desc") else 0)
            return _call("ORA_LISTAGG", node.this.this, sep, key.this, desc)
        return _call("ORA_LISTAGG", node.this, sep)
    if isinstance(node, exp.Anonymous):
        name = str(node.this).upper()
        if name in _TS_FUNCS:
            return _call("ORA_TO_TS", *node.expressions[:1])
        if name in _RENAMES:
            new = _RENAMES[name]
            if new == "":
                return node.expressions[0] if node.expressions else exp.Null()
            return _call(new, *node.expressions)
    if isinstance(node, exp.Column) and not node.table and node.name.upper() in ("SYSDATE", "SYSTIMESTAMP"):
        return _call("ORA_SYSTIMESTAMP")
    if (
        isinstance(node, exp.Column)
        and not node.table
        and node.name.upper() == "USER"
        and not node.this.quoted
    ):
        return _call("ORA_USER")
    return node


def rewrite(tree: exp.Expression) -> exp.Expression:
    """Apply :func:`_rewrite` bottom-up, so a rewritten node is built from rewritten children.

    (``Expression.transform`` is top-down and does not revisit the children of a replaced node.)
    """
    root = tree
    for node in reversed(list(tree.dfs())):
        new = _rewrite(node)
        if new is not node:
            if node is root:
                root = new
            else:
                node.replace(new)
    return root


def _apply_rownum(select: exp.Select, sql: str) -> None:
    """``WHERE ROWNUM < n`` (Django introspection, hand-written probes) -> LIMIT."""
    where = select.args.get("where")
    if where is None:
        return
    conds: list[exp.Expression] = (
        list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this]
    )
    keep: list[exp.Expression] = []
    limit: int | None = None
    for c in conds:
        if (
            isinstance(c, exp.LT | exp.LTE | exp.EQ)
            and isinstance(c.this, exp.Column)
            and c.this.name.upper() == "ROWNUM"
            and isinstance(c.expression, exp.Literal)
        ):
            n = int(c.expression.this)
            limit = n - 1 if isinstance(c, exp.LT) else (n if isinstance(c, exp.LTE) else min(n, 1))
        else:
            keep.append(c)
    if limit is None:
        return
    if keep:
        cond = keep[0]
        for c in keep[1:]:
            cond = exp.And(this=cond, expression=c)
        select.set("where", exp.Where(this=cond))
    else:
        select.set("where", None)
    select.set("limit", exp.Limit(expression=exp.Literal.number(max(limit, 0))))


def _constant_outer_group_terms(tree: exp.Expression) -> None:
    """``GROUP BY outer.col`` in a subquery (Django's ``Reverse()``): SQLite cannot resolve an outer column
    there. It is one constant per evaluation of the subquery, so grouping by a constant is the same."""
    for sel in tree.find_all(exp.Select):
        group = sel.args.get("group")
        if group is None or sel.find_ancestor(exp.Select) is None:
            continue
        names = source_names(sel)
        for term in group.expressions:
            table = term.args.get("table") if isinstance(term, exp.Column) else None
            if table is not None and (table.name if table.quoted else table.name.upper()) not in names:
                term.replace(exp.Literal.string("outer"))


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> Translated:
    toks, names, out_slots, for_update, views, returning = prepass(sql)
    text = _text(toks)
    try:
        tree = sqlglot.parse_one(text, read="oracle")
    except SqlglotError as e:
        raise _unsupported(sql, type(e).__name__) from e
    if tree is None:
        raise _unsupported(sql)
    original = tree.copy()
    for sel in list(tree.find_all(exp.Select)):
        _apply_rownum(sel, sql)
    # Hierarchical blocks, innermost first (an unfolded block no longer contains its nested ones).
    for sel in reversed([s for s in tree.find_all(exp.Select) if s.args.get("connect") is not None]):
        new = unfold(sel, sql)
        if sel is tree:
            tree = new
        else:
            sel.replace(new)
    for col in tree.find_all(exp.Column):
        if col.name.upper() in ("ROWNUM", "ROWID", "NEXTVAL", "CURRVAL"):
            raise _unsupported(sql, col.name.upper())
        if is_level(col):
            raise OracleError(1788, "CONNECT BY clause required in this query block")
    tree = rewrite(tree)
    _constant_outer_group_terms(tree)
    kind = "select" if isinstance(tree, exp.Query) else "dml"
    if kind == "dml" and not isinstance(tree, exp.Insert | exp.Update | exp.Delete):
        raise _unsupported(sql)
    table = None
    returning_names: list[str] = []
    if kind == "dml":
        target = tree.this
        if not isinstance(target, exp.Expression):
            raise _unsupported(sql)
        tbl = target if isinstance(target, exp.Table) else target.find(exp.Table)
        if tbl is None:
            raise _unsupported(sql, "no table")
        table = tbl.name.upper()
        if returning:
            # SQLite's RETURNING cannot take table-qualified columns; keep bare names.
            try:
                exprs = [
                    e.transform(lambda n: exp.column(n.name, quoted=True) if isinstance(n, exp.Column) else n)
                    for e in sqlglot.parse_one("SELECT " + _text(returning), read="oracle").expressions
                ]
            except SqlglotError as e:
                raise _unsupported(sql, "RETURNING") from e
            returning_names = [e.name.upper() if isinstance(e, exp.Column) else e.sql() for e in exprs]
            tree.set("returning", exp.Returning(expressions=[rewrite(e) for e in exprs]))
    try:
        out_sql = tree.sql(dialect="sqlite", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as e:
        raise _unsupported(sql, str(e).split("\n")[0]) from e
    return Translated(
        sql=out_sql,
        kind=kind,
        bind_names=names,
        out_slots=out_slots,
        returning=returning_names,
        for_update=for_update,
        views=views,
        select=original if kind == "select" else None,
        table=table,
    )


@functools.lru_cache(maxsize=1024)
def expression(text: str) -> str:
    """An Oracle scalar expression or condition (DEFAULT, CHECK, index expression) as SQLite text."""
    toks, names, _, _, _, _ = prepass(text)
    if names:
        raise _unsupported(text, "bind variable in DDL")
    try:
        tree = sqlglot.parse_one(_text(toks), read="oracle")
        return rewrite(tree).sql(dialect="sqlite", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as e:
        raise _unsupported(text, type(e).__name__) from e
