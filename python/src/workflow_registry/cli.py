"""The command line: ``python -m workflow_registry`` or ``workflow-registry``.

Mounted into an orchestrator-core application's own CLI (its ``main.py``)::

    from orchestrator.cli.main import app as core_cli      # 5.x: orchestrator.core.cli.main
    from workflow_registry.cli import app as registry_cli

    core_cli.add_typer(registry_cli, name="registry")       # python main.py registry check

Like orchestrator-core's own ``db`` commands it reads ``DATABASE_URI`` from
the environment and imports the application's ``workflows`` package from the
working directory, so the code's workflows (``ALL_WORKFLOWS``) are those the
application runs.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from workflow_registry import core, registry

app = typer.Typer(
    name="registry",
    help="Compare and synchronise orchestrator-core's workflows with the workflow_registry extension.",
    no_args_is_help=True,
)

DatabaseUri = Annotated[
    str | None,
    typer.Option("--database-uri", envvar="DATABASE_URI", help="SQLAlchemy URL; orchestrator-core's DATABASE_URI."),
]
AppDir = Annotated[Path, typer.Option("--app-dir", help="The application's directory, with its workflows package.")]


@contextmanager
def _connect(database_uri: str | None, commit: bool) -> Iterator[Connection]:
    if not database_uri:
        raise typer.BadParameter("no database: set DATABASE_URI or give --database-uri")
    engine = create_engine(database_uri)
    try:
        with engine.connect() as conn:
            yield conn
            if commit:
                conn.commit()
    finally:
        engine.dispose()


def _target(workflow: Any) -> str:
    target = workflow.target
    return str(getattr(target, "value", target))


def code_workflows(app_dir: Path, descriptions: bool | None = None) -> list[dict[str, Any]]:
    """The application's ``ALL_WORKFLOWS`` as ``check`` takes them.

    A description is compared only where the code has one that is not empty
    (orchestrator-core 5.x keeps descriptions in the database and its
    workflows carry ``""``) and, by default, only on orchestrator-core 4.x,
    whose nightly ``task_validate_products`` compares them.
    """
    if descriptions is None:
        descriptions = core.compares_descriptions()
    sys.path.insert(0, str(app_dir.resolve()))
    try:
        importlib.import_module("workflows")
    except ModuleNotFoundError as exc:
        if exc.name != "workflows":
            raise
        raise typer.BadParameter(f"no workflows package in {app_dir}", param_hint="--app-dir") from None
    entries = []
    for name, lazy in sorted(core.all_workflows().items()):
        workflow = lazy.instantiate()
        entry = {"name": name, "target": _target(workflow)}
        description = getattr(workflow, "description", None)
        if descriptions and description:
            entry["description"] = description
        entries.append(entry)
    return entries


# What orchestrator-core assumes of the registry without checking it: one
# CREATE, one TERMINATE and one RECONCILE workflow per product (its
# db/models.py takes the first; its issue 1026), and SYSTEM workflows that
# are tasks (its scheduler and UI list tasks by is_task; its issues 804 and
# 1314).
_ASSUMPTIONS = """
SELECT 'more than one ' || w.target || ' workflow' AS difference, 'product' AS kind, p.name,
       w.target AS key, NULL::text AS code_value,
       pg_catalog.string_agg(w.name, ', ' ORDER BY w.name) AS registered_value
  FROM {schema}.products AS p
  JOIN {schema}.products_workflows AS pw USING (product_id)
  JOIN {schema}.workflows AS w USING (workflow_id)
 WHERE w.target IN ('CREATE', 'TERMINATE', 'RECONCILE') AND w.deleted_at IS NULL
 GROUP BY p.name, w.target
HAVING pg_catalog.count(*) > 1
UNION ALL
SELECT 'system workflow not a task', 'workflow', w.name, 'is_task', NULL, 'false'
  FROM {schema}.workflows AS w
 WHERE w.target = 'SYSTEM' AND NOT w.is_task AND w.deleted_at IS NULL
ORDER BY 1, 3
"""


def assumptions(conn: Connection) -> list[registry.Finding]:
    """Findings about what orchestrator-core assumes; see ``_ASSUMPTIONS``.

    Read from orchestrator-core's tables, so only when attached: the
    extension's own tables carry no ``deleted_at``.
    """
    schema = conn.execute(text("SELECT schema_name FROM workflow_registry.attachment")).scalar()
    if schema is None:
        return []
    quoted = conn.dialect.identifier_preparer.quote_identifier(schema)
    return [registry.Finding(*row) for row in conn.execute(text(_ASSUMPTIONS.format(schema=quoted)))]


def _print(rows: Sequence[object]) -> None:
    for row in rows:
        typer.echo(str(row))


@app.command()
def check(
    database_uri: DatabaseUri = None,
    app_dir: AppDir = Path("."),
    descriptions: Annotated[
        bool | None,
        typer.Option(
            "--descriptions/--no-descriptions",
            help="Compare the code's non-empty descriptions (default: as the installed orchestrator-core's nightly"
            " task does, 4.x yes, 5.x no).",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            help="Also fail on what orchestrator-core assumes and does not check (more than one"
            " CREATE, TERMINATE or RECONCILE workflow per product, SYSTEM workflows that are not tasks)."
        ),
    ] = False,
) -> None:
    """Compare the application's ALL_WORKFLOWS with the database, as the nightly task_validate_products does.

    Exit status 1 when they differ, for CI.
    """
    code = code_workflows(app_dir, descriptions)
    with _connect(database_uri, commit=False) as conn:
        findings = registry.check(conn, code)
        warnings = assumptions(conn)
    _print(findings)
    for warning in warnings:
        typer.echo(f"warning: {warning}")
    if findings or (strict and warnings):
        raise typer.Exit(1)
    typer.echo(f"the registry matches the code's {len(code)} workflows")


def _manifest(path: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="MANIFEST") from None
    return manifest


Manifest = Annotated[Path, typer.Argument(help="The manifest: JSON with workflows, tasks and products.")]
AllowDelete = Annotated[bool, typer.Option(help="Also delete what the manifest does not list.")]


@app.command()
def plan(manifest: Manifest, database_uri: DatabaseUri = None, allow_delete: AllowDelete = False) -> None:
    """Print what sync would change to make the registry equal to the manifest; writes nothing."""
    with _connect(database_uri, commit=False) as conn:
        _print(registry.plan(conn, _manifest(manifest), allow_delete))


@app.command()
def sync(
    manifest: Manifest,
    version: Annotated[str, typer.Option(help="The data migration's version in the ledger.")],
    database_uri: DatabaseUri = None,
    allow_delete: AllowDelete = False,
) -> None:
    """Apply the plan as one data migration, which revert_migration undoes."""
    with _connect(database_uri, commit=True) as conn:
        _print(registry.sync(conn, _manifest(manifest), version, allow_delete))


def main() -> None:
    """The console script ``workflow-registry``."""
    app(prog_name="workflow-registry")
