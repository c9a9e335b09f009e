"""Oracle SELECT / INSERT / UPDATE / DELETE → SQLite, via a token pre-pass and sqlglot.

The token pre-pass handles what sqlglot's Oracle dialect drops or rejects: bind placeholders (renamed
``:b<i>`` per occurrence), ``TRANSLATE(x USING NCHAR_CS)``, ``LIKEC``, ``RETURNING … INTO :out``,
``FOR UPDATE`` (stripped: SQLite serialises writers; the statement takes the write lock instead),
``DBMS_LOB.SUBSTR``. sqlglot then parses the Oracle text and the AST is rewritten so that every Oracle
function whose SQLite namesake means something else calls an ``ORA_*`` user function instead
(:mod:`.functions`). Anything sqlglot cannot parse or generate faithfully raises ORA-00900.
"""

from __future__ import annotations

import decimal
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from ..results import OracleError
from . import numeric
from .hierarchy import is_level, source_names, unfold
from .lexer import Tok, Token, significant, split_commas, tokenize
from .types import parse_type
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
    schemas: set[str] = field(default_factory=set)  # schema qualifiers of tables ("APP"."T"), removed


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
    toks = _union_all_to_values(significant(tokenize(sql)))
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
        if (
            t.is_word("DAY", "SECOND", "YEAR", "MONTH")
            and i > 0
            and (
                toks[i - 1].is_word("INTERVAL", "TO")
                or (i > 1 and toks[i - 1].kind is Tok.STRING and toks[i - 2].is_word("INTERVAL"))
            )
            and i + 3 < len(toks)
            and toks[i + 1].text == "("
            and toks[i + 2].kind is Tok.NUMBER
            and toks[i + 3].text == ")"
        ):
            drop.update((i + 1, i + 2, i + 3))  # INTERVAL DAY(9) TO SECOND(6): sqlglot reads no precisions
        if t.is_word("CHR") and i + 1 < len(toks) and toks[i + 1].text == "(":
            # CHR(n USING NCHAR_CS): n is a code in the national character set (AL16UTF16).
            j = _matching_paren(toks, i + 1)
            if j > 3 and toks[j - 2].is_word("USING") and toks[j - 1].is_word("NCHAR_CS"):
                drop.update((j - 2, j - 1))
                toks[i] = Token(Tok.WORD, "ORA_NCHR", "ORA_NCHR")
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
            t.is_word("DBMS_LOB", "DBMS_RANDOM", "UTL_I18N", "UTL_RAW")
            and k + 2 < len(toks)
            and toks[k + 1].text == "."
            and toks[k + 2].kind is Tok.WORD
        ):
            fn = _PACKAGE_FUNCTIONS.get((t.value, toks[k + 2].value))
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


def _bulk_rows(toks: list[Token]) -> tuple[int, list[list[Token]]] | None:
    """Django's Oracle bulk insert, ``INSERT INTO t (…) SELECT * FROM (SELECT :1 col_0, … FROM DUAL UNION
    ALL SELECT … FROM DUAL …)``: (index of its ``SELECT``, the tokens of each row as a VALUES tuple)."""
    if not (toks and toks[0].is_word("INSERT")):
        return None
    at = next((i for i, t in enumerate(toks) if t.is_word("SELECT")), -1)
    if not (
        at > 0
        and toks[at - 1].text == ")"
        and [t.value for t in toks[at : at + 4]] == ["SELECT", "*", "FROM", "("]
        and _matching_paren(toks, at + 3) == len(toks) - 1
    ):
        return None
    members: list[list[Token]] = [[]]
    depth = 0
    inner = toks[at + 4 : -1]
    for k, t in enumerate(inner):
        if t.kind is Tok.PUNCT and t.text in "()":
            depth += 1 if t.text == "(" else -1
        if depth == 0 and t.kind is Tok.WORD and t.value == "UNION" and inner[k + 1].is_word("ALL"):
            members.append([])
        elif not (depth == 0 and t.kind is Tok.WORD and t.value == "ALL" and inner[k - 1].is_word("UNION")):
            members[-1].append(t)
    rows: list[list[Token]] = []
    for member in members:
        if not (
            len(member) > 3
            and member[0].is_word("SELECT")
            and member[-2].is_word("FROM")
            and member[-1].is_word("DUAL")
        ):
            return None
        row = [Token(Tok.PUNCT, "(", "(")]
        for n, item in enumerate(split_commas(member[1:-2])):
            if len(item) > 1 and item[-1].kind is Tok.WORD and item[-1].value.startswith("COL_"):
                item = item[:-1]  # Django's column alias in the first member
            if not item or any(t.kind is Tok.WORD and t.value in ("SELECT", "FROM") for t in item):
                return None
            row += [Token(Tok.PUNCT, ",", ","), *item] if n else item
        rows.append([*row, Token(Tok.PUNCT, ")", ")")])
    return at, rows


