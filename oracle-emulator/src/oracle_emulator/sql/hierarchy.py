"""Hierarchical queries (``START WITH … CONNECT BY [NOCYCLE] …``, ``LEVEL``) as SQLite recursive CTEs.

Oracle's evaluation (SQL Language Reference, "Hierarchical Queries"): the FROM clause and its joins make
the rows; the START WITH rows are level 1; a row is a child of a level-n row when the CONNECT BY
condition holds with ``PRIOR expr`` evaluated on the parent, and it is then at level n+1; WHERE,
GROUP BY, HAVING and ORDER BY apply to the rows so found, depth first in the absence of ORDER BY.
A row whose PRIOR values equal an ancestor's would repeat that ancestor's subtree: ORA-01436, or, with
NOCYCLE, the row is returned and not expanded. (A condition without PRIOR, Django's ``CONNECT BY LEVEL <=
n`` row generator of ``Reverse()``, never loops.)

The SELECT becomes::

    WITH RECURSIVE __CB_S AS (SELECT <referenced columns> FROM <from and joins>),
      __CB_H AS (SELECT S.*, 1, <key path> FROM __CB_S S WHERE <start with>
                 UNION ALL
                 SELECT C.*, P.level + 1, P.path || <key> FROM __CB_H P JOIN __CB_S C ON <connect by>
                 ORDER BY level DESC)          -- the queue as a stack: depth first, as Oracle
    SELECT <select list> FROM __CB_H WHERE … GROUP BY … HAVING … ORDER BY …
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from sqlglot import exp

from ..results import OracleError

# Levels beyond this are Oracle's "not enough memory for CONNECT BY" (a condition that never fails).
MAX_LEVEL = 100_000
_SEP = exp.Anonymous(this="CHAR", expressions=[exp.Literal.number(30)])
_counter = itertools.count()


def connect_by_step(level: object, loop_at: object, nocycle: object) -> int:
    """ON condition of the recursive step, evaluated only where CONNECT BY holds: 1 expands the child.

    ``loop_at`` is the child's key position in the parent's path (0: not an ancestor).
    """
    if isinstance(level, int) and level > MAX_LEVEL:
        raise OracleError(30009, "Not enough memory for CONNECT BY operation")
    if loop_at:
        if nocycle:
            return 0
        raise OracleError(1436, "CONNECT BY loop in user data")
    return 1


FUNCTIONS: dict[str, tuple[int, Callable[..., object]]] = {"ORA_CONNECT_BY_STEP": (3, connect_by_step)}


def _unsupported(sql: str, why: str) -> OracleError:
    text = " ".join(sql.split())
    return OracleError(900, f"invalid SQL statement: {text[:300]} ({why})")


def is_level(node: exp.Expression) -> bool:
    return (
        isinstance(node, exp.Column)
        and not node.table
        and not node.this.quoted
        and node.name.upper() == "LEVEL"
    )


def _key(col: exp.Column) -> tuple[str, str]:
    ident = col.this
    name = ident.name if ident.quoted else ident.name.upper()
    table = col.args.get("table")
    qual = "" if table is None else (table.name if table.quoted else table.name.upper())
    return qual, name


def source_names(select: exp.Select) -> set[str]:
    """The names (aliases, table names) the FROM clause and joins of ``select`` define."""
    names: set[str] = set()
    if select.args.get("from_") is None:
        return names
    sources = [select.args["from_"].this] + [j.this for j in select.args.get("joins") or []]
    for src in sources:
        alias = src.alias
        if alias:
            names.add(alias if src.args["alias"].this.quoted else alias.upper())
        if isinstance(src, exp.Table):
            names.add(src.name if src.this.quoted else src.name.upper())
    return names


def unfold(select: exp.Select, sql: str) -> exp.Select:
    """The recursive-CTE form of one hierarchical query block (``select.args['connect']`` set)."""
    connect: exp.Connect = select.args["connect"]
    if select.args.get("from_") is None:
        raise _unsupported(sql, "CONNECT BY without FROM")
    joins = select.args.get("joins") or []
    if select.args.get("where") is not None and any(j.args.get("on") is None for j in joins):
        # Oracle evaluates join predicates of WHERE before CONNECT BY and the rest after: not modelled.
        raise _unsupported(sql, "CONNECT BY with joins in WHERE")
    for name in ("CONNECT_BY_ROOT", "SYS_CONNECT_BY_PATH", "CONNECT_BY_ISLEAF", "CONNECT_BY_ISCYCLE"):
        if name in sql.upper():
            raise _unsupported(sql, name)
    if select.args.get("siblings") or "SIBLINGS" in sql.upper():
        raise _unsupported(sql, "ORDER SIBLINGS BY")
    n = next(_counter)
    src_name, h_name = f"__CB_S{n}", f"__CB_H{n}"
    level_col, path_col = "__CB_LEVEL", "__CB_PATH"
    locals_ = source_names(select)

    # Columns of this query block (not of nested blocks, not of the FROM/JOIN clauses themselves).
    in_source = {id(node) for part in [select.args["from_"], *joins] for node in part.walk()}
    slots: dict[tuple[str, str], str] = {}
    projections: list[exp.Expr] = []
    for col in list(select.find_all(exp.Column)):
        if id(col) in in_source or is_level(col) or col.find_ancestor(exp.Select) is not select:
            continue
        qual, name = _key(col)
        if qual and qual not in locals_:
            continue  # an outer query's column (correlated): left as it is
        if (qual, name) not in slots:
            slots[(qual, name)] = f"__CB_C{len(slots)}"
            projections.append(exp.alias_(col.copy(), slots[(qual, name)], quoted=True))
    if not projections:
        projections.append(exp.alias_(exp.Null(), "__CB_C", quoted=True))

    def mapped(
        expr: exp.Expression, side: str, level: exp.Expression, prior: str | None = None
    ) -> exp.Expression:
        def swap(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Prior):
                if prior is None:
                    raise _unsupported(sql, "PRIOR outside CONNECT BY")
                return mapped(node.this, prior, exp.column(level_col, prior, quoted=True))
            if is_level(node):
                return level.copy()
            if isinstance(node, exp.Column):
                slot = slots.get(_key(node))
                if slot is not None and node.find_ancestor(exp.Select) is None:
                    return exp.column(slot, side, quoted=True)
            return node

        return expr.copy().transform(swap)

    source = exp.Select(expressions=projections)
    source.set("from_", select.args["from_"].copy())
    if joins:
        source.set("joins", [j.copy() for j in joins])

    priors = [p.this for p in connect.args["connect"].find_all(exp.Prior)]

    def key(side: str) -> exp.Expression:
        parts: list[exp.Expression] = []
        for expr in priors:
            parts += [exp.Anonymous(this="QUOTE", expressions=[mapped(expr, side, exp.Null())]), _SEP]
        return _concat(parts) if parts else exp.Literal.string("")

    one = exp.Literal.number(1)
    anchor = exp.Select(
        expressions=[exp.column(p.alias, "S", quoted=True) for p in projections]
        + [
            exp.alias_(one, level_col, quoted=True),
            exp.alias_(
                _concat([_SEP, key("S")]) if priors else exp.Literal.string(""), path_col, quoted=True
            ),
        ]
    ).from_(exp.alias_(exp.to_table(src_name, quoted=True), "S", table=True))
    start = connect.args.get("start")
    if start is not None:
        anchor = anchor.where(mapped(start, "S", one))

    child_level = exp.Add(this=exp.column(level_col, "P", quoted=True), expression=one)
    condition = mapped(connect.args["connect"], "C", child_level, prior="P")
    loop_at = (
        exp.Anonymous(
            this="INSTR",
            expressions=[exp.column(path_col, "P", quoted=True), _concat([_SEP, key("C")])],
        )
        if priors
        else exp.Literal.number(0)
    )
    step = exp.Anonymous(
        this="ORA_CONNECT_BY_STEP",
        expressions=[
            child_level.copy(),
            loop_at,
            exp.Literal.number(1 if connect.args.get("nocycle") else 0),
        ],
    )
    on = exp.Case(ifs=[exp.If(this=exp.paren(condition), true=step)], default=exp.Literal.number(0))
    recursive = (
        exp.Select(
            expressions=[exp.column(p.alias, "C", quoted=True) for p in projections]
            + [
                exp.alias_(child_level.copy(), level_col, quoted=True),
                exp.alias_(
                    _concat([exp.column(path_col, "P", quoted=True), key("C")])
                    if priors
                    else exp.Literal.string(""),
                    path_col,
                    quoted=True,
                ),
            ]
        )
        .from_(exp.alias_(exp.to_table(h_name, quoted=True), "P", table=True))
        .join(
            exp.alias_(exp.to_table(src_name, quoted=True), "C", table=True),
            on=exp.EQ(this=on, expression=one),
        )
    )
    tree = exp.Union(this=anchor, expression=recursive, distinct=False)
    tree.set(
        "order", exp.Order(expressions=[exp.Ordered(this=exp.column(level_col, quoted=True), desc=True)])
    )

    out = select.copy()
    out.set("connect", None)
    out.set("joins", None)
    out.set("from_", exp.From(this=exp.to_table(h_name, quoted=True)))
    h_level = exp.column(level_col, h_name, quoted=True)
    for arg in ("expressions", "where", "group", "having", "order", "qualify"):
        value = out.args.get(arg)
        if value is None:
            continue
        if isinstance(value, list):
            out.set(arg, [mapped(v, h_name, h_level) for v in value])
        else:
            out.set(arg, mapped(value, h_name, h_level))
    ctes = [
        exp.CTE(
            this=source,
            alias=exp.TableAlias(this=exp.to_identifier(src_name, quoted=True)),
            materialized=True,
        ),
        exp.CTE(this=tree, alias=exp.TableAlias(this=exp.to_identifier(h_name, quoted=True))),
    ]
    existing = out.args.get("with_")
    if existing is not None:
        ctes = list(existing.expressions) + ctes
    out.set("with_", exp.With(expressions=ctes, recursive=True))
    return out


def _concat(parts: list[exp.Expression]) -> exp.Expression:
    # SQLite's || (not Oracle's: the parts here are never NULL, QUOTE gives 'NULL').
    result = parts[0]
    for part in parts[1:]:
        result = exp.DPipe(this=result, expression=part, safe=True)
    return result
