# Body of a later data migration with one mistake (extension mode only): a
# lower-case target.  run.sh checks that `db upgrade heads` fails with the
# extension's error and writes nothing, not even the good workflow first.
new_workflows = [
    {"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User"},
    {"name": "reconcile_user", "target": "reconcile", "description": "Reconcile user", "product_type": "User"},
]


def upgrade() -> None:
    conn = op.get_bind()
    for workflow in new_workflows:
        create_workflow(conn, workflow)


def downgrade() -> None:
    conn = op.get_bind()
    for workflow in new_workflows:
        delete_workflow(conn, workflow["name"])
