"""Add a good workflow, then one that workflow_registry must refuse.

Which mistake is chosen with "alembic -n bad -x case=NAME upgrade head"; each
one orchestrator-core's helpers accept without a word.  The good workflow
comes first so that "nothing written" covers it too.

Revision ID: 5a1c0ffee001
Revises: 8040c515d356
"""
from enum import Enum

from alembic import context, op
from workflow_registry.helpers import create_workflow, delete_workflow

revision = "5a1c0ffee001"
down_revision = "8040c515d356"
branch_labels = None
depends_on = None


class Target(str, Enum):
    CREATE = "CREATE"
    VALIDATE = "VALIDATE"


good = {"name": "validate_user_group", "target": Target.VALIDATE, "description": "Validate user group", "product_type": "UserGroup"}

mistakes = {
    "lower_target": lambda conn: create_workflow(conn, {"name": "validate_user", "target": "validate", "description": "Validate user", "product_type": "User"}),
    "made_up_target": lambda conn: create_workflow(conn, {"name": "validate_user", "target": "CHECK", "description": "Validate user", "product_type": "User"}),
    "typo_product_type": lambda conn: create_workflow(conn, {"name": "validate_user", "target": Target.VALIDATE, "description": "Validate user", "product_type": "Users"}),
    "redefinition": lambda conn: create_workflow(conn, {"name": "create_user", "target": Target.CREATE, "description": "Create a user", "product_type": "User"}),
    "unknown_delete": lambda conn: delete_workflow(conn, "terminate_usr"),
}


def upgrade() -> None:
    conn = op.get_bind()
    create_workflow(conn, good)
    mistakes[context.get_x_argument(as_dictionary=True)["case"]](conn)


def downgrade() -> None:
    delete_workflow(op.get_bind(), good["name"])
