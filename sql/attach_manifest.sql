--
-- plan(), sync() and check() on a registry attached to orchestrator-core's
-- tables (test/orchestrator-core/schema.sql), owned by orchestrator-core's
-- role as its migrations leave them, as in sql/attach.sql.
--
CREATE EXTENSION workflow_registry;

CREATE ROLE regress_am_orch;            -- owns orchestrator-core's tables
CREATE ROLE regress_am_writer;          -- the README's writer
GRANT USAGE ON SCHEMA workflow_registry TO regress_am_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA workflow_registry TO regress_am_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA workflow_registry TO regress_am_writer;

CREATE SCHEMA oc AUTHORIZATION regress_am_orch;
SET ROLE regress_am_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
CREATE TABLE oc.processes (pid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                           workflow_id uuid NOT NULL REFERENCES oc.workflows (workflow_id));

-- What orchestrator-core's migrations leave before the extension comes: the
-- seed's products, its default workflow modify_note linked to each
-- (ensure_default_workflows), its task task_validate_products, and rows
-- attach leaves to it: a workflow that is not a task and has no product,
-- one linked to products of two types, and a soft-deleted one.
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active'),
    ('User external', 'External user', 'User', 'USER_EXT', 'active');
INSERT INTO oc.workflows (name, target, description) VALUES
    ('modify_note', 'MODIFY', 'Modify Note'),
    ('task_validate_product_type', 'SYSTEM', 'Validate product type'),
    ('two_types', 'MODIFY', 'Users and groups');
INSERT INTO oc.workflows (name, target, description, is_task) VALUES
    ('task_validate_products', 'SYSTEM', 'Validate products', true);
INSERT INTO oc.workflows (name, target, description, deleted_at) VALUES
    ('old_workflow', 'CREATE', 'Deleted', now());
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE w.name = 'modify_note'
   OR (w.name = 'two_types' AND p.name IN ('User internal', 'User Group'));
RESET ROLE;

SELECT kind, name, action FROM workflow_registry.attach_orchestrator_core('oc', target_check => true, link_new_products => true);

-- The workflows as orchestrator-core's API offers them: not deleted, with
-- their products.
CREATE FUNCTION public.offered() RETURNS TABLE (workflow text, target text, description text, products text)
LANGUAGE sql AS $$
    SELECT w.name, w.target, w.description,
           pg_catalog.string_agg(p.name, ', ' ORDER BY p.name)
    FROM oc.workflows AS w
    LEFT JOIN oc.products_workflows AS pw ON pw.workflow_id = w.workflow_id
    LEFT JOIN oc.products AS p ON p.product_id = pw.product_id
    WHERE w.deleted_at IS NULL
    GROUP BY w.name, w.target, w.description ORDER BY w.name
$$;
CREATE FUNCTION public.core_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.products AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.products_workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.attached_workflows AS t))
$$;
GRANT EXECUTE ON FUNCTION public.offered(), public.core_rows() TO regress_am_writer;
GRANT USAGE ON SCHEMA oc TO regress_am_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA oc TO regress_am_writer;

-- The seed as a manifest from code: its products and workflows, the
-- default workflow modify_note (the key "default", 1.8), and
-- orchestrator-core's two tasks (as a task, task_validate_product_type
-- differs from the row orchestrator-core keeps, which is not one).
\set manifest '{"products": [{"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}, {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}, {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}], "workflows": [{"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup"}, {"name": "modify_user_group", "target": "MODIFY", "description": "Modify user group", "product_type": "UserGroup"}, {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"}, {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}, {"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}, {"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}], "tasks": [{"name": "task_validate_products", "description": "Validate products"}, {"name": "task_validate_product_type", "description": "Validate product type"}]}'

SET ROLE regress_am_writer;

-- plan on the attached seed: the six workflows to create and their nine
-- links.  Nothing for orchestrator-core's own rows (task_validate_product_type,
-- two_types and their links), even with allow_delete, nor for the default
-- workflow modify_note, which the manifest lists as it is; plan writes
-- nothing.
SELECT public.core_rows() AS before_plan \gset
SELECT * FROM workflow_registry.plan(:'manifest');
SELECT * FROM workflow_registry.plan(:'manifest', allow_delete => true)
EXCEPT SELECT * FROM workflow_registry.plan(:'manifest');
SELECT public.core_rows() OPERATOR(pg_catalog.=) :'before_plan' AS plan_wrote_nothing;
-- a managed task or default workflow the manifest leaves out is deleted
-- only with allow_delete
SELECT * FROM workflow_registry.plan('{"workflows": []}');
SELECT * FROM workflow_registry.plan('{"workflows": []}', allow_delete => true);

-- sync creates them in orchestrator-core's tables as one data migration;
-- then there is nothing to do
SELECT * FROM workflow_registry.sync(:'manifest', 'sync-1');
SELECT * FROM public.offered();
SELECT * FROM workflow_registry.plan(:'manifest', allow_delete => true);
SELECT * FROM workflow_registry.sync(:'manifest', 'sync-nothing');
SELECT version, state FROM workflow_registry.migration_history WHERE kind = 'data' ORDER BY rank;
RESET ROLE;

