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
import pprint
import sys
import tomllib
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

Descriptions = Annotated[
    bool | None,
    typer.Option(
        "--descriptions/--no-descriptions",
        help="Take the code's non-empty descriptions (default: as the installed orchestrator-core's nightly task"
        " does, 4.x yes, 5.x no: there the database's, which its UI edits, stay).",
    ),
]


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
# db/models.py takes the first; its issue 1026), SYSTEM workflows that are
# tasks (its scheduler and UI list tasks by is_task; its issues 804 and
# 1314), and VALIDATE workflows that are all tasks or all not (a task is
# offered on a subscription that is out of sync, its processes are run and
# listed as tasks, and a failed one does not hold back set_in_sync: siblings
# that differ only there behave differently).
_ASSUMPTIONS = """
SELECT 'more than one ' || w.target || ' workflow' AS difference, 'product' AS kind, p.name,
       w.target AS key, NULL::text AS code_value,
       pg_catalog.string_agg(w.name, ', ' ORDER BY w.name) AS registered_value
  FROM {products} AS p
  JOIN {links} AS pw USING (product_id)
  JOIN {workflows} AS w USING (workflow_id)
 WHERE w.target::text IN ('CREATE', 'TERMINATE', 'RECONCILE') {live}
 GROUP BY p.name, w.target
HAVING pg_catalog.count(*) > 1
UNION ALL
SELECT 'system workflow not a task', 'workflow', w.name, 'is_task', NULL, 'false'
  FROM {workflows} AS w
 WHERE w.target::text = 'SYSTEM' AND NOT w.is_task {live}
UNION ALL
SELECT 'validate workflows both tasks and not', 'target', 'VALIDATE', 'is_task', NULL,
       'tasks: ' || pg_catalog.string_agg(w.name, ', ' ORDER BY w.name) FILTER (WHERE w.is_task)
       || '; not tasks: ' || pg_catalog.string_agg(w.name, ', ' ORDER BY w.name) FILTER (WHERE NOT w.is_task)
  FROM {workflows} AS w
 WHERE w.target::text = 'VALIDATE' {live}
HAVING pg_catalog.bool_or(w.is_task) AND NOT pg_catalog.bool_and(w.is_task)
ORDER BY 1, 3
"""


def assumptions(conn: Connection) -> list[registry.Finding]:
    """Findings about what orchestrator-core assumes; see ``_ASSUMPTIONS``.

    Read from orchestrator-core's tables when attached (its soft-deleted
    workflows left out), from the extension's own otherwise.
    """
    schema = conn.execute(text("SELECT schema_name FROM workflow_registry.attachment")).scalar()
    if schema is None:
        tables = {name: f"workflow_registry.{name}" for name in ("products", "links", "workflows")}
        tables["links"] = "workflow_registry.products_workflows"
        live = ""
    else:
        quoted = conn.dialect.identifier_preparer.quote_identifier(schema)
        tables = {
            "products": f"{quoted}.products",
            "links": f"{quoted}.products_workflows",
            "workflows": f"{quoted}.workflows",
        }
        live = "AND w.deleted_at IS NULL"
    query = _ASSUMPTIONS.format(live=live, **tables)
    return [registry.Finding(*row) for row in conn.execute(text(query))]


def _print(rows: Sequence[object]) -> None:
    for row in rows:
        typer.echo(str(row))


