"""OData $filter -> SQLite WHERE clause, with odata-query's parser and a restricted, injection-safe visitor.

Only the schema's filterable fields may be named; string functions use INSTR/SUBSTR instead of LIKE
patterns (whose escaping odata-query leaves to the caller); list fields support any()/all() lambdas.
"""

from __future__ import annotations

from typing import FrozenSet, Optional

from odata_query import ast, exceptions
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.sql.sqlite import AstToSqliteSqlVisitor

from mde_indicators.expiry import parse_iso

from .store import LIST_FIELDS, service_time

_CONDITIONS = (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Call, ast.CollectionLambda)


class FilterError(ValueError):
    """The $filter cannot be parsed or names something that cannot be filtered."""


class _Visitor(AstToSqliteSqlVisitor):
    def __init__(self, allowed: FrozenSet[str]) -> None:
        super().__init__()
        self.allowed = allowed
        self.lambda_var: Optional[str] = None

    def visit_Identifier(self, node: ast.Identifier) -> str:
        if node.name == self.lambda_var:
            return "value"
        if node.namespace or node.name not in self.allowed:
            raise FilterError(f"'{node.name}' is not a filterable property")
        if node.name in LIST_FIELDS:
            raise FilterError(f"'{node.name}' is a collection; use {node.name}/any(x: x eq '...')")
        return f'"{node.name}"'

    def visit_NotEq(self, node: ast.NotEq) -> str:
        # OData: null ne 'x' is true; SQL's != would drop rows whose column is NULL.
        return "IS NOT"

    def visit_DateTime(self, node: ast.DateTime) -> str:
        return "'" + service_time(parse_iso(node.val)) + "'"

    def visit_Date(self, node: ast.Date) -> str:
        return "'" + node.val + "T00:00:00.0000000Z'"

    def visit_CollectionLambda(self, node: ast.CollectionLambda) -> str:
        owner = node.owner
        if (
            not isinstance(owner, ast.Identifier)
            or owner.name not in self.allowed
            or owner.name not in LIST_FIELDS
        ):
            raise FilterError(
                "any()/all() apply only to collection properties such as rbacGroupNames"
            )
        if node.lambda_ is None:
            return f'json_array_length("{owner.name}") > 0'
        self.lambda_var = node.lambda_.identifier.name
        try:
            condition = self.visit(node.lambda_.expression)
        finally:
            self.lambda_var = None
        source = f"json_each(COALESCE(\"{owner.name}\", '[]'))"
        if isinstance(node.operator, ast.All):
            return f"NOT EXISTS (SELECT 1 FROM {source} WHERE NOT ({condition}))"
        return f"EXISTS (SELECT 1 FROM {source} WHERE {condition})"

    def sqlfunc_contains(self, *args: ast._Node) -> str:
        a, b = (self.visit(x) for x in args)
        return f"INSTR(LOWER({a}), LOWER({b})) > 0"

    def sqlfunc_startswith(self, *args: ast._Node) -> str:
        a, b = (self.visit(x) for x in args)
        return f"SUBSTR(LOWER({a}), 1, LENGTH({b})) = LOWER({b})"

    def sqlfunc_endswith(self, *args: ast._Node) -> str:
        a, b = (self.visit(x) for x in args)
        return f"(LENGTH({b}) = 0 OR SUBSTR(LOWER({a}), -LENGTH({b})) = LOWER({b}))"

    def sqlfunc_tolower(self, arg: ast._Node) -> str:
        return f"LOWER({self.visit(arg)})"

    def sqlfunc_toupper(self, arg: ast._Node) -> str:
        return f"UPPER({self.visit(arg)})"


def to_sql(expression: str, allowed: FrozenSet[str]) -> str:
    """A WHERE clause for an OData $filter expression; raise FilterError when it cannot be served."""
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(expression))
        if not isinstance(tree, _CONDITIONS):
            raise FilterError("the expression is not a condition")
        sql = _Visitor(allowed).visit(tree)
    except FilterError:
        raise
    except (exceptions.ODataException, ValueError, TypeError, AttributeError) as exc:
        raise FilterError(str(exc) or type(exc).__name__) from None
    if not isinstance(sql, str) or not sql:
        raise FilterError("the expression is not a condition")
    return sql
