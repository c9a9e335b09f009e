"""Describe info (names, Oracle types) for a query's select list.

SQLite's ``cursor.description`` has names only, yet Django converts fetched values by the Oracle type,
precision and scale (an IntegerField must come back as NUMBER(11) → int, a DecimalField as
NUMBER(p,s)). So each select item is resolved on the Oracle AST: a column reference through the table
catalog, a function by what it returns, anything else from the values fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlglot import exp

from ..results import Column, ColumnType
from .types import OraType, infer_column, parse_type, with_name

# (table, column) -> (type, nullable) or None; table and column upper-case.
Lookup = Callable[[str, str], tuple[OraType, bool] | None]
# alias -> table name, or the subquery that alias names.
Scope = dict[str, "str | exp.Subquery"]
# table -> its columns in order (name, type, nullable), or None when unknown.
ColumnsOf = Callable[[str], list[tuple[str, OraType, bool]] | None]

_NUMBER = Column("", ColumnType.NUMBER, 0, -127, 22)
_TIMESTAMP = Column("", ColumnType.TIMESTAMP, 0, 6, 11)
_DATE = Column("", ColumnType.DATE, 0, 0, 7)
_VARCHAR = Column("", ColumnType.VARCHAR, 0, 0, 4000)
_INTERVAL = Column("", ColumnType.INTERVAL_DS, 9, 6, 11)

_NUMERIC_FUNCS = {
    "ORA_EXTRACT",
    "ORA_TO_NUMBER",
    "ORA_LENGTH",
    "ORA_INSTR",
    "ORA_BITAND",
    "ORA_MOD",
    "ORA_POWER",
    "ORA_ROUND",
    "ORA_ABS",
    "ORA_SIGN",
    "ORA_CEIL",
    "ORA_FLOOR",
    "ORA_NUMBER_IF",
    "LENGTH",
    "ABS",
    "SIGN",
    "CEIL",
    "FLOOR",
    "SQRT",
    "EXP",
    "LN",
    "LOG",
    "INSTR",
    "BITAND",
    "TO_NUMBER",
    "MOD",
}
_TEXT_FUNCS = {
    "ORA_TO_CHAR",
    "ORA_CONCAT",
    "UPPER",
    "LOWER",
    "TRIM",
    "LTRIM",
    "RTRIM",
    "REPLACE",
    "SUBSTR",
    "ORA_SUBSTR",
    "ORA_LPAD",
    "ORA_RPAD",
    "SYS_CONTEXT",
    "TO_CHAR",
    "INITCAP",
    "ORA_LOB_SUBSTR",
    "LPAD",
    "RPAD",
    "CHR",
    "ORA_USER",
    "RAWTOHEX",
    "ORA_RAWTOHEX",
}


def oracle_name(node: exp.Expression, binds: Sequence[str] = ()) -> str:
    """The column name Oracle reports for a select item."""
    if isinstance(node, exp.Alias):
        ident = node.args.get("alias")
        if isinstance(ident, exp.Identifier):
            text = str(ident.this)
            return text if ident.quoted else text.upper()
        return node.alias.upper()
    if isinstance(node, exp.Column) and isinstance(node.this, exp.Identifier):
        text = str(node.this.this)
        return text if node.this.quoted else text.upper()
    if isinstance(node, exp.Placeholder):
        name = str(node.this)
        if name.startswith("b") and name[1:].isdigit() and int(name[1:]) < len(binds):
            name = binds[int(name[1:])]  # the translator renamed binds :b<i>; report the client's name
        return f":{name.upper()}"
    text = "".join(node.sql(dialect="oracle").split()).upper()
    for ours, theirs in _ORIGINAL_NAMES:
        text = text.replace(ours, theirs)
    return text[:128]


# Calls the translator renamed before parsing, shown under their Oracle names in column names.
_ORIGINAL_NAMES = (
    ("ORA_TO_CHAR(", "TO_CHAR("),
    ("ORA_TO_DATE(", "TO_DATE("),
    ("ORA_TO_TS(", "TO_TIMESTAMP("),
    ("ORA_TRUNC(", "TRUNC("),
    ("ORA_NUMTODSINTERVAL(", "NUMTODSINTERVAL("),
    ("ORA_SYSTIMESTAMP()", "LOCALTIMESTAMP"),
)


class Describer:
    """Resolves select items of one query against the catalog."""

    def __init__(
        self,
        lookup: Lookup,
        binds: Sequence[str] = (),
        columns_of: ColumnsOf | None = None,
        bind_types: dict[int, Column] | None = None,
    ) -> None:
        self.lookup = lookup
        self.binds = binds
        self.columns_of = columns_of
        self.bind_types = bind_types or {}  # placeholder index (``:b<i>``) -> the bound value's type

    def describe(
        self,
        tree: exp.Expression | None,
        names: Sequence[str],
        rows: Sequence[Sequence[object]],
        plan: list[tuple[str, Column | None]] | None = None,
    ) -> list[Column]:
        """Columns for a result with SQLite column ``names`` and fetched ``rows``.

        ``plan`` is a cached result of :meth:`plan` for the same statement and catalog.
        """
        if plan is None:
            plan = self.plan(tree, names)
        out: list[Column] = []
        for i, (name, col) in enumerate(plan):
            if col is None:
                col = infer_column(name, [r[i] for r in rows])
            out.append(with_name(col, name))
        return out

    def plan(self, tree: exp.Expression | None, names: Sequence[str]) -> list[tuple[str, Column | None]]:
        """Oracle name and, where the catalog or the expression says, the type of each column."""
        typed: list[Column | None] = [None] * len(names)
        oracle_names = [n.upper() for n in names]
        select = _first_select(tree)
        if select is not None:
            scope = _scope(select)
            items = list(select.expressions)
            expanded: list[tuple[str, Column | None]] = []
            for item in items:
                if isinstance(item, exp.Star) or (
                    isinstance(item, exp.Column) and isinstance(item.this, exp.Star)
                ):
                    tables = [item.table.upper()] if isinstance(item, exp.Column) and item.table else None
                    expanded.extend(self._star(scope, tables))
                else:
                    expanded.append((oracle_name(item, self.binds), self._type(item, scope)))
            if len(expanded) == len(names):
                for i, (n, col) in enumerate(expanded):
                    oracle_names[i] = n
                    typed[i] = col
        return list(zip(oracle_names, typed, strict=True))

    def _star(self, scope: Scope, only: list[str] | None) -> list[tuple[str, Column | None]]:
        # Star expansion is only typed when we know every table's columns in order; otherwise the
        # caller's length check falls back to value inference.
        out: list[tuple[str, Column | None]] = []
        if self.columns_of is None:
            return out
        aliases = only or list(scope)
        for alias in aliases:
            source = scope.get(alias)
            if isinstance(source, exp.Subquery):
                inner = _first_select(source.this)
                if inner is None:
                    return []
                inner_scope = _scope(inner)
                for item in inner.expressions:
                    if isinstance(item, exp.Star) or (
                        isinstance(item, exp.Column) and isinstance(item.this, exp.Star)
                    ):
                        nested = self._star(
                            inner_scope,
                            [item.table.upper()] if isinstance(item, exp.Column) and item.table else None,
                        )
                        if not nested:
                            return []
                        out.extend(nested)
                    else:
                        out.append((oracle_name(item, self.binds), self._type(item, inner_scope)))
                continue
            cols = self.columns_of(source) if source else None
            if cols is None:
                return []
            out.extend((name, ora.column(name, nullable)) for name, ora, nullable in cols)
        return out

    def _type(self, node: exp.Expression, scope: Scope) -> Column | None:
        if isinstance(node, exp.Alias | exp.Paren):
            return self._type(node.this, scope)
        if isinstance(node, exp.Column):
            return self._column(node, scope)
        if isinstance(node, exp.Count):
            return _NUMBER
        if isinstance(
            node,
            exp.Sum | exp.Avg | exp.Stddev | exp.Variance | exp.StddevPop | exp.StddevSamp | exp.VariancePop,
        ):
            return _NUMBER
        if isinstance(node, exp.Max | exp.Min | exp.Nullif | exp.AnyValue | exp.First):
            return self._type(node.this, scope)
        if isinstance(node, exp.Greatest | exp.Least):
            # SQL Language Reference, GREATEST / LEAST: the first expr determines the return type.
            return self._first_typed([node.this], scope)
        if isinstance(node, exp.Coalesce):
            # COALESCE / NVL: the type of the first argument that is not the NULL literal.
            return self._first_typed([node.this, *node.expressions], scope)
        if isinstance(node, exp.Case):
            # CASE: every return_expr has the first non-NULL one's type.
            branches = [b.args.get("true") for b in node.args.get("ifs") or []]
            return self._first_typed([*branches, node.args.get("default")], scope)
        if isinstance(node, exp.DateStrToDate):
            return _DATE  # DATE 'yyyy-mm-dd'
        if isinstance(node, exp.TimeStrToTime):
            return _TIMESTAMP  # TIMESTAMP 'yyyy-mm-dd hh:mi:ss'
        if isinstance(node, exp.Placeholder):
            return self._bind_type(node)
        if isinstance(node, exp.Literal):
            return _NUMBER if not node.is_string else None
        if isinstance(node, exp.Add | exp.Sub):
            return self._arith(node, scope)
        if isinstance(node, exp.Mul | exp.Div):  # INTERVAL * n, n * INTERVAL, INTERVAL / n
            sides = (self._type(node.this, scope), self._type(node.expression, scope))
            if any(side is not None and side.type is ColumnType.INTERVAL_DS for side in sides):
                return _INTERVAL
            return _NUMBER
        if isinstance(node, exp.Neg | exp.Mod | exp.Pow):
            return _NUMBER
        if isinstance(node, exp.Cast):
            t = node.to.sql(dialect="oracle").upper()
            if t.startswith("DATE"):
                return _DATE
            if t.startswith("TIMESTAMP"):
                return _TIMESTAMP
            if t.startswith("INTERVAL DAY"):  # before INT…
                return _INTERVAL
            ora = parse_type(t)
            if ora.name in ("NUMBER", "FLOAT", "VARCHAR2", "NVARCHAR2", "CHAR", "NCHAR", "CLOB", "NCLOB"):
                return ora.column("")  # CAST(x AS NUMBER(5,2)) is described as NUMBER(5,2)
            if t.startswith(("NUMBER", "INT", "DECIMAL", "FLOAT", "NUMERIC", "BINARY_")):
                return _NUMBER
            return _VARCHAR
        if isinstance(
            node,
            exp.Extract
            | exp.ToNumber
            | exp.Length
            | exp.StrPosition
            | exp.Round
            | exp.Abs
            | exp.Floor
            | exp.Ceil
            | exp.Sign
            | exp.Sqrt
            | exp.Exp
            | exp.Ln
            | exp.Log,
        ):
            return _NUMBER
        if isinstance(node, exp.Window):
            return self._type(node.this, scope) or _NUMBER
        if isinstance(node, exp.RowNumber):
            return _NUMBER
        if isinstance(node, exp.Trunc | exp.DateTrunc | exp.TimestampTrunc):
            inner = self._type(node.this, scope)
            return inner if inner is not None else None
        if isinstance(node, exp.Anonymous):
            name = str(node.this).upper()
            if name in ("TRUNC", "ORA_TRUNC") and node.expressions:
                inner = self._type(node.expressions[0], scope)
                # TRUNC of a date is a DATE; of a number, a number.
                return (
                    _DATE
                    if inner is not None and inner.type in (ColumnType.DATE, ColumnType.TIMESTAMP)
                    else inner
                )
            if name in ("TO_TIMESTAMP", "ORA_TO_TS", "ORA_SYSTIMESTAMP"):
                return _TIMESTAMP
            if name in ("TO_DATE", "ORA_TO_DATE"):
                return _DATE
            if name in ("ORA_NUMTODSINTERVAL", "NUMTODSINTERVAL"):
                return _INTERVAL
            if name in _NUMERIC_FUNCS:
                return _NUMBER
            if name in _TEXT_FUNCS:
                return _VARCHAR
            return None
        if isinstance(
            node, exp.CurrentTimestamp | exp.Systimestamp | exp.CurrentDate | exp.StrToDate | exp.StrToTime
        ):
            return _TIMESTAMP
        if isinstance(node, exp.AtTimeZone):
            return self._type(node.this, scope)
        if isinstance(
            node,
            exp.Upper
            | exp.Lower
            | exp.Trim
            | exp.DPipe
            | exp.ToChar
            | exp.Substring
            | exp.Pad
            | exp.Concat
            | exp.Initcap,
        ):
            return _VARCHAR
        if isinstance(node, exp.Subquery):
            sub = _first_select(node.this)
            if sub is not None and len(sub.expressions) == 1:
                return self._type(sub.expressions[0], _scope(sub))
        return None

    def _first_typed(self, nodes: Sequence[exp.Expression | None], scope: Scope) -> Column | None:
        for item in nodes:
            if item is None or isinstance(item, exp.Null):
                continue
            col = self._type(item, scope)
            if col is not None:
                return col
        return None

    def _bind_type(self, node: exp.Placeholder) -> Column | None:
        """A bind in the select list is described by the type the client bound (Oracle describes it so)."""
        name = str(node.this)
        if not (name.startswith("b") and name[1:].isdigit()):
            return None
        return self.bind_types.get(int(name[1:]))

    def _arith(self, node: exp.Add | exp.Sub, scope: Scope) -> Column | None:
        """+ / -: datetime ± interval or days is a datetime; datetime - datetime an interval."""
        dates = (ColumnType.DATE, ColumnType.TIMESTAMP)
        left, right = self._type(node.this, scope), self._type(node.expression, scope)
        lt = left.type if left is not None else None
        rt = right.type if right is not None else None
        if lt in dates and rt in dates:
            return _INTERVAL if isinstance(node, exp.Sub) else None
        if lt in dates:
            return left
        if rt in dates and isinstance(node, exp.Add):
            return right
        if ColumnType.INTERVAL_DS in (lt, rt):
            return _INTERVAL
        if lt is ColumnType.NUMBER and rt is ColumnType.NUMBER:
            return _NUMBER
        return None  # decided by the values

    def _column(self, node: exp.Column, scope: Scope) -> Column | None:
        name = node.name if node.this.quoted else node.name.upper()
        name = name.upper()
        if node.table:
            source = scope.get(node.table.upper())
            sources = [source] if source is not None else []
        else:
            sources = list(scope.values())
        for src in sources:
            if isinstance(src, exp.Subquery):
                # A column of a derived table: the type of the inner select item of that name.
                inner = _first_select(src.this)
                if inner is None:
                    continue
                for item in inner.expressions:
                    if oracle_name(item, self.binds).upper() == name:
                        return self._type(item, _scope(inner))
                continue
            found = self.lookup(src, name)
            if found is not None:
                ora, nullable = found
                return ora.column(name, nullable)
        return None


def _first_select(tree: exp.Expression | None) -> exp.Select | None:
    while tree is not None:
        if isinstance(tree, exp.Select):
            return tree
        if isinstance(tree, exp.SetOperation | exp.Subquery):
            tree = tree.this
            continue
        return None
    return None


def _scope(select: exp.Select) -> Scope:
    """Alias (or name) -> table name, or the subquery, for the sources directly in FROM / JOIN."""
    scope: Scope = {}
    sources: list[exp.Expression] = []
    from_ = select.args.get("from_") or select.args.get("from")
    if from_ is not None:
        sources.append(from_.this)
        sources.extend(from_.expressions or [])
    for join in select.args.get("joins") or []:
        sources.append(join.this)
    for src in sources:
        if isinstance(src, exp.Table):
            name = src.name.upper()
            scope[(src.alias or src.name).upper()] = name
        elif isinstance(src, exp.Subquery):
            scope[(src.alias or f"__SUBQUERY{len(scope)}").upper()] = src
    return scope
