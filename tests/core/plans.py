"""How PostgreSQL would run a statement: for the tests that keep a hot or user-triggered
statement on an index, whatever the size of the table."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.sql.expression import ClauseElement


def tables_read_whole(
    engine: Engine, statement: ClauseElement, parameters: Mapping[str, Any] | None = None
) -> set[str]:
    """The tables the statement's plan reads from end to end although reading them so is
    made to cost the earth (`enable_seqscan` off): those for which no index serves it.
    Planned for the parameters given, as an unprepared statement is."""
    compiled = statement.compile(dialect=engine.dialect)
    with engine.connect() as connection:  # nothing runs: EXPLAIN without ANALYZE
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        [(plan,)] = connection.exec_driver_sql(
            "EXPLAIN (FORMAT JSON) " + compiled.string,
            compiled.construct_params(dict(parameters or {})),
        ).all()
    return {
        node["Relation Name"] for node in _nodes(plan[0]["Plan"]) if "Seq Scan" in node["Node Type"]
    }


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)
