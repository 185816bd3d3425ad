"""orchestrator-core's migration helpers, with the registry's part done by the extension.

Adopting the extension in a migration is one changed import line::

    from orchestrator.migrations.helpers import create_workflow, delete_workflow        # 4.x
    from orchestrator.core.migrations.helpers import create_workflow, delete_workflow   # 5.x
    from workflow_registry.helpers import create_workflow, delete_workflow              # either

Every helper keeps orchestrator-core's name and signature.  Those that
register, delete or link workflows call the extension, which checks every
definition and writes all of it or nothing; every other helper (products,
product blocks, resource types, fixed inputs, ...) is orchestrator-core's own
function, looked up in the installed release (``__getattr__`` below).

Registrations are fast by default: ``create_workflow`` queues its definition
on the connection, and the queue goes to the extension's bulk
``create_workflows`` as one statement before the next statement on that
connection runs, before it commits, or at ``flush(conn)``.  A migration's
loop therefore needs no change; its errors name the item, as
``create_workflows``'s do (``CONTEXT: workflows[3] ("create_user")``), and
nothing of the queue is written unless all of it is.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from workflow_registry import registry
from workflow_registry.core import helpers_module

__all__ = [
    "RegistryModelError",
    "add_products_to_workflow_by_product_tag",
    "create",
    "create_task",
    "create_workflow",
    "create_workflows",
    "delete",
    "delete_workflow",
    "ensure_default_workflows",
    "flush",
    "immediate",
    "remove_products_from_workflow_by_product_tag",
]


class RegistryModelError(ValueError):
    """A helper call the registry's model cannot express.

    The registry links a workflow to every product of its product type (and
    of its product tag, when it has one), and to every product when it is a
    default workflow; a set of links chosen product by product has no
    registration that a later product, a revert or ``check`` could follow.
    The message says what to register instead.
    """


# The definitions create_workflow queued, per connection (alembic hands out
# one connection for a run; a connection that goes away takes its queue).
_queues: weakref.WeakKeyDictionary[Connection, list[dict[str, Any]]] = weakref.WeakKeyDictionary()
_immediate: weakref.WeakSet[Connection] = weakref.WeakSet()


def _before_execute(conn: Connection, *args: Any, **kwargs: Any) -> None:
    flush(conn)


def _before_commit(conn: Connection) -> None:
    flush(conn)


def _queue(conn: Connection) -> list[dict[str, Any]]:
    queue = _queues.get(conn)
    if queue is None:
        queue = _queues[conn] = []
        if not event.contains(conn, "before_execute", _before_execute):
            event.listen(conn, "before_execute", _before_execute)
            event.listen(conn, "commit", _before_commit)
    return queue


def flush(conn: Connection) -> None:
    """Register what ``create_workflow`` queued on ``conn``, in one statement.

    Runs by itself before the connection's next statement and before its
    commit; call it to see the errors at a point of your choosing.
    """
    queue = _queues.get(conn)
    if not queue:
        return
    # Taken off first: the statement below runs through this hook too.
    definitions = list(queue)
    queue.clear()
    registry.create_workflows(conn, definitions)


@contextmanager
def immediate(conn: Connection) -> Iterator[Connection]:
    """Within the block, ``create_workflow`` registers at once, one call each."""
    flush(conn)
    _immediate.add(conn)
    try:
        yield conn
    finally:
        _immediate.discard(conn)


def _workflow_definition(workflow: Mapping[str, Any]) -> dict[str, Any]:
    # orchestrator-core's create_workflow defaults is_task to False and
    # product_tag to None and ignores a None tag; the extension takes the
    # keys it knows and refuses any other, which it names.
    definition = dict(workflow)
    if definition.get("product_tag", "") is None:
        del definition["product_tag"]
    return definition


def create_workflow(conn: Connection, workflow: dict[str, Any]) -> None:
    """Register a workflow for the products of its ``product_type`` (and ``product_tag``).

    The extension's ``create_workflow``: an identical definition again is a
    no-op, a different one an error (``42710``), a product type no product
    has an error (``23503``), a target that is not exactly a label an error
    (``22P02``).  Queued until the connection's next statement (see the
    module's documentation).
    """
    definition = _workflow_definition(workflow)
    if conn in _immediate:
        registry.create_workflow(conn, definition)
    else:
        _queue(conn).append(definition)


def create_task(conn: Connection, task: dict[str, Any]) -> None:
    """Register a task (target ``SYSTEM``, ``is_task``, no product): the extension's ``create_task``."""
    registry.create_task(conn, task)


def _products_table(conn: Connection) -> str:
    """The registry's products, qualified: orchestrator-core's table when
    the extension is attached to it, the extension's own otherwise.  Read
    as the caller (a writer of the README's grants reads both)."""
    schema = conn.execute(text("SELECT schema_name FROM workflow_registry.attachment")).scalar()
    quote = conn.dialect.identifier_preparer.quote_identifier
    return f"{quote(schema)}.products" if schema is not None else "workflow_registry.products"


