--
-- Data migrations: apply_migration(), revert_migration() and the ledger
--
CREATE EXTENSION workflow_registry;

-- Every row of the registry, ids and times included, as one text.
CREATE FUNCTION pg_temp.registry_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products_workflows AS t))
$$;
CREATE FUNCTION pg_temp.counts(OUT products bigint, OUT workflows bigint, OUT links bigint)
LANGUAGE sql AS $$
    SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.products),
           (SELECT pg_catalog.count(*) FROM workflow_registry.workflows),
           (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows)
$$;

-- The seed example as one migration.
\set seed_steps '[{"create_product": {"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}}, {"create_product": {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}}, {"create_product": {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}}, {"create_workflow": {"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup"}}, {"create_workflow": {"name": "modify_user_group", "target": "MODIFY", "description": "Modify user group", "product_type": "UserGroup"}}, {"create_workflow": {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"}}, {"create_workflow": {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}}, {"create_workflow": {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}}, {"create_workflow": {"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}}]'

SELECT pg_temp.registry_rows() AS empty_registry \gset
SELECT workflow_registry.apply_migration('8040c515d356', 'Add User and UserGroup workflows', :'seed_steps');
SELECT * FROM pg_temp.counts();
SELECT version, kind, description, state, requires, pg_catalog.length(checksum) AS checksum_length,
       applied_by OPERATOR(pg_catalog.=) CURRENT_USER AS applied_by_me, execution_time IS NOT NULL AS timed
FROM workflow_registry.migration_history WHERE kind = 'data';
SELECT pg_temp.registry_rows() AS seeded \gset

-- the same migration again is a no-op with a notice ...
SELECT workflow_registry.apply_migration('8040c515d356', 'Add User and UserGroup workflows', :'seed_steps');
-- ... also when defaults are spelled out or keys come in another order:
-- the checksum is of the normalised steps
SELECT workflow_registry.apply_migration('8040c515d356', 'Add User and UserGroup workflows',
    pg_catalog.jsonb_set(
        pg_catalog.jsonb_set(:'seed_steps'::jsonb, '{0,create_product,status}', '"active"'),
        '{3,create_workflow,is_task}', 'false'));
