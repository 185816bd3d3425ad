# Body of the data migration "add User and UserGroup workflows", as the seed
# (register-workflows.md) writes it.  run.sh puts the helpers' import first:
# orchestrator-core's own (upstream mode) or README's registry_helpers
# (extension mode); nothing else differs.
from orchestrator.targets import Target

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