def _union_all_to_values(toks: list[Token]) -> list[Token]:
    """The bulk insert (:func:`_bulk_rows`) as ``INSERT INTO t (…) VALUES (…), (…)``: the same rows,
    without SQLite's limit of 500 compound SELECT members."""
    bulk = _bulk_rows(toks)
    if bulk is None:
        return toks
    at, rows = bulk
    out = [*toks[:at], Token(Tok.WORD, "VALUES", "VALUES")]
    for n, row in enumerate(rows):
        out += [Token(Tok.PUNCT, ",", ","), *row] if n else row
    return out


def _shifted_bind(offset: int) -> Callable[[re.Match[str]], str]:
    """``:b<i>`` of the first row's template as ``:b<i + offset>`` (the same slot of a later row)."""
    return lambda m: f":b{int(m.group(1)) + offset}"


def _bulk_insert(sql: str) -> Translated | None:
    """A bulk insert whose rows differ only in their binds: the first row translated (and cached) once,
    its SQLite VALUES tuple repeated with the binds renumbered (sqlglot would parse every row)."""
    toks = significant(tokenize(sql))
    bulk = _bulk_rows(toks)
    if bulk is None or len(bulk[1]) < 2:
        return None
    at, rows = bulk
    shape = [t.text if t.kind is not Tok.BIND else ":" for t in rows[0]]
    if any(t.kind is Tok.STRING for t in rows[0]) or any(
        [t.text if t.kind is not Tok.BIND else ":" for t in row] != shape for row in rows[1:]
    ):
        return None
    first = translate(_text([*toks[:at], Token(Tok.WORD, "VALUES", "VALUES"), *rows[0]]))
    per_row = len(first.bind_names)
    head, sep, template = first.sql.rpartition(" VALUES ")
    if not sep or first.out_slots or "'" in template or per_row == 0:
        return None
    tuples = [_BIND_NUMBER.sub(_shifted_bind(r * per_row), template) for r in range(len(rows))]
    names = [t.value for row in rows for t in row if t.kind is Tok.BIND]
    return Translated(
        sql=f"{head} VALUES {', '.join(tuples)}", kind="dml", bind_names=names, table=first.table
    )


_BIND_NUMBER = re.compile(r":b(\d+)\b")


