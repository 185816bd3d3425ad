"""The command line on an attached database, with the application of
test/orchestrator/app (WR_TEST_APP: its six workflows, and orchestrator-core's
own in ALL_WORKFLOWS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Database
from sqlalchemy import text
from test_helpers import loop, seed
from typer.testing import CliRunner

from workflow_registry import helpers as ours
from workflow_registry.cli import app
from workflow_registry.core import compares_descriptions

runner = CliRunner()


@pytest.fixture
def registered(make_db: Any) -> Database:
    db: Database = make_db(True)
    loop(db, ours, seed())
    return db


def url(db: Database) -> str:
    return os.environ["WR_TEST_URL"].format(db=db.name)


def cli(db: Database, *args: str) -> Any:
    app_dir = os.environ.get("WR_TEST_APP")
    if not app_dir:
        pytest.fail("WR_TEST_APP is not set: run these tests through test/orchestrator/run.sh", pytrace=False)
    command, *rest = args
    return runner.invoke(app, [command, "--database-uri", url(db), "--app-dir", app_dir, *rest])


def execute(db: Database, sql: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql))


def test_check_passes_when_code_and_registry_agree(registered: Database) -> None:
    result = cli(registered, "check")
    assert result.exit_code == 0, result.output
    assert "the registry matches the code's" in result.output


def test_check_fails_on_a_workflow_that_is_not_registered(registered: Database) -> None:
    with registered.engine.begin() as conn:
        ours.delete_workflow(conn, "terminate_user")
    result = cli(registered, "check")
    assert result.exit_code == 1
    assert "not registered: workflow terminate_user" in result.output


def test_check_fails_on_a_target_that_differs(registered: Database) -> None:
    execute(registered, "UPDATE public.workflows SET target = 'MODIFY' WHERE name = 'create_user'")
    result = cli(registered, "check")
    assert result.exit_code == 1
    assert "target differs: workflow create_user (target): code CREATE, registered MODIFY" in result.output


def test_check_compares_descriptions_as_the_installed_release_does(registered: Database) -> None:
    # orchestrator-core's REST PATCH of a description; 4.x's nightly task
    # then fails, 5.x's does not look.
    execute(registered, "UPDATE public.workflows SET description = 'Edited in the UI' WHERE name = 'modify_user'")
    result = cli(registered, "check")
    assert result.exit_code == (1 if compares_descriptions() else 0), result.output
    forced = cli(registered, "check", "--descriptions")
    assert forced.exit_code == 1
    assert "description differs: workflow modify_user" in forced.output
    assert cli(registered, "check", "--no-descriptions").exit_code == 0


def test_check_warns_of_what_orchestrator_core_assumes(registered: Database) -> None:
    with registered.engine.begin() as conn:
        ours.create_workflow(
            conn,
            {
                "name": "create_user_bulk",
                "target": "CREATE",
                "description": "Create users in bulk",
                "product_type": "User",
            },
        )
        ours.create_task(conn, {"name": "task_user_report", "description": "Report users"})
    execute(registered, "UPDATE public.workflows SET is_task = false WHERE name = 'task_user_report'")
    result = cli(registered, "check")
    assert "warning: more than one CREATE workflow: product User internal (CREATE):" in result.output
    assert "create_user, create_user_bulk" in result.output
    assert "warning: system workflow not a task: workflow task_user_report" in result.output
    assert "validate workflows both tasks and not" not in result.output
    assert cli(registered, "check", "--strict").exit_code == 1


def test_check_warns_of_validate_workflows_on_both_sides(registered: Database) -> None:
    with registered.engine.begin() as conn:
        ours.create_workflows(
            conn,
            {
                name: {"target": "VALIDATE", "description": description, "tag": "USER_INT", "search_phrase": "%"}
                for name, description in (("validate_user", "Validate user"), ("validate_user_2", "Validate again"))
            },
        )
    assert "validate workflows" not in cli(registered, "check").output
    execute(registered, "UPDATE public.workflows SET is_task = true WHERE name = 'validate_user_2'")
    result = cli(registered, "check")
    assert (
        "warning: validate workflows both tasks and not: target VALIDATE (is_task):"
        " registered tasks: validate_user_2; not tasks: validate_user"
    ) in result.output


def test_check_without_a_database_is_a_usage_error(registered: Database) -> None:
    result = runner.invoke(app, ["check", "--app-dir", os.environ["WR_TEST_APP"]], env={"DATABASE_URI": ""})
    assert result.exit_code == 2
    assert "no database" in result.output


def test_plan_and_sync(registered: Database, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "workflows": [
                    *seed_plain(),
                    {
                        "name": "validate_user",
                        "target": "VALIDATE",
                        "description": "Validate user",
                        "product_type": "User",
                        "is_task": True,
                    },
                ]
            }
        )
    )
    before = registered.rows()
    planned = runner.invoke(app, ["plan", str(manifest), "--database-uri", url(registered)])
    assert planned.exit_code == 0, planned.output
    assert planned.output.splitlines()[0] == "create workflow validate_user"
    assert registered.rows() == before
    synced = runner.invoke(app, ["sync", str(manifest), "--version", "sync-1", "--database-uri", url(registered)])
    assert synced.exit_code == 0, synced.output
    assert synced.output == planned.output
    again = runner.invoke(app, ["plan", str(manifest), "--database-uri", url(registered)])
    assert again.exit_code == 0 and again.output == ""
    assert registered.managed()["validate_user"] == ("User", None, False)


def test_plan_of_a_manifest_that_is_not_json_is_a_usage_error(registered: Database, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{not json")
    result = runner.invoke(app, ["plan", str(manifest), "--database-uri", url(registered)])
    assert result.exit_code == 2


def seed_plain() -> list[dict[str, Any]]:
    return [{**w, "target": w["target"].value} for w in seed()]


def test_python_dash_m() -> None:
    result = subprocess.run([sys.executable, "-m", "workflow_registry", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("check", "plan", "sync"):
        assert command in result.stdout
