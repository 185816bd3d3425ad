--
-- The update_workflows step of apply_migration (1.11): the same changes
-- for every workflow whose name is LIKE a pattern, as a team's migrations
-- write "UPDATE workflows SET is_task = true WHERE name LIKE ...", undone
-- workflow by workflow by revert_migration.  First on
-- the extension's own tables, then attached to orchestrator-core's.
--
\set SHOW_CONTEXT errors
CREATE EXTENSION workflow_registry;

CREATE FUNCTION pg_temp.own_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.md5(pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products_workflows AS t)))
$$;
CREATE FUNCTION pg_temp.tasks() RETURNS TABLE (name text, target text, is_task boolean)
LANGUAGE sql AS $$
    SELECT w.name, w.target::text, w.is_task FROM workflow_registry.workflows AS w ORDER BY w.name
$$;

SELECT pg_catalog.count(workflow_registry.create_product(p)) AS products
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}
]') AS p;
SELECT pg_catalog.count(*) AS workflows FROM workflow_registry.create_workflows('[
    {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"},
    {"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User"},
    {"name": "validate_user_group", "target": "VALIDATE", "description": "Validate user group", "product_type": "UserGroup"},
    {"name": "validateuser", "target": "VALIDATE", "description": "Not matched by validate\\_%", "product_type": "User"}
]');
SELECT pg_temp.own_rows() AS before \gset

-- every validate_ workflow becomes a task; validateuser does not match the
-- escaped underscore
SELECT workflow_registry.apply_migration('m1', 'validate_ workflows are tasks',
    '[{"update_workflows": {"name_like": "validate\\_%", "is_task": true}}]');
SELECT * FROM pg_temp.tasks();
SELECT steps, touches FROM workflow_registry.migrations WHERE version = 'm1';
-- the same migration again is a no-op
SELECT workflow_registry.apply_migration('m1', 'validate_ workflows are tasks',
    '[{"update_workflows": {"name_like": "validate\\_%", "is_task": true}}]');
-- a revert restores each workflow's values
SELECT workflow_registry.revert_migration('m1');
SELECT pg_temp.own_rows() = :'before' AS restored;

-- a pattern sees what the steps before it create and delete, in order
SELECT workflow_registry.apply_migration('m2', 'in order', '[
    {"create_workflow": {"name": "validate_user_2", "target": "VALIDATE", "description": "Validate user 2", "product_type": "User"}},
    {"delete_workflow": "validate_user_group"},
    {"update_workflows": {"name_like": "validate%", "description": "Checked nightly", "is_task": true}},
    {"create_workflow": {"name": "validate_user_3", "target": "VALIDATE", "description": "Validate user 3", "product_type": "User"}}
]');
SELECT * FROM pg_temp.tasks();
SELECT w.name, w.description FROM workflow_registry.workflows AS w WHERE w.name LIKE 'validate%' ORDER BY 1;
SELECT workflow_registry.revert_migration('m2');
SELECT pg_temp.own_rows() = :'before' AS restored;

-- a product type given is checked for every workflow, and links follow it
SELECT workflow_registry.apply_migration('m3', 'validate for groups',
    '[{"update_workflows": {"name_like": "validate\\_user", "product_type": "UserGroup"}}]');
SELECT w.name, w.product_type, p.name AS linked
FROM workflow_registry.workflows AS w
JOIN workflow_registry.products_workflows USING (workflow_id)
JOIN workflow_registry.products AS p USING (product_id)
WHERE w.name = 'validate_user';
SELECT workflow_registry.revert_migration('m3');

-- errors name the step and write nothing
\set SHOW_CONTEXT never
SELECT workflow_registry.apply_migration('bad', 'no match',
    '[{"update_workflows": {"name_like": "modify\\_%", "is_task": true}}]');
\echo :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT errors
SELECT workflow_registry.apply_migration('bad', 'no match',
    '[{"create_task": {"name": "task_x", "description": "X"}},
      {"update_workflows": {"name_like": "modify\\_%", "is_task": true}}]');
\echo :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT never
SELECT workflow_registry.apply_migration('bad', 'deleted before',
    '[{"delete_workflow": "create_user"},
      {"update_workflows": {"name_like": "create\\_%", "is_task": true}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('bad', 'escape at the end',
    '[{"update_workflows": {"name_like": "validate\\", "is_task": true}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('bad', 'two escapes are a backslash',
    '[{"update_workflows": {"name_like": "validate\\\\", "is_task": true}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('bad', 'nothing to change',
    '[{"update_workflows": {"name_like": "validate\\_%"}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('bad', 'a name, not a pattern',
    '[{"update_workflows": {"name": "validate_user", "is_task": true}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('bad', 'not an object',
    '[{"update_workflows": "validate\\_%"}]');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('bad', 'pattern not a string',
    '[{"update_workflows": {"name_like": 1, "is_task": true}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('bad', 'bad target',
    '[{"update_workflows": {"name_like": "validate\\_%", "target": "validate"}}]');
\echo :LAST_ERROR_SQLSTATE
-- one workflow the changes do not fit fails the whole step
SELECT workflow_registry.apply_migration('bad', 'a task with a tag',
    '[{"update_workflows": {"name_like": "validate%", "product_type": null, "is_task": true, "product_tag": "X"}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.own_rows() = :'before' AS unchanged;
SELECT pg_catalog.count(*) AS bad_migrations FROM workflow_registry.migrations WHERE version = 'bad';

-- an install of 1.10 with this library: the step needs 1.11
DROP EXTENSION workflow_registry;
CREATE EXTENSION workflow_registry VERSION '1.10';
SELECT workflow_registry.apply_migration('m1', 'validate_ workflows are tasks',
    '[{"update_workflows": {"name_like": "validate\\_%", "is_task": true}}]');
\echo :LAST_ERROR_SQLSTATE
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

--
-- Attached: orchestrator-core's tables (set up as sql/attach.sql does); a
-- workflow the registry does not manage is adopted if it fits, and refused
-- with attach's reason if not.
--
CREATE EXTENSION workflow_registry;
CREATE ROLE regress_uw_orch;
CREATE SCHEMA oc AUTHORIZATION regress_uw_orch;
SET ROLE regress_uw_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active');
-- orchestrator-core's own registrations: validate_user fits attach's rules;
-- validate_other is linked to no product, so attach cannot give it a type
INSERT INTO oc.workflows (name, target, description) VALUES
    ('validate_user', 'VALIDATE', 'Validate user'),
    ('validate_other', 'VALIDATE', 'Validate nothing');
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w WHERE w.name = 'validate_user';
RESET ROLE;
SELECT * FROM workflow_registry.attach_orchestrator_core('oc') ORDER BY kind, name;

\set SHOW_CONTEXT never
SELECT workflow_registry.apply_migration('m1', 'validate_ workflows are tasks',
    '[{"update_workflows": {"name_like": "validate\\_%", "is_task": true}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT w.name, w.is_task FROM oc.workflows AS w ORDER BY w.name;
SELECT workflow_registry.apply_migration('m1', 'validate_user is a task',
    '[{"update_workflows": {"name_like": "validate\\_u%", "is_task": true}}]');
SELECT w.name, w.is_task, m.product_type FROM oc.workflows AS w
LEFT JOIN workflow_registry.attached_workflows AS m USING (workflow_id) ORDER BY w.name;
SELECT workflow_registry.revert_migration('m1');
SELECT w.name, w.is_task FROM oc.workflows AS w ORDER BY w.name;

SELECT workflow_registry.detach_orchestrator_core();
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP ROLE regress_uw_orch;