_JSON_FUNCS = {
    "JSON_VALUE": "ORA_JSON_VALUE",
    "JSON_QUERY": "ORA_JSON_QUERY",
    "JSON_EXISTS": "ORA_JSON_EXISTS",
    "JSON_EQUAL": "ORA_JSON_EQUAL",
    "JSON_OBJECT": "ORA_JSON_OBJECT",
    "JSON_ARRAY": "ORA_JSON_ARRAY",
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
        if t.value in ("JSON_OBJECT", "JSON_ARRAY"):
            # Trailing clauses: [NULL|ABSENT ON NULL] [RETURNING type] [STRICT] [WITH UNIQUE KEYS].
            last = args[-1]
            cut, depth = len(last), 0
            for k, a in enumerate(last):
                depth += (a.text == "(") - (a.text == ")") if a.kind is Tok.PUNCT else 0
                if depth == 0 and (
                    a.is_word("RETURNING", "STRICT", "WITH", "WITHOUT")
                    or (a.is_word("NULL", "ABSENT") and k + 1 < len(last) and last[k + 1].is_word("ON"))
                ):
                    cut = k
                    break
            trailing = last[cut:]
            args[-1] = last[:cut]
            args = [arg for arg in args if arg]
            # Oracle's defaults: JSON_OBJECT keeps NULLs (NULL ON NULL), JSON_ARRAY drops them.
            absent = any(a.is_word("ABSENT") for a in trailing) or (
                t.value == "JSON_ARRAY" and not any(a.is_word("NULL") for a in trailing)
            )
            new_args.append([_number(1 if absent else 0)])
            for arg in args:
                is_json = len(arg) > 2 and arg[-2].is_word("FORMAT") and arg[-1].is_word("JSON")
                arg = arg[:-2] if is_json else arg
                at = next((k for k, a in enumerate(arg) if a.is_word("VALUE")), -1)
                if t.value == "JSON_OBJECT":
                    key, val = (
                        (arg[:at], arg[at + 1 :]) if at > 0 else (arg, [Token(Tok.WORD, "NULL", "NULL")])
                    )
                    new_args.append(key)
                else:
                    val = arg
                # A nested constructor's value is JSON, not a string that holds JSON.
                is_json = is_json or (len(val) > 1 and val[0].is_word(*_JSON_FUNCS) and val[1].text == "(")
                new_args += [val, [_number(1 if is_json else 0)]]
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


def _number(n: int) -> Token:
    return Token(Tok.NUMBER, str(n), str(n))


def _text(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


# Package functions (package, function) -> the user function that implements it.
_PACKAGE_FUNCTIONS = {
    ("DBMS_LOB", "SUBSTR"): "ORA_LOB_SUBSTR",
    ("DBMS_LOB", "GETLENGTH"): "ORA_LENGTH",
    ("DBMS_RANDOM", "VALUE"): "ORA_RANDOM",
    ("UTL_I18N", "STRING_TO_RAW"): "ORA_STRING_TO_RAW",  # Django's MD5(), SHA1(), SHA256() …
    ("UTL_RAW", "CAST_TO_RAW"): "ORA_STRING_TO_RAW",
}
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
    "CHR": "ORA_CHR",
    "NCHR": "ORA_NCHR",
    "RAWTOHEX": "ORA_RAWTOHEX",
    "VAR_SAMP": "ORA_VAR_SAMP",
    "FROM_TZ": "ORA_FROM_TZ",
}


def _call(name: str, *args: exp.Expression | None) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=[a for a in args if a is not None])


def _type_name(dt: exp.DataType) -> str:
    return dt.sql(dialect="oracle").upper()


# Calls (after rewriting) and nodes whose value is character data, whatever their arguments.
_CHARACTER_CALLS = frozenset(
    {
        "ORA_TO_CHAR",
        "ORA_CONCAT",
        "ORA_SUBSTR",
        "ORA_LPAD",
        "ORA_RPAD",
        "ORA_REPLACE",
        "ORA_UPPER",
        "ORA_LOWER",
        "ORA_JSON_VALUE",
        "ORA_JSON_QUERY",
    }
)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)


def _is_character(node: exp.Expression) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Literal):
        return bool(node.is_string) and not numeric.is_encoded(node.this)
    if isinstance(node, exp.Anonymous):
        return str(node.this).upper() in _CHARACTER_CALLS
    if isinstance(node, exp.Nullif):
        return isinstance(node.this, exp.Trim)
    if isinstance(node, exp.Coalesce):  # Django's key transform: COALESCE(JSON_QUERY(…), JSON_VALUE(…))
        args = [node.this, *node.expressions]
        return all(_is_character(a) or isinstance(a, exp.Null) for a in args) and any(
            _is_character(a) for a in args
        )
    return isinstance(node, exp.Trim)


