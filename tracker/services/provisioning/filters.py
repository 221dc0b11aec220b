"""SCIM filters as SQL: what identity providers ask before they create or link (`userName eq "..."`,
`externalId eq "..."`, `displayName eq "..."`, `emails.value eq "..."`, `id eq "..."`), joined with `and`.

scim2-models parses the filter (syntax errors are its invalidFilter); this module turns the parsed tree into a
SQL condition, and refuses with invalidFilter whatever it cannot answer exactly (other operators, `or`, `not`,
`pr`, unknown attributes), rather than answering something approximate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import AttrPath, Comparison, FilterNode, LogicalExpr, ValuePath
from sqlalchemy import ColumnElement, and_

# The condition one attribute's equality makes, by its lower-case name ("emails.value"), given the value.
Columns = Mapping[str, Callable[[Any], ColumnElement[bool]]]


def _name(attr_path: AttrPath, prefix: str = "") -> str:
    name = attr_path.attr.lower() + (f".{attr_path.sub_attr.lower()}" if attr_path.sub_attr else "")
    return f"{prefix}.{name}" if prefix else name


def condition(scim_filter: ScimFilter[Any], columns: Columns) -> ColumnElement[bool]:
    """The SQL condition `scim_filter` stands for; InvalidFilterException for what it cannot be."""
    return _visit(scim_filter.ast, columns, str(scim_filter), "")


def _visit(node: FilterNode, columns: Columns, text: str, prefix: str) -> ColumnElement[bool]:
    if isinstance(node, LogicalExpr) and node.op.value.lower() == "and":
        return and_(*[_visit(term, columns, text, prefix) for term in node.terms])
    if isinstance(node, ValuePath) and not prefix and node.sub_attr is None:
        return _visit(node.val_filter, columns, text, _name(node.attr_path))
    if isinstance(node, Comparison) and node.op.value.lower() == "eq":
        name = _name(node.attr_path, prefix)
        make = columns.get(name) or columns.get(f"{name}.value")  # `emails eq "x"` compares emails.value
        if make is None:
            raise InvalidFilterException(detail=f"Filtering on {name} is not supported here.", filter=text)
        if not isinstance(node.value, str | bool):
            raise InvalidFilterException(detail=f"{name} is compared with a string.", filter=text)
        return make(node.value)
    raise InvalidFilterException(
        detail="Only 'eq' comparisons joined by 'and' are supported (for example userName eq \"ada\").",
        filter=text)
