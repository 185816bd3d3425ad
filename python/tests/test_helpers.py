"""Each helper of the package against orchestrator-core's own on the same
definitions: the same rows and links where both accept them, the extension's
error (and nothing written) where it refuses."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from conftest import Database, statements
from sqlalchemy.exc import DBAPIError

from workflow_registry import helpers as ours
from workflow_registry.core import helpers_module

core = helpers_module()
try:
    Target = importlib.import_module("orchestrator.core.targets").Target
except ModuleNotFoundError:
    Target = importlib.import_module("orchestrator.targets").Target


def seed() -> list[dict[str, Any]]:
    return [
        {
            "name": f"{verb}_{name}",
            "target": target,
            "description": f"{verb.capitalize()} {label}",
            "product_type": product_type,
        }
        for name, label, product_type in (("user_group", "user group", "UserGroup"), ("user", "user", "User"))
        for verb, target in (("create", Target.CREATE), ("modify", Target.MODIFY), ("terminate", Target.TERMINATE))
    ]


SEED_MANAGED = {
    "create_user_group": ("UserGroup", None, False),
    "modify_user_group": ("UserGroup", None, False),
    "terminate_user_group": ("UserGroup", None, False),
    "create_user": ("User", None, False),
    "modify_user": ("User", None, False),
    "terminate_user": ("User", None, False),
}


def sqlstate(exc: DBAPIError) -> str | None:
    # psycopg2 (orchestrator-core 4.x) and psycopg 3 (5.x) name it differently.
    return getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", None)


def loop(db: Database, helpers: Any, workflows: list[dict[str, Any]]) -> None:
    with db.engine.begin() as conn:
        for workflow in workflows:
            helpers.create_workflow(conn, workflow)


def test_seed_loop_is_one_statement_with_the_same_rows(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    loop(plain, core, seed())
    with attached.engine.begin() as conn:
        sent = statements(conn)
        for workflow in seed():
            ours.create_workflow(conn, workflow)
        assert sent == [], "create_workflow queues until the next statement"
    assert len(sent) == 1 and "workflow_registry.create_workflows(" in sent[0]
    assert attached.rows() == plain.rows()
    assert len(attached.rows()["links"]) == len(plain.rows()["links"]) == 12  # 9 and modify_note's 3
    managed = attached.managed()
    assert {name: managed.get(name) for name in SEED_MANAGED} == SEED_MANAGED
    assert managed["modify_note"] == (None, None, True)


def test_seed_loop_again_changes_nothing(pair: tuple[Database, Database]) -> None:
    _, attached = pair
    loop(attached, ours, seed())
    before, ids = attached.rows(), attached.ids()
    loop(attached, ours, seed())
    assert (attached.rows(), attached.ids()) == (before, ids)


def test_immediate_registers_one_call_each(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    loop(plain, core, seed())
    with attached.engine.begin() as conn, ours.immediate(conn):
        sent = statements(conn)
        for workflow in seed():
            ours.create_workflow(conn, workflow)
    assert len(sent) == 6 and all("workflow_registry.create_workflow(" in s for s in sent)
    assert attached.rows() == plain.rows()


def test_queue_goes_before_the_next_statement(pair: tuple[Database, Database]) -> None:
    _, attached = pair
    from sqlalchemy import text

    with attached.engine.begin() as conn:
        ours.create_workflow(conn, seed()[0])
        seen = conn.execute(text("SELECT count(*) FROM public.workflows WHERE name = 'create_user_group'")).scalar()
    assert seen == 1


def test_a_lower_case_target_is_refused_and_nothing_written(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    workflows = seed()
    workflows[2]["target"] = "terminate"
    loop(plain, core, workflows)
    assert ("terminate_user_group", "terminate", False, "Terminate user group", True) in plain.rows()["workflows"]
    before = attached.rows()
    with pytest.raises(DBAPIError) as raised:
        loop(attached, ours, workflows)
    assert sqlstate(raised.value) == "22P02"
    assert "workflows[2]" in str(raised.value) and "terminate_user_group" in str(raised.value)
    assert attached.rows() == before


def test_a_product_type_typo_is_refused_and_nothing_written(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    workflows = seed()
    workflows[4]["product_type"] = "Usr"
    loop(plain, core, workflows)
    assert not [link for link in plain.rows()["links"] if link[0] == "modify_user"]
    before = attached.rows()
    with pytest.raises(DBAPIError) as raised:
        loop(attached, ours, workflows)
    assert sqlstate(raised.value) == "23503" and "modify_user" in str(raised.value)
    assert attached.rows() == before


def test_a_redefinition_is_refused(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    for db, helpers in ((plain, core), (attached, ours)):
        loop(db, helpers, seed())
    changed = seed()
    changed[0]["description"] = "Make a user group"
    loop(plain, core, changed)
    assert ("create_user_group", "CREATE", False, "Create user group", True) in plain.rows()["workflows"]
    with pytest.raises(DBAPIError) as raised:
        loop(attached, ours, changed)
    assert sqlstate(raised.value) == "42710"


def test_create_task(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    task = {"name": "task_sync_users", "description": "Synchronise users"}
    for db, helpers in ((plain, core), (attached, ours)):
        with db.engine.begin() as conn:
            helpers.create_task(conn, dict(task))
    assert attached.rows() == plain.rows()
    assert attached.managed()["task_sync_users"] == (None, None, False)


def test_delete_workflow(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    for db, helpers in ((plain, core), (attached, ours)):
        loop(db, helpers, seed())
        with db.engine.begin() as conn:
            helpers.delete_workflow(conn, "modify_user")
    assert attached.rows() == plain.rows()
    assert "modify_user" not in attached.managed()


def test_delete_workflow_of_an_unknown_name_is_refused(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    with plain.engine.begin() as conn:
        core.delete_workflow(conn, "no_such_workflow")
    with pytest.raises(DBAPIError) as raised, attached.engine.begin() as conn:
        ours.delete_workflow(conn, "no_such_workflow")
    assert sqlstate(raised.value) == "42704"


PARTNER = {
    "products": {
        "User partner": {
            "product_id": "6d6f6f2a-7c1e-4c6e-9a43-0b8f3e5a1c04",
            "product_type": "User",
            "description": "Partner user",
            "tag": "USER_PARTNER",
            "status": "active",
        }
    }
}


def test_create_and_delete_without_workflows_are_orchestrator_cores(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    for db, helpers in ((plain, core), (attached, ours)):
        loop(db, helpers, seed())
        with db.engine.begin() as conn:
            helpers.create(conn, {"products": {k: dict(v) for k, v in PARTNER["products"].items()}})
    # without link_new_products, as orchestrator-core: the new product gets modify_note only
    assert attached.rows() == plain.rows()
    for db, helpers in ((plain, core), (attached, ours)):
        with db.engine.begin() as conn:
            helpers.delete(conn, {"products": ["User partner"], "workflows": ["terminate_user"]})
    assert attached.rows() == plain.rows()


def test_ensure_default_workflows(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    from sqlalchemy import text

    for db, helpers in ((plain, core), (attached, ours)):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM public.products_workflows"))
            helpers.ensure_default_workflows(conn)
    assert attached.rows() == plain.rows()
    assert len(attached.rows()["links"]) == 3


CREATE_WORKFLOWS = {
    "create_user_internal": {
        "workflow_id": "0b3c4a52-54b9-4bd4-a3a5-6c4ea3a1d001",
        "target": "CREATE",
        "is_task": False,
        "description": "Create internal user",
        "tag": "USER_INT",
        "search_phrase": "%",
    },
    "modify_user_all": {
        "workflow_id": "0b3c4a52-54b9-4bd4-a3a5-6c4ea3a1d002",
        "target": "MODIFY",
        "description": "Modify group",
        "tag": "GROUP",
        "search_phrase": "User%",
    },
}


def test_create_workflows_by_tag(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    with plain.engine.begin() as conn:
        core.create_workflows(conn, {k: dict(v) for k, v in CREATE_WORKFLOWS.items()})
    with attached.engine.begin() as conn:
        ours.create_workflows(conn, {k: dict(v) for k, v in CREATE_WORKFLOWS.items()})
    assert attached.rows() == plain.rows()
    # the ids the migration chose, as orchestrator-core's helper registers them
    assert attached.ids() == plain.ids()
    assert {str(attached.ids()[name]) for name in CREATE_WORKFLOWS} == {
        entry["workflow_id"] for entry in CREATE_WORKFLOWS.values()
    }
    assert attached.managed()["create_user_internal"] == ("User", "USER_INT", False)
    assert attached.managed()["modify_user_all"] == ("UserGroup", None, False)


def test_create_workflows_again_changes_nothing_and_without_ids_the_registry_chooses(
    pair: tuple[Database, Database],
) -> None:
    _, attached = pair
    with attached.engine.begin() as conn:
        ours.create_workflows(conn, {k: dict(v) for k, v in CREATE_WORKFLOWS.items()})
    before = attached.rows(), attached.ids()
    with attached.engine.begin() as conn:
        ours.create_workflows(conn, {k: dict(v) for k, v in CREATE_WORKFLOWS.items()})
        ours.create_workflows(
            conn, {name: {k: v for k, v in entry.items() if k != "workflow_id"} for name, entry in CREATE_WORKFLOWS.items()}
        )
    assert (attached.rows(), attached.ids()) == before


def test_create_workflows_with_a_taken_workflow_id_is_refused(pair: tuple[Database, Database]) -> None:
    plain, attached = pair
    taken = {"create_user_internal": dict(CREATE_WORKFLOWS["create_user_internal"])}
    other = {"modify_user_internal": {**CREATE_WORKFLOWS["create_user_internal"], "target": "MODIFY"}}
    for db, helpers in ((plain, core), (attached, ours)):
        with db.engine.begin() as conn:
            helpers.create_workflows(conn, {k: dict(v) for k, v in taken.items()})
        before = db.rows()
        with pytest.raises(DBAPIError) as refused, db.engine.begin() as conn:
            helpers.create_workflows(conn, {k: dict(v) for k, v in other.items()})
        assert db.rows() == before
        # orchestrator-core's own helper runs into the primary key; the extension says whose id it is
        assert sqlstate(refused.value) == ("23505" if helpers is core else "42710")
    assert 'is the id of workflow "create_user_internal"' in str(refused.value)


@pytest.mark.parametrize(
    ("tag", "phrase", "message"),
    [
        ("USER_INT", "Nobody%", "no product has tag"),
        ("USER_INT", "User e%", "no product has tag"),
        ("NO_TAG", "%", "no product has tag"),
    ],
)
def test_create_workflows_that_the_model_cannot_express_are_refused(
    pair: tuple[Database, Database], tag: str, phrase: str, message: str
) -> None:
    _, attached = pair
    before = attached.rows()
    new = {"create_user_x": {"target": "CREATE", "description": "Create", "tag": tag, "search_phrase": phrase}}
    with pytest.raises(ours.RegistryModelError, match=message), attached.engine.begin() as conn:
        ours.create_workflows(conn, new)
    assert attached.rows() == before


def test_create_workflows_choosing_some_of_a_tags_products_is_refused(pair: tuple[Database, Database]) -> None:
    _, attached = pair
    with attached.engine.begin() as conn:
        ours.create(
            conn,
            {
                "products": {
                    "User internal 2": {
                        "product_id": "6d6f6f2a-7c1e-4c6e-9a43-0b8f3e5a1c05",
                        "product_type": "User",
                        "description": "Second internal user",
                        "tag": "USER_INT",
                        "status": "active",
                    }
                }
            },
        )
    before = attached.rows()
    new = {"create_user_x": {"target": "CREATE", "description": "Create", "tag": "USER_INT", "search_phrase": "%2"}}
    with pytest.raises(ours.RegistryModelError, match="chooses 1 of the 2 products"), attached.engine.begin() as conn:
        ours.create_workflows(conn, new)
    assert attached.rows() == before


@pytest.mark.parametrize(
    "helper", ["add_products_to_workflow_by_product_tag", "remove_products_from_workflow_by_product_tag"]
)
def test_links_by_tag_are_refused_with_what_to_do(pair: tuple[Database, Database], helper: str) -> None:
    _, attached = pair
    loop(attached, ours, seed())
    before = attached.rows()
    with pytest.raises(ours.RegistryModelError, match="update_workflow"), attached.engine.begin() as conn:
        getattr(ours, helper)(conn, "modify_user", "USER_INT")
    assert attached.rows() == before


def test_a_pattern_update_is_one_step_and_reverts_exactly(pair: tuple[Database, Database]) -> None:
    """What a migration writes as UPDATE workflows SET is_task = true WHERE name LIKE ...:
    the same rows as that UPDATE on the plain database, and a revert back to the old ones."""
    from sqlalchemy import text

    from workflow_registry import registry

    plain, attached = pair
    loop(plain, core, seed())
    loop(attached, ours, seed())
    before = attached.rows()
    with plain.engine.begin() as conn:
        conn.execute(text("UPDATE public.workflows SET is_task = true WHERE name LIKE 'terminate\\_%'"))
    with attached.engine.begin() as conn:
        registry.apply_migration(
            conn, "b2f7c4e1a9d3", "terminate_ workflows are tasks",
            [{"update_workflows": {"name_like": "terminate\\_%", "is_task": True}}],
        )
    assert attached.rows() == plain.rows()
    tasks_before = {w[0] for w in before["workflows"] if w[2]}
    assert {w[0] for w in attached.rows()["workflows"] if w[2]} - tasks_before == {
        "terminate_user",
        "terminate_user_group",
    }
    with attached.engine.begin() as conn:
        registry.revert_migration(conn, "b2f7c4e1a9d3")
    assert attached.rows() == before


def test_every_other_helper_is_orchestrator_cores() -> None:
    assert ours.get_product_id_by_name is core.get_product_id_by_name
    assert ours.create_product_blocks is core.create_product_blocks
    with pytest.raises(AttributeError, match="neither"):
        ours.no_such_helper  # noqa: B018


def test_the_registry_helpers_keep_orchestrator_cores_signatures() -> None:
    import inspect

    for name in (
        "create_workflow",
        "create_task",
        "create_workflows",
        "delete_workflow",
        "ensure_default_workflows",
        "create",
        "delete",
        "add_products_to_workflow_by_product_tag",
        "remove_products_from_workflow_by_product_tag",
    ):
        ours_params = list(inspect.signature(getattr(ours, name)).parameters)
        core_params = list(inspect.signature(getattr(core, name)).parameters)
        assert ours_params == core_params, name