def _is_number(node: exp.Expression) -> bool:
    if isinstance(node, exp.Literal):
        return not node.is_string or numeric.is_encoded(node.this)
    return isinstance(node, exp.Neg) and _is_number(node.this)


def _number_literal(node: exp.Literal) -> exp.Expression:
    """A number literal SQLite cannot hold exactly (beyond 64 bits or a double) as NUMBER's text."""
    try:
        stored = numeric.to_storage(decimal.Decimal(str(node.this)))
    except decimal.InvalidOperation:
        return node
    except ValueError as e:
        raise OracleError(1426, "numeric overflow") from e
    return exp.Literal.string(stored) if isinstance(stored, str) else node


# Calls (after rewriting) whose value is a number whatever their arguments.
_NUMERIC_CALLS = frozenset(
    {
        "ORA_EXTRACT",
        "ORA_TO_NUMBER",
        "ORA_LENGTH",
        "ORA_INSTR",
        "ORA_MOD",
        "ORA_ROUND",
        "ORA_ABS",
        "ORA_CEIL",
        "ORA_FLOOR",
        "ORA_SIGN",
        "ORA_POWER",
        "ORA_BITAND",
        "ORA_MUL",
        "ORA_DIV",
    }
)


def _is_numeric_expression(node: exp.Expression) -> bool:
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Anonymous):
        return str(node.this).upper() in _NUMERIC_CALLS
    return isinstance(node, exp.Count)


def _as_number_for(char: exp.Expression, other: exp.Expression) -> exp.Expression | None:
    """SQL Language Reference, "Implicit Data Conversion": comparing character data with a number
    converts the character data to a number. ``other`` is a number literal (convert now) or a bind
    (convert when the bound value is a number, known only at run time); None: nothing to convert."""
    if _is_number(other) or _is_numeric_expression(other):
        return _call("ORA_TO_NUMBER", char)
    if isinstance(other, exp.Placeholder):
        return _call("ORA_NUMBER_IF", char, other.copy())
    return None


_DURATION_TEXT = re.compile(r"-?P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d*)?S)?)?")


def _interval_text(node: exp.Expression) -> bool:
    """A character literal in TO_DSINTERVAL's ISO form (``'P0DT00H05M00S'``: Django's inlined timedelta)."""
    return (
        isinstance(node, exp.Literal)
        and bool(node.is_string)
        and len(node.this) > 1
        and _DURATION_TEXT.fullmatch(node.this) is not None
    )


def _convert_comparison(node: exp.Expression) -> None:
    if isinstance(node, _COMPARISONS):
        left, right = node.this, node.expression
        # Compared with an interval, such text is an interval (known per row: ORA_INTERVAL_IF).
        if _interval_text(right) and not _interval_text(left):
            node.set("expression", _call("ORA_INTERVAL_IF", left.copy(), right))
            return
        if _interval_text(left) and not _interval_text(right):
            node.set("this", _call("ORA_INTERVAL_IF", right.copy(), left))
            return
        if _is_character(left) and not _is_character(right):
            converted = _as_number_for(left, right)
            if converted is not None:
                node.set("this", converted)
        elif _is_character(right) and not _is_character(left):
            converted = _as_number_for(right, left)
            if converted is not None:
                node.set("expression", converted)
    elif isinstance(node, exp.In | exp.Between) and _is_character(node.this):
        others = node.expressions if isinstance(node, exp.In) else [node.args.get("low")]
        if others and others[0] is not None and not _is_character(others[0]):
            converted = _as_number_for(node.this, others[0])
            if converted is not None:
                node.set("this", converted)


_ORDERINGS = (exp.LT, exp.LTE, exp.GT, exp.GTE)