-- check(): what orchestrator-core's task_validate_products finds, one
-- finding at a time.  The code: every workflow of ALL_WORKFLOWS with its
-- target and description, orchestrator-core's own ones included.
\set code '[{"name": "create_user_group", "target": "CREATE", "description": "Create user group"}, {"name": "modify_user_group", "target": "MODIFY", "description": "Modify user group"}, {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group"}, {"name": "create_user", "target": "CREATE", "description": "Create user"}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user"}, {"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user"}, {"name": "modify_note", "target": "MODIFY", "description": "Modify Note"}, {"name": "task_validate_products", "target": "SYSTEM", "description": "Validate products"}, {"name": "task_validate_product_type", "target": "SYSTEM", "description": "Validate product type"}, {"name": "two_types", "target": "MODIFY", "description": "Users and groups"}]'
SET ROLE regress_am_writer;
-- a consistent database: nothing (the soft-deleted old_workflow is not registered)
SELECT * FROM workflow_registry."check"(:'code');
-- names only, as 1.4 took them: nothing either
SELECT * FROM workflow_registry."check"((SELECT pg_catalog.jsonb_agg(e -> 'name') FROM pg_catalog.jsonb_array_elements(:'code') AS e));
RESET ROLE;

-- check_all_workflows_are_in_db: a workflow of the code that the database
-- does not have (or has soft-deleted), and one of the database's that the
-- code does not have
BEGIN;
SET LOCAL ROLE regress_am_writer;
SELECT * FROM workflow_registry."check"((:'code'::jsonb OPERATOR(pg_catalog.-) 0)
    OPERATOR(pg_catalog.||) '[{"name": "old_workflow", "target": "CREATE", "description": "Deleted"}, "validate_user"]');
ROLLBACK;

-- check_workflows_for_matching_targets_and_descriptions: orchestrator-core
-- changed a target and, through its REST PATCH, a description
BEGIN;
SET LOCAL ROLE regress_am_orch;
UPDATE oc.workflows SET target = 'RECONCILE' WHERE name = 'modify_user_group';
UPDATE oc.workflows SET description = 'Terminate a user' WHERE name = 'terminate_user';
SET LOCAL ROLE regress_am_writer;
SELECT * FROM workflow_registry."check"(:'code');
ROLLBACK;

-- check_that_products_have_at_least_one_workflow: a product orchestrator-core
-- inserted of a type without workflows has only modify_note, which the
-- trigger linked; without that link it has none.  A link to a soft-deleted
-- workflow is none either.  Of any status: the product in phase out counts
-- for this finding, not for the next.
BEGIN;
SET LOCAL ROLE regress_am_orch;
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('Device', 'Device', 'Device', 'DEVICE', 'active'),
    ('Old device', 'Old device', 'Device', 'OLD', 'phase out');
SET LOCAL ROLE regress_am_writer;
SELECT * FROM workflow_registry."check"(:'code');
SET LOCAL ROLE regress_am_orch;
DELETE FROM oc.products_workflows AS pw USING oc.products AS p
WHERE pw.product_id = p.product_id AND p.product_type = 'Device';
INSERT INTO oc.workflows (name, target, description, deleted_at) VALUES
    ('create_device', 'CREATE', 'Create device', now());
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE p.name = 'Old device' AND w.name = 'create_device';
SET LOCAL ROLE regress_am_writer;
SELECT * FROM workflow_registry."check"(:'code');
ROLLBACK;

-- check_that_active_products_have_a_modify_note: a product unlinked from
-- the default workflow; and modify_note soft-deleted, which orchestrator-core
-- finds missing from every active product (the default workflows named at
-- attach count whether or not they exist)
BEGIN;
SET LOCAL ROLE regress_am_orch;
DELETE FROM oc.products_workflows AS pw USING oc.products AS p, oc.workflows AS w
WHERE pw.product_id = p.product_id AND pw.workflow_id = w.workflow_id
  AND p.name = 'User external' AND w.name = 'modify_note';
SET LOCAL ROLE regress_am_writer;
SELECT * FROM workflow_registry."check"(:'code');
SET LOCAL ROLE regress_am_orch;
UPDATE oc.workflows SET deleted_at = now() WHERE name = 'modify_note';
UPDATE oc.products SET status = 'end of life' WHERE name = 'User internal';
SET LOCAL ROLE regress_am_writer;
SELECT * FROM workflow_registry."check"(:'code');
ROLLBACK;

-- orchestrator-core changes rows itself: its REST PATCH of a description,
-- of a managed workflow and of one of its own, and a link it adds to a
-- managed workflow.  plan shows the update and the link of the managed rows;
-- check shows both descriptions.
SET ROLE regress_am_orch;
UPDATE oc.workflows SET description = 'Create a user' WHERE name = 'create_user';
UPDATE oc.workflows SET description = 'Validate a product type' WHERE name = 'task_validate_product_type';
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE p.name = 'User Group' AND w.name = 'modify_user';
SET ROLE regress_am_writer;
SELECT * FROM workflow_registry.plan(:'manifest');
SELECT difference, name, key, code_value, registered_value FROM workflow_registry."check"(:'code');
RESET ROLE;

