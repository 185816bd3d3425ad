# Body of the data migration "attach workflow_registry" (extension mode only),
# between the products and the workflows.  With attach_orchestrator_core (1.7,
# issue 14) the extension takes orchestrator-core's own tables as its
# registry.  Without it (1.6) the registry is the extension's own tables, and
# a workflow needs a product of its type there, so the products are
# registered there too, as README's "Moving over" says.
import json

from sqlalchemy import text

products = [
    {"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"},
    {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"},
]


def _attach_exists(conn) -> bool:
    return conn.execute(
        text("SELECT pg_catalog.to_regproc('workflow_registry.attach_orchestrator_core') IS NOT NULL")
    ).scalar()


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS workflow_registry"))
    if _attach_exists(conn):
        # link_new_products (1.9): the products orchestrator-core's create()
        # adds later get the registry's workflows of their type at once
        # (check.py's product_added_by_core); without it attach changes
        # nothing orchestrator-core does (test/orchestrator/suite.sh).
        conn.execute(text("SELECT workflow_registry.attach_orchestrator_core('public', link_new_products => true)"))
    else:
        for product in products:
            conn.execute(
                text("SELECT workflow_registry.create_product(CAST(:p AS jsonb))"), {"p": json.dumps(product)}
            )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(text("SELECT pg_catalog.to_regproc('workflow_registry.detach_orchestrator_core') IS NOT NULL")).scalar():
        conn.execute(text("SELECT workflow_registry.detach_orchestrator_core()"))
    else:
        for product in products:
            conn.execute(text("SELECT workflow_registry.delete_product(:name)"), {"name": product["name"]})
