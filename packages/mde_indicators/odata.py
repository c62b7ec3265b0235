"""Build OData $filter expressions for the list operation, escaping every literal.

Only the schema's filterable fields may be named; string literals double their single quotes.
"""

from __future__ import annotations

from typing import Any, Iterable, List, Optional

from .model import Model, load_model


def literal(value: Any) -> str:
    """An OData literal: booleans and numbers bare, strings quoted with '' escaping."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _field(name: str, model: Optional[Model]) -> str:
    fields = {f.name for f in (model or load_model()).filterable_fields}
    if name not in fields:
        raise ValueError(
            f"'{name}' cannot be filtered on; filterable fields: {', '.join(sorted(fields))}"
        )
    return name


def eq(name: str, value: Any, model: Optional[Model] = None) -> str:
    return f"{_field(name, model)} eq {literal(value)}"


def any_of(name: str, values: Iterable[Any], model: Optional[Model] = None) -> str:
    clauses = [eq(name, v, model) for v in values]
    if not clauses:
        raise ValueError("any_of needs at least one value")
    return clauses[0] if len(clauses) == 1 else "(" + " or ".join(clauses) + ")"


def all_of(*clauses: Optional[str]) -> Optional[str]:
    """Join clauses with 'and', skipping empty ones; None when nothing is left."""
    present: List[str] = [c for c in clauses if c]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return " and ".join(f"({c})" for c in present)