def _product_link(conn: Connection, tag: str, search_phrase: str) -> dict[str, str]:
    """The product type and tag that link a workflow to exactly the products
    orchestrator-core's ``create_workflows`` would link it to (``tag`` and
    name ``LIKE search_phrase``)."""
    products = _products_table(conn)
    rows = conn.execute(
        text(
            "SELECT p.product_type, p.tag, p.name OPERATOR(pg_catalog.~~) :phrase AS chosen,"
            f" (SELECT pg_catalog.count(*) FROM {products} AS q"
            "   WHERE q.product_type OPERATOR(pg_catalog.=) p.product_type) AS of_type"
            f" FROM {products} AS p WHERE p.tag OPERATOR(pg_catalog.=) :tag"
        ),
        {"tag": tag, "phrase": search_phrase},
    ).all()
    chosen = [row for row in rows if row.chosen]
    types = {row.product_type for row in chosen}
    if not chosen:
        raise RegistryModelError(
            f'no product has tag "{tag}" and a name like "{search_phrase}";'
            " the registry links a workflow to the products of its product type, so register the products first"
        )
    if len(chosen) != len(rows) or len(types) != 1:
        raise RegistryModelError(
            f'"search_phrase" "{search_phrase}" chooses {len(chosen)} of the'
            f' {len(rows)} products with tag "{tag}" ({", ".join(sorted(types))}); the registry links a workflow to'
            " all the products of one product type, or of one type and tag: register one workflow per product type"
            ' with create_workflow and "product_type" (and "product_tag"), or use "search_phrase": "%"'
        )
    product_type = types.pop()
    link = {"product_type": product_type}
    if chosen[0].of_type != len(chosen):
        link["product_tag"] = tag
    return link


def create_workflows(conn: Connection, new: dict[str, Any]) -> None:
    """orchestrator-core's ``create_workflows({name: {...}})``, in one call of the extension.

    Each entry's ``tag`` and ``search_phrase`` (orchestrator-core links the
    products with that tag whose name is ``LIKE`` the phrase) become the
    product type of those products, and their tag when the type has other
    products too.  A phrase that chooses some of a tag's products, or
    products of several types, is refused (``RegistryModelError``) before
    anything is written.  The entry's ``workflow_id`` (a ``UUID`` or its
    text), which orchestrator-core's helper requires, becomes the
    workflow's id, as there (extension 1.11); without one the registry
    chooses it.
    """
    flush(conn)
    definitions = []
    # one read of the products per tag and phrase, however many entries share them
    links: dict[tuple[str, str], dict[str, str] | RegistryModelError] = {}
    for name, entry in new.items():
        entry = dict(entry)
        if entry.get("workflow_id", "") is None:
            del entry["workflow_id"]
        tag = entry.pop("tag", None)
        search_phrase = entry.pop("search_phrase", "%")
        definition: dict[str, Any] = {"name": name, **entry}
        if tag is not None:
            if (tag, search_phrase) not in links:
                try:
                    links[tag, search_phrase] = _product_link(conn, tag, search_phrase)
                except RegistryModelError as problem:
                    links[tag, search_phrase] = problem
            link = links[tag, search_phrase]
            if isinstance(link, RegistryModelError):
                raise RegistryModelError(f'workflow "{name}": {link}')
            definition.update(link)
        definitions.append(definition)
    if definitions:
        registry.create_workflows(conn, definitions)


def delete_workflow(conn: Connection, name: str) -> None:
    """Delete a workflow and its links: the extension's ``delete_workflow``.

    A workflow that processes refer to is soft-deleted (orchestrator-core's
    own helper fails on its foreign key); an unknown name is an error
    (``42704``), where orchestrator-core's helper does nothing.
    """
    registry.delete_workflow(conn, name)


def ensure_default_workflows(conn: Connection) -> None:
    """Link every product to the default workflows (``DEFAULT_PRODUCT_WORKFLOWS``).

    orchestrator-core's own helper: the links it adds are the ones the
    registry's rule gives a default workflow (every product), so it cannot
    add a link the registry would not make.  Products registered through
    the extension already have them.
    """
    flush(conn)
    helpers_module().ensure_default_workflows(conn)


def create(conn: Connection, new: dict[str, Any]) -> None:
    """orchestrator-core's ``create``, with its ``workflows`` registered by the extension.

    Product blocks, products, resource types and fixed inputs are created by
    orchestrator-core's own helper; then the workflows (``create_workflows``
    above), then ``ensure_default_workflows``, as orchestrator-core does.
    """
    rest = dict(new)
    workflows = rest.pop("workflows", None)
    flush(conn)
    helpers_module().create(conn, rest)
    if workflows:
        create_workflows(conn, workflows)
        ensure_default_workflows(conn)


def delete(conn: Connection, obsolete: dict[str, Any]) -> None:
    """orchestrator-core's ``delete``, with its ``workflows`` deleted by the extension."""
    rest = dict(obsolete)
    workflows = rest.pop("workflows", ())
    flush(conn)
    helpers_module().delete(conn, rest)
    for name in workflows:
        delete_workflow(conn, name)


def _refuse_link_by_tag(verb: str, workflow_name: str, product_tag: str) -> RegistryModelError:
    return RegistryModelError(
        f'{verb} the products with tag "{product_tag}" {"to" if verb == "linking" else "from"} workflow'
        f' "{workflow_name}" one by one: the registry links a workflow to all the products of its product type'
        ' (and tag). Change what it is registered for instead, with an "update_workflow" step'
        ' {"name": ..., "product_type": ..., "product_tag": ...} of apply_migration, which relinks it and which'
        " revert_migration undoes"
    )


def add_products_to_workflow_by_product_tag(
    conn: Connection, workflow_name: str, product_tag: str, product_name_like: str = "%%"
) -> None:
    """Refused: see ``RegistryModelError``; the message says what to register instead."""
    raise _refuse_link_by_tag("linking", workflow_name, product_tag)


def remove_products_from_workflow_by_product_tag(
    conn: Connection, workflow_name: str, product_tag: str, product_name_like: str = "%%"
) -> None:
    """Refused: see ``RegistryModelError``; the message says what to register instead."""
    raise _refuse_link_by_tag("unlinking", workflow_name, product_tag)


def __getattr__(name: str) -> Any:
    """Every other helper is orchestrator-core's own, from the installed release."""
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return getattr(helpers_module(), name)
    except AttributeError:
        raise AttributeError(
            f"module {__name__!r} has no attribute {name!r}, and neither has orchestrator-core's helpers module"
        ) from None
