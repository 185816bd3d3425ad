"""Fixtures: databases made from a template with orchestrator-core's schema.

test/orchestrator/run.sh runs these tests in each orchestrator-core
release's virtual environment, after it has built a database with that
release's `main.py db init` and `db upgrade heads` and the seed's three
products (`WR_TEST_TEMPLATE`), with the extension installed but not
attached.  `WR_TEST_URL` is a SQLAlchemy URL with `{db}` where the database
name goes, for the release's driver (psycopg2 for 4.x, psycopg 3 for 5.x).
Each test gets two copies of the template: one for orchestrator-core's own
helpers and one, attached, for the package's.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through test/orchestrator/run.sh", pytrace=False)
    return value


@pytest.fixture(scope="session")
def admin() -> Iterator[Engine]:
    engine = create_engine(_env("WR_TEST_URL").format(db="postgres"), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@dataclass
class Database:
    name: str
    engine: Engine

    def rows(self) -> dict[str, list[tuple[object, ...]]]:
        """orchestrator-core's registry as its API shows it: the workflows,
        their links by name, and the products."""
        with self.engine.connect() as conn:
            return {
                "workflows": [
                    tuple(r)
                    for r in conn.execute(
                        text(
                            "SELECT name, target, is_task, description, deleted_at IS NULL"
                            " FROM public.workflows ORDER BY name"
                        )
                    )
                ],
                "links": [
                    tuple(r)
                    for r in conn.execute(
                        text(
                            "SELECT w.name, p.name FROM public.products_workflows"
                            " JOIN public.workflows AS w USING (workflow_id)"
                            " JOIN public.products AS p USING (product_id) ORDER BY 1, 2"
                        )
                    )
                ],
                "products": [
                    tuple(r)
                    for r in conn.execute(
                        text("SELECT name, product_type, tag, status FROM public.products ORDER BY 1")
                    )
                ],
            }

    def ids(self) -> dict[str, object]:
        with self.engine.connect() as conn:
            return dict(conn.execute(text("SELECT name, workflow_id FROM public.workflows")).all())  # type: ignore[arg-type]

    def managed(self) -> dict[str, tuple[object, ...]]:
        with self.engine.connect() as conn:
            return {
                r[0]: tuple(r[1:])
                for r in conn.execute(
                    text(
                        "SELECT w.name, a.product_type, a.product_tag, a.is_default"
                        " FROM workflow_registry.attached_workflows AS a JOIN public.workflows AS w USING (workflow_id)"
                    )
                )
            }


@pytest.fixture
def make_db(admin: Engine) -> Iterator[object]:
    made: list[Database] = []

    def make(attached: bool) -> Database:
        name = f"wr_pkg_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_env("WR_TEST_TEMPLATE")}"'))
        db = Database(name, create_engine(_env("WR_TEST_URL").format(db=name)))
        made.append(db)
        if attached:
            with db.engine.begin() as conn:
                conn.execute(text("SELECT * FROM workflow_registry.attach_orchestrator_core('public')"))
        return db

    yield make
    for db in made:
        db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)'))


@pytest.fixture
def pair(make_db: object) -> tuple[Database, Database]:
    """(plain database for orchestrator-core's helpers, attached one for the package's)."""
    assert callable(make_db)
    return make_db(False), make_db(True)


def statements(conn: Connection) -> list[str]:
    """Collects the SQL the connection sends from now on."""
    from sqlalchemy import event

    sent: list[str] = []

    def record(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        sent.append(statement)

    event.listen(conn, "before_cursor_execute", record)
    return sent