def _exact_comparisons(tree: exp.Expression, binds_too: bool) -> None:
    """Orderings (<, <=, >, >=, BETWEEN) of a number SQLite holds as text (beyond 64 bits, see
    :mod:`.numeric`) go through ``ORA_CMP``: SQLite would put any text after every native number.
    Equality needs nothing (such a value equals no native number). ``binds_too``: a bound value is
    such a number (the engine knows at run time), so orderings with a bind are compared exactly too."""

    def exact(node: exp.Expression | None) -> bool:
        if isinstance(node, exp.Literal):
            return bool(node.is_string) and numeric.is_encoded(node.this)
        return binds_too and isinstance(node, exp.Placeholder)

    for node in list(tree.find_all(*_ORDERINGS, exp.Between)):
        if isinstance(node, exp.Between):
            low, high = node.args.get("low"), node.args.get("high")
            if exact(node.this) or exact(low) or exact(high):
                lower = exp.GTE(
                    this=_call("ORA_CMP", node.this.copy(), low), expression=exp.Literal.number(0)
                )
                upper = exp.LTE(
                    this=_call("ORA_CMP", node.this.copy(), high), expression=exp.Literal.number(0)
                )
                node.replace(exp.Paren(this=exp.And(this=lower, expression=upper)))
        elif exact(node.this) or exact(node.expression):
            cmp = _call("ORA_CMP", node.this, node.expression)
            node.replace(type(node)(this=cmp, expression=exp.Literal.number(0)))


def _collated_like(node: exp.Like, escape: exp.Expression | None) -> exp.Expression:
    """``x LIKE p [ESCAPE e]`` of a column (or ``x COLLATE c``) → ``ORA_LIKE``, which matches under x's
    collation (see :mod:`.collations`); any other left operand has BINARY and keeps SQLite's LIKE."""
    left = node.this
    while isinstance(left, exp.Paren):
        left = left.this
    if not isinstance(left, exp.Column | exp.Collate):
        return node if escape is None else node.parent  # type: ignore[return-value]
    plain = left.this if isinstance(left, exp.Collate) else left
    probes = [
        exp.EQ(this=left.copy(), expression=_call(twin, plain.copy()))
        for twin in ("ORA_CASE_TWIN", "ORA_ACCENT_TWIN")
    ]
    call = _call("ORA_LIKE", left, node.expression, escape or exp.Null(), *probes)
    if node.args.get("negate"):
        return exp.Not(this=call)
    return exp.EQ(this=call, expression=exp.Literal.number(1))


