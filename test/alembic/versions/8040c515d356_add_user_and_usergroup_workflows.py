"""Add User and UserGroup workflows.

The seed example as orchestrator-core's documentation writes it, with the
helpers imported from workflow_registry.helpers instead of orchestrator.migrations.helpers.

Revision ID: 8040c515d356
Revises:
"""
from enum import Enum

from alembic import op
from workflow_registry.helpers import create_workflow, delete_workflow

revision = "8040c515d356"
down_revision = None
branch_labels = None
depends_on = None


class Target(str, Enum):
    """Stands in for orchestrator.targets.Target, a str enum."""

    CREATE = "CREATE"
    MODIFY = "MODIFY"
    TERMINATE = "TERMINATE"
    SYSTEM = "SYSTEM"
    VALIDATE = "VALIDATE"


new_workflows = [
    {"name": "create_user_group", "target": Target.CREATE, "description": "Create user group", "product_type": "UserGroup"},
    {"name": "modify_user_group", "target": Target.MODIFY, "description": "Modify user group", "product_type": "UserGroup"},
    {"name": "terminate_user_group", "target": Target.TERMINATE, "description": "Terminate user group", "product_type": "UserGroup"},
    {"name": "create_user", "target": Target.CREATE, "description": "Create user", "product_type": "User"},
    {"name": "modify_user", "target": Target.MODIFY, "description": "Modify user", "product_type": "User"},
    {"name": "terminate_user", "target": Target.TERMINATE, "description": "Terminate user", "product_type": "User"},
]


def upgrade() -> None:
    conn = op.get_bind()
    for workflow in new_workflows:
        create_workflow(conn, workflow)


def downgrade() -> None:
    conn = op.get_bind()
    for workflow in new_workflows:
        delete_workflow(conn, workflow["name"])
