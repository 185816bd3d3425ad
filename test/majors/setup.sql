-- The database that test/majors.sh takes from 15 to a newer major with
-- pg_upgrade: the registry installed as 1.0 and updated (a ledger row per
-- step), the README's grants, a data migration applied by the writer role,
-- a task, and a second migration that deleted a workflow (its undo entries
-- bring it back later, on the new major).
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE ROLE registry_reader NOLOGIN;
CREATE ROLE registry_writer NOLOGIN IN ROLE registry_reader;
CREATE ROLE registry_nobody NOLOGIN;

CREATE EXTENSION workflow_registry VERSION '1.0';
ALTER EXTENSION workflow_registry UPDATE;

GRANT USAGE ON SCHEMA workflow_registry TO registry_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA workflow_registry TO registry_reader;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA workflow_registry TO registry_writer;

SET ROLE registry_writer;
SELECT workflow_registry.apply_migration(
    '8040c515d356', 'Add User and UserGroup workflows',
    '[{"create_product": {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}},
      {"create_product": {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"}},
      {"create_product": {"name": "User external", "description": "External user",  "product_type": "User",      "tag": "USER_EXT"}},
      {"create_workflow": {"name": "create_user_group", "target": "CREATE",    "description": "Create user group", "product_type": "UserGroup"}},
      {"create_workflow": {"name": "create_user",       "target": "CREATE",    "description": "Create user",       "product_type": "User"}},
      {"create_workflow": {"name": "modify_user",       "target": "MODIFY",    "description": "Modify user",       "product_type": "User", "product_tag": "USER_INT"}},
      {"create_workflow": {"name": "terminate_user",    "target": "TERMINATE", "description": "Terminate user",    "product_type": "User"}}]',
    requires => '{1.3}');
SELECT workflow_registry.create_task('{"name": "task_validate_products", "description": "Validate products"}');
RESET ROLE;
-- the ids as they were, to check the revert on the new major against
CREATE TABLE public.ids AS SELECT name, workflow_id FROM workflow_registry.workflows;
SET ROLE registry_writer;
SELECT workflow_registry.apply_migration(
    '5a1f00d2c0de', 'Drop terminate_user', '[{"delete_workflow": "terminate_user"}]',
    requires => '{8040c515d356}');
RESET ROLE;