-- The syncs below apply update and delete steps, which run on
-- orchestrator-core's tables once apply_migration() does (ledger.c).
--
-- sync puts the description back; the link is no step of its own, so as
-- in own mode sync reports it and leaves it, and plan shows it until
-- orchestrator-core removes it
SET ROLE regress_am_writer;
SELECT * FROM workflow_registry.sync(:'manifest', 'sync-2');
SELECT workflow, description FROM public.offered() WHERE workflow LIKE 'create_user%';
SELECT * FROM workflow_registry.plan(:'manifest');
SET ROLE regress_am_orch;
DELETE FROM oc.products_workflows AS pw USING oc.products AS p, oc.workflows AS w
WHERE pw.product_id = p.product_id AND pw.workflow_id = w.workflow_id
  AND p.name = 'User Group' AND w.name = 'modify_user';
SET ROLE regress_am_writer;
SELECT * FROM workflow_registry.plan(:'manifest');
RESET ROLE;

-- a soft-deleted workflow is not registered: a workflow that has run is
-- soft-deleted by a sync with allow_delete, and listed again the same row
-- comes back
INSERT INTO oc.processes (workflow_id) SELECT workflow_id FROM oc.workflows WHERE name = 'modify_user';
SET ROLE regress_am_writer;
\set without_modify_user '{"workflows": [{"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup"}, {"name": "modify_user_group", "target": "MODIFY", "description": "Modify user group", "product_type": "UserGroup"}, {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"}, {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}, {"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}, {"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}], "tasks": [{"name": "task_validate_products", "description": "Validate products"}]}'
SELECT * FROM workflow_registry.sync(:'without_modify_user', 'sync-3', allow_delete => true);
SELECT w.deleted_at IS NOT NULL AS soft_deleted FROM oc.workflows AS w WHERE w.name = 'modify_user';
SELECT * FROM workflow_registry.plan(:'without_modify_user', allow_delete => true);
SELECT * FROM workflow_registry.plan(:'manifest');
SELECT * FROM workflow_registry.sync(:'manifest', 'sync-4');
SELECT (SELECT pg_catalog.count(*) FROM oc.workflows WHERE name = 'modify_user') AS rows,
       (SELECT w.workflow_id = pr.workflow_id FROM oc.workflows AS w, oc.processes AS pr
        WHERE w.name = 'modify_user') AS same_row_back;
SELECT * FROM workflow_registry.plan(:'manifest');
RESET ROLE;

-- the manifest's errors, attached: a product orchestrator-core keeps with
-- another description, a workflow no product of orchestrator-core's has
SET ROLE regress_am_writer;
SELECT * FROM workflow_registry.plan('{"workflows": [], "products": [{"name": "User Group", "description": "Groups", "product_type": "UserGroup", "tag": "GROUP"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "create_device", "target": "CREATE", "description": "Create device", "product_type": "Device"}]}');
SELECT * FROM workflow_registry.sync('{"workflows": [{"name": "create_device", "target": "CREATE", "description": "Create device", "product_type": "Device"}]}', 'sync-bad');
RESET ROLE;

-- check's errors: a description that is not a string, or empty
SET ROLE regress_am_writer;
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "description": 42}]');
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "description": ""}]');
RESET ROLE;

-- Detached, the same check reads the extension's own tables again: empty
SELECT workflow_registry.detach_orchestrator_core();
SELECT * FROM workflow_registry."check"('["create_user"]');

-- A database still on 1.7: check has the 1.4 columns and keys and works
-- attached; "description" is a key of 1.8
DROP EXTENSION workflow_registry;
CREATE EXTENSION workflow_registry VERSION '1.7';
SELECT action, pg_catalog.count(*) FROM workflow_registry.attach_orchestrator_core('oc') GROUP BY action ORDER BY action;
SELECT * FROM workflow_registry."check"('["create_user", {"name": "modify_user", "target": "CREATE"}, "validate_user"]');
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "description": "Create user"}]');
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "create_user", "target": "CREATE", "description": "Create a user", "product_type": "User"}]}');
-- updated to 1.8: the new shape, bound to its own symbol, not for PUBLIC
ALTER EXTENSION workflow_registry UPDATE TO '1.8';
SELECT p.prosrc, pg_catalog.pg_get_function_result(p.oid) AS result,
       pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute,
       pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_catalog.pg_proc AS p
WHERE p.oid OPERATOR(pg_catalog.=) 'workflow_registry."check"(pg_catalog.jsonb)'::pg_catalog.regprocedure;
SELECT * FROM workflow_registry."check"('[{"name": "create_user_group", "description": "Create a group"}]')
WHERE difference OPERATOR(pg_catalog.<>) 'not in code';
SELECT workflow_registry.detach_orchestrator_core();

DROP FUNCTION public.offered();
DROP FUNCTION public.core_rows();
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP OWNED BY regress_am_writer;
DROP ROLE regress_am_writer, regress_am_orch;
