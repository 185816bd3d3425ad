# Body of the data migration "add User and UserGroup products", spliced by
# run.sh under the header that `main.py db revision` generated.  It is what
# `main.py generate migration` writes: orchestrator-core's create(), which
# inserts the products and then runs ensure_default_workflows (links every
# product to the DEFAULT_PRODUCT_WORKFLOWS, i.e. modify_note).
from orchestrator.migrations.helpers import create, delete

new_products = {
    "products": {
        "User Group": {
            "product_id": "6d6f6f2a-7c1e-4c6e-9a43-0b8f3e5a1c01",
            "product_type": "UserGroup",
            "description": "Group of users",
            "tag": "GROUP",
            "status": "active",
        },
        "User internal": {
            "product_id": "6d6f6f2a-7c1e-4c6e-9a43-0b8f3e5a1c02",
            "product_type": "User",
            "description": "Internal user",
            "tag": "USER_INT",
            "status": "active",
        },
        "User external": {
            "product_id": "6d6f6f2a-7c1e-4c6e-9a43-0b8f3e5a1c03",
            "product_type": "User",
            "description": "External user",
            "tag": "USER_EXT",
            "status": "active",
        },
    },
}


def upgrade() -> None:
    conn = op.get_bind()
    create(conn, new_products)


def downgrade() -> None:
    conn = op.get_bind()
    delete(conn, {"products": list(new_products["products"])})