def _rewrite(node: exp.Expression) -> exp.Expression:
    """Bottom-up rewrite of one AST node (used with ``Expression.transform``)."""
    if isinstance(node, (*_COMPARISONS, exp.In, exp.Between)):
        _convert_comparison(node)  # in place; = ANY (…) is rewritten further below
    if isinstance(node, exp.Literal) and node.is_string and node.this == "":
        return exp.Null()  # Oracle: '' IS NULL
    if isinstance(node, exp.Literal) and not node.is_string:
        return _number_literal(node)
    if isinstance(node, exp.Neg) and not (isinstance(node.this, exp.Literal) and not node.this.is_string):
        if isinstance(node.this, exp.Literal) and numeric.is_encoded(node.this.this):
            return exp.Literal.string(numeric.encode(-numeric.decode(node.this.this)))
        return _call("ORA_SUB", exp.Literal.number(0), node.this)  # SQLite's - turns NUMBER text to 0
    if isinstance(node, exp.Trim):
        return exp.Nullif(this=node.copy(), expression=exp.Literal.string(""))  # TRIM('  ') is NULL
    if isinstance(node, exp.Abs | exp.Sign | exp.Ceil | exp.Floor):
        fn = {exp.Abs: "ORA_ABS", exp.Sign: "ORA_SIGN", exp.Ceil: "ORA_CEIL", exp.Floor: "ORA_FLOOR"}[
            type(node)
        ]
        return _call(fn, node.this)
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
        if target.startswith("INTERVAL"):  # before INT…
            return node.this  # type: ignore[no-any-return]  # sqlglot's args are untyped
        ora = parse_type(target)
        if ora.name == "NUMBER" and ora.scale is not None:
            # CAST to NUMBER(p,s) rounds to s digits; more than p-s integer digits is ORA-01438.
            precision = exp.Literal.number(ora.precision or 38)
            return _call("ORA_CAST_NUMBER", node.this, precision, exp.Literal.number(ora.scale))
        if target.startswith(("NUMBER", "DECIMAL", "INT", "FLOAT", "NUMERIC", "BINARY_")):
            return _call("ORA_TO_NUMBER", node.this)  # text that is no number: ORA-01722
        if ora.name in ("VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR") and ora.length is not None:
            # CAST to a shorter character type keeps the first n characters; CHAR(n) pads with blanks.
            blank_padded = exp.Literal.number(1 if ora.name in ("CHAR", "NCHAR") else 0)
            return _call("ORA_CAST_CHAR", node.this, exp.Literal.number(ora.length), blank_padded)
        if target.startswith(("VARCHAR", "NVARCHAR", "CHAR", "NCHAR", "CLOB", "NCLOB", "TEXT")):
            return _call("ORA_TO_CHAR", node.this)
        if target.startswith("INTERVAL") and isinstance(node.this, exp.Expression):
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
    if isinstance(node, exp.Like) and not isinstance(node.parent, exp.Escape):
        return _collated_like(node, None)
    if isinstance(node, exp.Escape) and isinstance(node.this, exp.Like):
        return _collated_like(node.this, node.expression)
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
    if (
        isinstance(node, exp.Interval)
        and isinstance(node.args.get("unit"), exp.IntervalSpan)
        and not isinstance(node.parent, exp.DataType)
    ):
        span = node.args["unit"]
        if not (span.this.name.upper() == "DAY" and span.expression.name.upper() == "SECOND"):
            raise OracleError(900, f"invalid SQL statement: INTERVAL … {span.sql()} is not supported")
        return _call("ORA_INTERVAL_DS", node.this)  # INTERVAL '1 02:03:04.5' DAY TO SECOND
    if isinstance(node, exp.Interval) and not isinstance(node.parent, exp.DataType):
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
    if isinstance(node, exp.Chr):  # SQLite's CHAR(n) is a code point, Oracle's CHR(n) AL32UTF8 bytes
        return _call("ORA_CHR", *node.expressions)
    if isinstance(node, exp.Ascii):
        return _call("UNICODE", node.this)
    if isinstance(node, exp.Replace):
        # Oracle's REPLACE removes the search string when the replacement is NULL ('' included).
        return _call("ORA_REPLACE", node.this, node.expression, node.args.get("replacement"))
    if isinstance(node, exp.Concat):
        return _call("ORA_CONCAT", *node.expressions)  # CONCAT(a, NULL) is a, like a || NULL
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
        occurrence = node.args.get("occurrence")
        position = node.args.get("position") or (exp.Literal.number(1) if occurrence is not None else None)
        return _call("ORA_INSTR", node.this, node.args.get("substr"), position, occurrence)
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
        if not isinstance(node, exp.Expression):
            continue
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
    conds: list[exp.Expression] = [
        c
        for c in (where.this.flatten() if isinstance(where.this, exp.And) else [where.this])
        if isinstance(c, exp.Expression)
    ]
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


def _omit_default_values(insert: exp.Insert, sql: str) -> None:
    """``INSERT INTO t (a, b) VALUES (DEFAULT, :x)`` (Django's ``db_default``): SQLite has no DEFAULT
    keyword in VALUES, but a column left out of the list gets its default, which is the same."""
    values = insert.expression
    if not isinstance(values, exp.Values):
        return
    rows = values.expressions
    defaults = [
        [isinstance(v, exp.Var) and v.name.upper() == "DEFAULT" for v in row.expressions] for row in rows
    ]
    if not any(any(row) for row in defaults):
        return
    schema = insert.this
    if len(rows) != 1 or not isinstance(schema, exp.Schema):
        raise _unsupported(sql, "DEFAULT in a multi-row VALUES or without a column list")
    keep = [not d for d in defaults[0]]
    if not any(keep):
        insert.set("this", schema.this)
        insert.set("expression", None)
        insert.set("default", True)
        return
    schema.set("expressions", [c for c, k in zip(schema.expressions, keep, strict=True) if k])
    rows[0].set("expressions", [v for v, k in zip(rows[0].expressions, keep, strict=True) if k])


