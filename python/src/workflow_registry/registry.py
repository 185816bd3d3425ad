"""The extension's functions, called from Python.

Each function here is one statement: ``SELECT`` of the extension's function
with the definition bound as one ``jsonb`` parameter, never formatted into
the SQL.  They take a SQLAlchemy ``Connection`` as alembic hands it out
(``op.get_bind()``), psycopg2 or psycopg 3 alike, and run in its
transaction.  Errors are the extension's, raised by SQLAlchemy as
``sqlalchemy.exc.DBAPIError`` with the driver's error (its SQLSTATE, message,
detail and hint) as ``.orig``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection

__all__ = [
    "Finding",
    "PlanAction",
    "apply_migration",
    "check",
    "create_task",
    "create_workflow",
    "create_workflows",
    "delete_workflow",
    "dumps",
    "plan",
    "revert_migration",
    "sync",
]


def _plain(value: Any) -> Any:
    # orchestrator-core's Target is a str Enum: Target.CREATE -> "CREATE".
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{value!r} ({type(value).__name__}) cannot be given to the registry")


def dumps(value: Any) -> str:
    """JSON for a jsonb parameter: enums as their value, UUIDs as text."""
    return json.dumps(value, default=_plain)


def create_workflow(conn: Connection, workflow: Mapping[str, Any]) -> UUID:
    """``workflow_registry.create_workflow(jsonb)``: the workflow's id."""
    result: UUID = conn.execute(
        text("SELECT workflow_registry.create_workflow(CAST(:d AS jsonb))"), {"d": dumps(workflow)}
    ).scalar_one()
    return result


def create_workflows(conn: Connection, workflows: Sequence[Mapping[str, Any]]) -> dict[str, UUID]:
    """``workflow_registry.create_workflows(jsonb)``: all or none, one statement."""
    rows = conn.execute(
        text("SELECT name, workflow_id FROM workflow_registry.create_workflows(CAST(:d AS jsonb))"),
        {"d": dumps(list(workflows))},
    )
    return {name: workflow_id for name, workflow_id in rows}


def create_task(conn: Connection, task: Mapping[str, Any]) -> UUID:
    """``workflow_registry.create_task(jsonb)``: the task's id."""
    result: UUID = conn.execute(
        text("SELECT workflow_registry.create_task(CAST(:d AS jsonb))"), {"d": dumps(task)}
    ).scalar_one()
    return result


def delete_workflow(conn: Connection, name: str, if_exists: bool = False) -> None:
    """``workflow_registry.delete_workflow(text, boolean)``."""
    conn.execute(
        text("SELECT workflow_registry.delete_workflow(:name, :if_exists)"), {"name": name, "if_exists": if_exists}
    )


def apply_migration(
    conn: Connection, version: str, description: str, steps: Sequence[Mapping[str, Any]], requires: Iterable[str] = ()
) -> None:
    """``workflow_registry.apply_migration``: the steps as one data migration."""
    conn.execute(
        text(
            "SELECT workflow_registry.apply_migration(:version, :description, CAST(:steps AS jsonb),"
            " CAST(:requires AS text[]))"
        ),
        {"version": version, "description": description, "steps": dumps(list(steps)), "requires": list(requires)},
    )


def revert_migration(conn: Connection, version: str) -> None:
    """``workflow_registry.revert_migration``: back to the exact earlier rows."""
    conn.execute(text("SELECT workflow_registry.revert_migration(:version)"), {"version": version})


@dataclass(frozen=True)
class Finding:
    """One row of ``check``: a difference between the code and the registry."""

    difference: str
    kind: str
    name: str
    key: str | None
    code_value: str | None
    registered_value: str | None

    def __str__(self) -> str:
        where = f"{self.kind} {self.name}" + (f" ({self.key})" if self.key else "")
        values = []
        if self.code_value is not None:
            values.append(f"code {self.code_value}")
        if self.registered_value is not None:
            values.append(f"registered {self.registered_value}")
        return f"{self.difference}: {where}" + (f": {', '.join(values)}" if values else "")


@dataclass(frozen=True)
class PlanAction:
    """One row of ``plan`` or ``sync``."""

    action: str
    kind: str
    name: str
    key: str | None
    old_value: str | None
    new_value: str | None

    def __str__(self) -> str:
        change = ""
        if self.key is not None:
            change = f" {self.key}: {self.old_value!s} -> {self.new_value!s}"
        elif self.new_value is not None and self.action != "create":
            change = f" {self.new_value}"
        return f"{self.action} {self.kind} {self.name}{change}"


def check(conn: Connection, code_workflows: Sequence[str | Mapping[str, Any]]) -> list[Finding]:
    """``workflow_registry."check"``: what the nightly task would find."""
    rows = conn.execute(
        text(
            "SELECT difference, kind, name, key, code_value, registered_value"
            ' FROM workflow_registry."check"(CAST(:code AS jsonb))'
        ),
        {"code": dumps(list(code_workflows))},
    )
    return [Finding(*row) for row in rows]


def plan(conn: Connection, manifest: Mapping[str, Any], allow_delete: bool = False) -> list[PlanAction]:
    """``workflow_registry.plan``: what ``sync`` would do; writes nothing."""
    rows = conn.execute(
        text(
            "SELECT action, kind, name, key, old_value, new_value"
            " FROM workflow_registry.plan(CAST(:m AS jsonb), :allow_delete)"
        ),
        {"m": dumps(manifest), "allow_delete": allow_delete},
    )
    return [PlanAction(*row) for row in rows]


def sync(conn: Connection, manifest: Mapping[str, Any], version: str, allow_delete: bool = False) -> list[PlanAction]:
    """``workflow_registry.sync``: the plan applied as the data migration ``version``."""
    rows = conn.execute(
        text(
            "SELECT action, kind, name, key, old_value, new_value"
            " FROM workflow_registry.sync(CAST(:m AS jsonb), :version, :allow_delete)"
        ),
        {"m": dumps(manifest), "version": version, "allow_delete": allow_delete},
    )
    return [PlanAction(*row) for row in rows]