@app.command()
def check(
    database_uri: DatabaseUri = None,
    app_dir: AppDir = Path("."),
    descriptions: Descriptions = None,
    strict: Annotated[
        bool,
        typer.Option(
            help="Also fail on what orchestrator-core assumes and does not check (more than one"
            " CREATE, TERMINATE or RECONCILE workflow per product, SYSTEM workflows that are not tasks,"
            " VALIDATE workflows of which some are tasks)."
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


# The registry as it is now: every workflow of orchestrator-core's table
# (attached) or of the extension's own, with what the registry knows of it.
_REGISTERED_ATTACHED = """
SELECT w.name, w.target, w.description, w.is_task, m.product_type, m.product_tag,
       COALESCE(m.is_default, false) AS is_default, m.workflow_id IS NOT NULL AS managed
  FROM {schema}.workflows AS w
  LEFT JOIN workflow_registry.attached_workflows AS m USING (workflow_id)
 WHERE w.deleted_at IS NULL
"""
_REGISTERED_OWN = """
SELECT w.name, w.target::text, w.description, w.is_task, w.product_type, w.product_tag,
       w.is_default, true AS managed
  FROM workflow_registry.workflows AS w
"""


def registered_workflows(conn: Connection) -> dict[str, dict[str, Any]]:
    """The registry's workflows by name, as the manifest would describe them."""
    schema = conn.execute(text("SELECT schema_name FROM workflow_registry.attachment")).scalar()
    if schema is None:
        sql = _REGISTERED_OWN
    else:
        sql = _REGISTERED_ATTACHED.format(schema=conn.dialect.identifier_preparer.quote_identifier(schema))
    return {row.name: dict(row._mapping) for row in conn.execute(text(sql))}


_DECLARED_KEYS = {"product_type", "product_tag", "is_task", "default", "description"}


def read_declarations(path: Path) -> dict[str, dict[str, Any]]:
    """``workflows/registry.toml``: what the code does not say about a workflow.

    One table per workflow (``[workflows.validate_user]``) with its
    ``product_type`` and optionally ``product_tag``, ``is_task``,
    ``default`` and ``description``.  A workflow that is registered already
    needs none: it keeps what the registry has.
    """
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise typer.BadParameter(f"{path}: {exc}", param_hint="--declarations") from None
    workflows = data.pop("workflows", {})
    if data or not isinstance(workflows, dict):
        raise typer.BadParameter(f"{path}: only [workflows.<name>] tables are known", param_hint="--declarations")
    for name, declared in workflows.items():
        unknown = set(declared) - _DECLARED_KEYS
        if unknown:
            raise typer.BadParameter(
                f"{path}: workflow {name}: unknown key {sorted(unknown)[0]!r}"
                f" (known: {', '.join(sorted(_DECLARED_KEYS))})",
                param_hint="--declarations",
            )
    return workflows


def code_manifest(
    code: list[dict[str, Any]], registered: dict[str, dict[str, Any]], declared: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The manifest that makes the registry what the code and the declarations say.

    A description comes from the code when it has one (``code`` holds it
    only where it is compared), else from the declaration, else from the
    registry, so a description edited in orchestrator-core's UI stays.
    orchestrator-core's own workflows (registered, not managed) are left
    out: they are not the manifest's to change.
    """
    workflows: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    for entry in code:
        name = entry["name"]
        have = registered.get(name, {})
        if have and not have["managed"]:
            continue
        mine = declared.get(name, {})

        def pick(key: str, column: str | None = None) -> Any:
            return mine[key] if key in mine else have.get(column or key)

        description = entry.get("description") or mine.get("description") or have.get("description")
        if not description:
            raise typer.BadParameter(
                f"workflow {name} has no description: give it one in the declarations",
                param_hint="--declarations",
            )
        product_type, is_task, is_default = (
            pick("product_type"),
            bool(pick("is_task")),
            bool(pick("default", "is_default")),
        )
        if product_type is None and not is_default:
            if entry["target"] == "SYSTEM" and is_task:
                tasks.append({"name": name, "description": description})
                continue
            raise typer.BadParameter(
                f"workflow {name} has no product type: declare one in the declarations"
                ' ([workflows.NAME] product_type = "...")',
                param_hint="--declarations",
            )
        workflow = {"name": name, "target": entry["target"], "description": description, "is_task": is_task}
        if is_default:
            workflow["default"] = True
        else:
            workflow["product_type"] = product_type
            if pick("product_tag") is not None:
                workflow["product_tag"] = pick("product_tag")
        workflows.append(workflow)
    return {"workflows": workflows, "tasks": tasks}


_UPDATE_KEYS = {"target", "description", "product_type", "is_task", "product_tag", "default"}


def plan_steps(manifest: dict[str, Any], actions: list[registry.PlanAction]) -> list[dict[str, Any]]:
    """The data migration steps that do what ``plan`` found, from the
    manifest's own entries (links follow from them)."""
    entries = {e["name"]: ("workflow", e) for e in manifest["workflows"]}
    entries.update({e["name"]: ("task", e) for e in manifest["tasks"]})
    steps: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}
    for action in actions:
        if action.kind not in ("workflow", "task"):
            continue
        if action.action == "create":
            kind, entry = entries[action.name]
            steps.append({f"create_{kind}": entry})
        elif action.action == "update" and action.key in _UPDATE_KEYS:
            _, entry = entries[action.name]
            change = updates.setdefault(action.name, {"name": action.name})
            value = entry.get(action.key)
            # a key the entry leaves out: unset (null), or false for a flag
            change[action.key] = False if value is None and action.key in ("is_task", "default") else value
        elif action.action == "delete":
            steps.append({"delete_workflow": action.name})
    steps.extend({"update_workflow": change} for change in updates.values())
    return steps


_MIGRATION_BODY = """from workflow_registry.registry import apply_migration, revert_migration

# Written by `registry migrate`: the registry's difference from the code,
# applied as one data migration of the extension's ledger.
STEPS = {steps}


def upgrade() -> None:
    apply_migration(op.get_bind(), revision, {message!r}, STEPS)


def downgrade() -> None:
    revert_migration(op.get_bind(), revision)
"""


def _alembic_config() -> Any:
    # orchestrator-core's own configuration: its alembic.ini in the working
    # directory and its schema migrations among the version locations.
    return importlib.import_module(
        "orchestrator.core.cli.database" if core.core_version()[:1] >= (5,) else "orchestrator.cli.database"
    ).alembic_cfg()


@app.command()
def migrate(
    message: Annotated[str, typer.Argument(help="The migration's message.")],
    database_uri: DatabaseUri = None,
    app_dir: AppDir = Path("."),
    declarations: Annotated[
        Path | None,
        typer.Option(help="What the code does not say (product types); default: workflows/registry.toml."),
    ] = None,
    head: Annotated[str, typer.Option(help="The head the migration goes on, as db revision --head.")] = "data@head",
    allow_delete: AllowDelete = False,
    descriptions: Descriptions = None,
) -> None:
    """Write a data migration that makes the registry what the code says: migrate-workflows without questions.

    Its upgrade() applies the difference with apply_migration, its downgrade() is revert_migration.
    """
    from alembic import command

    code = code_workflows(app_dir, descriptions)
    declared = read_declarations(declarations or app_dir / "workflows" / "registry.toml")
    with _connect(database_uri, commit=False) as conn:
        manifest = code_manifest(code, registered_workflows(conn), declared)
        actions = registry.plan(conn, manifest, allow_delete)
    steps = plan_steps(manifest, actions)
    if not steps:
        typer.echo("the registry matches the code: no migration written")
        return
    script = command.revision(_alembic_config(), message, head=head)
    path = Path(script.path)  # type: ignore[union-attr]
    text_ = path.read_text()
    body = _MIGRATION_BODY.format(steps=pprint.pformat(steps, width=100, sort_dicts=False), message=message)
    path.write_text(text_[: text_.index("def upgrade()")] + body)
    _print(actions)
    typer.echo(f"wrote {path}")


def main() -> None:
    """The console script ``workflow-registry``."""
    app(prog_name="workflow-registry")