-- ... but an edited migration is refused (Flyway's validate)
SELECT workflow_registry.apply_migration('8040c515d356', 'Add User and UserGroup workflows',
    pg_catalog.jsonb_set(:'seed_steps'::jsonb, '{3,create_workflow,description}', '"Create a user group"'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'seeded' AS unchanged;

-- revert: the registry is back to exactly what it was, and the history stays
SELECT workflow_registry.revert_migration('8040c515d356');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'empty_registry' AS back_to_empty;
SELECT version, state, reverted_by OPERATOR(pg_catalog.=) CURRENT_USER AS reverted_by_me
FROM workflow_registry.migration_history WHERE kind = 'data';
SELECT workflow_registry.revert_migration('8040c515d356');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- re-applying a reverted migration works and is a new row of the history
SELECT workflow_registry.apply_migration('8040c515d356', 'Add User and UserGroup workflows', :'seed_steps');
SELECT * FROM pg_temp.counts();
SELECT rank, version, state FROM workflow_registry.migration_history WHERE kind = 'data';
SELECT pg_temp.registry_rows() AS seeded \gset

-- A migration that deletes a workflow, a product and changes a workflow;
-- its revert brings back the ids, created_at and links.
SELECT workflow_registry.apply_migration('1c2d3e4f5a6b', 'Retire external users', $$[
    {"delete_workflow": "terminate_user"},
    {"update_workflow": {"name": "modify_user", "target": "MODIFY", "description": "Modify internal user", "product_tag": "USER_INT"}},
    {"delete_product": "User external"},
    {"create_task": {"name": "task_clean_up_users", "description": "Clean up users"}}
]$$, requires => '{8040c515d356}');
SELECT w.name, w.description, w.product_tag, pg_catalog.count(pw.product_id) AS links
FROM workflow_registry.workflows AS w
LEFT JOIN workflow_registry.products_workflows AS pw USING (workflow_id)
GROUP BY w.name, w.description, w.product_tag
ORDER BY w.name;
SELECT * FROM pg_temp.counts();

-- the seed cannot be reverted while this one, which requires it, stands
SELECT workflow_registry.revert_migration('8040c515d356');
\echo SQLSTATE :LAST_ERROR_SQLSTATE

SELECT workflow_registry.revert_migration('1c2d3e4f5a6b');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'seeded' AS exactly_as_before;

-- A later migration that touches what an earlier one touched depends on it,
-- even without requires.
SELECT workflow_registry.apply_migration('2a', 'Add validate_user', '[{"create_workflow": {"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User"}}]');
SELECT workflow_registry.apply_migration('2b', 'Describe validate_user', '[{"update_workflow": {"name": "validate_user", "description": "Validate a user"}}]');
SELECT workflow_registry.revert_migration('2a');
SELECT workflow_registry.revert_migration('2b');
SELECT workflow_registry.revert_migration('2a');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'seeded' AS exactly_as_before;

-- An update that changes nothing records no undo entry and is reverted as
-- a no-op.
SELECT workflow_registry.apply_migration('3a', 'Same description', '[{"update_workflow": {"name": "create_user", "description": "Create user"}}]');
SELECT pg_catalog.jsonb_array_length(undo) AS undo_entries FROM workflow_registry.migrations WHERE version = '3a';
SELECT workflow_registry.revert_migration('3a');

-- Requirements: an unknown, a reverted and the migration itself
SELECT workflow_registry.apply_migration('4a', 'Needs a later version', '[]', '{9.9}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('4a', 'Needs a reverted one', '[]', '{2a}');
SELECT workflow_registry.apply_migration('4a', 'Needs itself', '[]', '{4a}');
SELECT workflow_registry.apply_migration('4a', 'Needs a NULL', '[]', '{NULL}');
SELECT workflow_registry.apply_migration('4a', 'Needs a matrix', '[]', '{{1.0},{1.1}}');
-- an extension version can be required (orchestrator-core issue 957)
SELECT workflow_registry.apply_migration('4a', 'Needs 1.1', '[]', '{1.1}');

-- All or nothing: a bad step after good ones leaves nothing behind; the
-- error names the step by index and name.
SELECT workflow_registry.apply_migration('5a', 'Fails at the end', $$[
    {"create_workflow": {"name": "create_user_partner", "target": "CREATE", "description": "Create partner", "product_type": "User"}},
    {"delete_workflow": "create_user_group"},
    {"create_workflow": {"name": "create_device", "target": "CREATE", "description": "Create device", "product_type": "Device"}}
]$$);
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'seeded' AS unchanged;
SELECT pg_catalog.count(*) AS ledger_rows_5a FROM workflow_registry.migrations WHERE version = '5a';

-- Bad steps, each refused before anything runs
\set VERBOSITY default
SELECT workflow_registry.apply_migration('6a', 'x', '{"create_workflow": {}}');
SELECT workflow_registry.apply_migration('6a', 'x', '[42]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"create_workflow": {}, "delete_workflow": "x"}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"drop_workflow": "create_user"}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"delete_workflow": ""}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"delete_product": {"name": "User Group"}}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"create_product": "User Group"}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"create_workflow": {"name": "x", "target": "create", "description": "X", "product_type": "User"}}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"create_task": {"name": "task_x", "description": "X", "is_task": true}}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"update_workflow": {"name": "create_user"}}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"update_workflow": {"name": "create_user", "product_tag": 7}}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"update_workflow": {"name": "create_user", "name_": "x"}}]');
-- ... and steps that fail against the registry
SELECT workflow_registry.apply_migration('6a', 'x', '[{"delete_workflow": "no_such_workflow"}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"delete_product": "No such product"}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"update_workflow": {"name": "no_such_workflow", "description": "X"}}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"update_workflow": {"name": "create_user", "product_type": "Device"}}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"update_workflow": {"name": "create_user", "product_tag": "GROUP"}}]');
SELECT workflow_registry.apply_migration('6a', 'x', '[{"update_workflow": {"name": "create_user", "is_task": true, "product_tag": null}}, {"update_workflow": {"name": "create_user", "description": "Changed"}}, {"create_workflow": {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}}]');

-- Bad arguments
SELECT workflow_registry.apply_migration(NULL, 'x', '[]');
SELECT workflow_registry.apply_migration('6a', NULL, '[]');
SELECT workflow_registry.apply_migration('6a', 'x', NULL);
SELECT workflow_registry.apply_migration('6a', 'x', '[]', NULL);
SELECT workflow_registry.apply_migration('', 'x', '[]');
SELECT workflow_registry.apply_migration('1.4', 'x', '[]');
SELECT workflow_registry.apply_migration('6a', '', '[]');
SELECT workflow_registry.revert_migration(NULL);
SELECT workflow_registry.revert_migration('1.3');
SELECT workflow_registry.revert_migration('no_such_migration');

-- Reverting refuses when the registry changed outside the migrations, as
-- the revert could not be exact; once the registry is back, it reverts.
SELECT pg_temp.registry_rows() AS before_7a \gset
SELECT workflow_registry.apply_migration('7a', 'Replace modify_user_group', '[{"create_workflow": {"name": "create_user_partner", "target": "CREATE", "description": "Create partner", "product_type": "User"}}, {"delete_workflow": "modify_user_group"}]');
-- the deleted workflow registered again (with a new id)
SELECT workflow_registry.create_workflow('{"name": "modify_user_group", "target": "MODIFY", "description": "Modify user group", "product_type": "UserGroup"}') IS NOT NULL AS registered_again;
SELECT workflow_registry.revert_migration('7a');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT workflow_registry.delete_workflow('modify_user_group');
-- a product added to the deleted workflow's type: its links would differ
SELECT workflow_registry.create_product('{"name": "User Group B", "description": "Second group", "product_type": "UserGroup", "tag": "GROUP"}') IS NOT NULL AS product_added;
SELECT workflow_registry.revert_migration('7a');
SELECT workflow_registry.delete_product('User Group B');
-- back as 7a left it: the revert is exact
SELECT workflow_registry.revert_migration('7a');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'before_7a' AS exactly_as_before;
-- a workflow the migration created, deleted outside it, cannot be brought
-- back with its id, so the migration stays applied
SELECT workflow_registry.apply_migration('7b', 'Add create_user_partner', '[{"create_workflow": {"name": "create_user_partner", "target": "CREATE", "description": "Create partner", "product_type": "User"}}]');
SELECT workflow_registry.delete_workflow('create_user_partner');
SELECT workflow_registry.revert_migration('7b');

SELECT rank, version, kind, state FROM workflow_registry.migration_history;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