def _constant_outer_group_terms(tree: exp.Expression) -> None:
    """``GROUP BY outer.col`` (or an expression of outer columns only, ``Reverse(Trim(…))``) in a subquery
    (Django's ``Reverse()``): SQLite cannot resolve an outer column there. It is one constant per
    evaluation of the subquery, so grouping by a constant is the same."""
    for sel in tree.find_all(exp.Select):
        group = sel.args.get("group")
        if group is None or sel.find_ancestor(exp.Select) is None:
            continue
        names = source_names(sel)
        for term in group.expressions:
            # A term built only from outer columns (``GROUP BY TRIM(outer.col)``) is constant too.
            columns = [term] if isinstance(term, exp.Column) else list(term.find_all(exp.Column))
            tables = [c.args.get("table") for c in columns]
            if columns and all(
                t is not None and (t.name if t.quoted else t.name.upper()) not in names for t in tables
            ):
                term.replace(exp.Literal.string("outer"))


def _strip_schemas(tree: exp.Expression) -> set[str]:
    """Remove the schema of ``"APP"."T"`` and ``"APP"."T"."C"`` (Django's ``db_table = '"USER"."T"'``);
    the names are returned so the engine can check they are the session's own schema (SQLite would read
    the schema as an attached database)."""
    found: set[str] = set()
    for node in tree.find_all(exp.Table, exp.Column):
        db = node.args.get("db")
        if isinstance(db, exp.Identifier) and not (
            isinstance(node, exp.Column) and not node.args.get("table")
        ):
            found.add(db.name if db.quoted else db.name.upper())
            node.set("db", None)
    return found


@functools.lru_cache(maxsize=2048)
def translate(sql: str, exact_binds: bool = False) -> Translated:
    """``sql`` for SQLite. ``exact_binds``: a bind holds a number beyond 64 bits (see
    :func:`_exact_comparisons`)."""
    bulk = _bulk_insert(sql)
    if bulk is not None:
        return bulk
    toks, names, out_slots, for_update, views, returning = prepass(sql)
    text = _text(toks)
    try:
        tree = sqlglot.parse_one(text, read="oracle")
    except SqlglotError as e:
        raise _unsupported(sql, type(e).__name__) from e
    if not isinstance(tree, exp.Expression):
        raise _unsupported(sql)
    while isinstance(tree, exp.Subquery) and not tree.alias and not tree.args.get("order"):
        tree = tree.this  # "(SELECT …)" as the whole statement (Django's union with an empty queryset)
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
    schemas = _strip_schemas(tree)
    tree = rewrite(tree)
    _exact_comparisons(tree, exact_binds)
    _constant_outer_group_terms(tree)
    if isinstance(tree, exp.Insert):
        _omit_default_values(tree, sql)
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
        schemas=schemas,
    )


@functools.lru_cache(maxsize=1024)
def expression(text: str) -> str:
    """An Oracle scalar expression or condition (DEFAULT, CHECK, index expression) as SQLite text."""
    toks, names, _, _, _, _ = prepass(text)
    if names:
        raise _unsupported(text, "bind variable in DDL")
    try:
        tree = sqlglot.parse_one(_text(toks), read="oracle")
        if not isinstance(tree, exp.Expression):
            raise _unsupported(text)
        return rewrite(tree).sql(dialect="sqlite", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as e:
        raise _unsupported(text, type(e).__name__) from e
