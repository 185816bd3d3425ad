--
-- attach_orchestrator_core(): the registry in orchestrator-core's own tables
-- (test/orchestrator-core/schema.sql, copied from shared/ by the test
-- runner), owned by orchestrator-core's role, as its migrations leave them.
--
CREATE EXTENSION workflow_registry;

CREATE ROLE regress_attach_orch;        -- owns orchestrator-core's tables
CREATE ROLE regress_attach_writer;      -- the README's writer
GRANT USAGE ON SCHEMA workflow_registry TO regress_attach_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA workflow_registry TO regress_attach_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA workflow_registry TO regress_attach_writer;

CREATE SCHEMA oc AUTHORIZATION regress_attach_orch;
SET ROLE regress_attach_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
CREATE TABLE oc.processes (pid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                           workflow_id uuid NOT NULL REFERENCES oc.workflows (workflow_id));
CREATE TABLE oc.subscriptions (subscription_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                               product_id uuid NOT NULL REFERENCES oc.products (product_id));
-- a trigger of orchestrator-core's role on its links: as whom does it run?
CREATE FUNCTION oc.links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'orchestrator-core''s trigger ran as %', current_user;
    RETURN NULL;
END $$;
CREATE TRIGGER links_changed AFTER INSERT ON oc.products_workflows
FOR EACH STATEMENT EXECUTE FUNCTION oc.links_changed();

-- what orchestrator-core's own migrations and helpers leave
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active'),
    ('User external', 'External user', 'User', 'USER_EXT', 'active');
INSERT INTO oc.workflows VALUES (gen_random_uuid(), 'modify_note', 'MODIFY', 'Modify Note', now());
INSERT INTO oc.workflows VALUES (gen_random_uuid(), 'task_validate_products', 'SYSTEM', 'Validate products', now());
UPDATE oc.workflows SET is_task = true WHERE name = 'task_validate_products';
INSERT INTO oc.workflows VALUES (gen_random_uuid(), 'task_validate_product_type', 'SYSTEM', 'Validate product type', now());
INSERT INTO oc.workflows (name, target, description) VALUES
    ('create_user_group', 'CREATE', 'Create user group'),
    ('modify_user_internal', 'MODIFY', 'Modify internal user'),
    ('partly_linked', 'MODIFY', 'Some users'),
    ('two_types', 'MODIFY', 'Users and groups'),
    ('lower_case', 'create', 'Lower-case target'),
    ('Name with spaces', 'MODIFY', 'orchestrator-core''s tests use such names');
INSERT INTO oc.workflows (name, target, description, is_task) VALUES ('validate_user', 'VALIDATE', 'Validate user', true);
INSERT INTO oc.workflows (name, target, description, deleted_at) VALUES ('old_workflow', 'CREATE', 'Deleted', now());
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE w.name = 'modify_note'
   OR (w.name IN ('create_user_group', 'Name with spaces') AND p.product_type = 'UserGroup')
   OR (w.name = 'modify_user_internal' AND p.tag = 'USER_INT')
   OR (w.name = 'partly_linked' AND p.name = 'User internal')
   OR (w.name = 'two_types' AND p.name IN ('User internal', 'User Group'))
   OR (w.name = 'lower_case' AND p.product_type = 'User')
   OR (w.name = 'validate_user' AND p.product_type = 'User');
RESET ROLE;

-- The registry's rows as orchestrator-core's API sees them: each
-- workflow that is not deleted, its target, and the products it is offered
-- for.
CREATE FUNCTION public.offered() RETURNS TABLE (workflow text, target text, is_task boolean, products text)
LANGUAGE sql AS $$
    SELECT w.name, w.target, w.is_task,
           pg_catalog.string_agg(p.name, ', ' ORDER BY p.name)
    FROM oc.workflows AS w
    LEFT JOIN oc.products_workflows AS pw ON pw.workflow_id = w.workflow_id
    LEFT JOIN oc.products AS p ON p.product_id = pw.product_id
    WHERE w.deleted_at IS NULL
    GROUP BY w.name, w.target, w.is_task ORDER BY w.name
$$;
GRANT EXECUTE ON FUNCTION public.offered() TO regress_attach_writer;
GRANT USAGE ON SCHEMA oc TO regress_attach_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA oc TO regress_attach_writer;

-- errors before anything is attached
SELECT * FROM workflow_registry.attach_orchestrator_core(NULL);
SELECT * FROM workflow_registry.attach_orchestrator_core('oc', NULL);
SELECT * FROM workflow_registry.attach_orchestrator_core('oc', '{modify_note,NULL}');
SELECT * FROM workflow_registry.attach_orchestrator_core('no_such_schema');
SELECT workflow_registry.detach_orchestrator_core();
-- only the extension's owner may attach: it decides where every writer writes
SET ROLE regress_attach_writer;
SELECT * FROM workflow_registry.attach_orchestrator_core('oc');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- a temporary schema is one session's
CREATE TEMP TABLE products (LIKE oc.products);
SELECT pg_catalog.pg_my_temp_schema()::regnamespace::name AS temp_schema \gset
\set VERBOSITY sqlstate
SELECT * FROM workflow_registry.attach_orchestrator_core(:'temp_schema');
\set VERBOSITY default
SELECT :'LAST_ERROR_MESSAGE' OPERATOR(pg_catalog.=)
       pg_catalog.format('cannot attach the temporary schema "%s"', :'temp_schema') AS refused;
DROP TABLE pg_temp.products;
-- only plain tables of orchestrator-core's shape, of release 4.0 or later
CREATE SCHEMA oc_view;
CREATE TABLE oc_view.products (LIKE oc.products);
CREATE TABLE oc_view.products_workflows (LIKE oc.products_workflows);
CREATE VIEW oc_view.workflows AS SELECT * FROM oc.workflows;
SELECT * FROM workflow_registry.attach_orchestrator_core('oc_view');
DROP VIEW oc_view.workflows;
CREATE TABLE oc_view.workflows (LIKE oc.workflows);
ALTER TABLE oc_view.workflows DROP COLUMN is_task;
SELECT * FROM workflow_registry.attach_orchestrator_core('oc_view');
-- with one owner
ALTER TABLE oc_view.workflows ADD COLUMN is_task boolean NOT NULL DEFAULT false;
ALTER TABLE oc_view.products OWNER TO regress_attach_orch;
SELECT * FROM workflow_registry.attach_orchestrator_core('oc_view');
DROP SCHEMA oc_view CASCADE;
-- and with the extension's own registry empty
SELECT workflow_registry.create_product('{"name": "Own", "description": "Own", "product_type": "Own", "tag": "OWN"}') IS NOT NULL AS own_product;
SELECT * FROM workflow_registry.attach_orchestrator_core('oc');
SELECT workflow_registry.delete_product('Own');

-- Attach: every workflow classified; what orchestrator-core cannot give
-- (product type, tag, default) recorded beside its tables; the guards
-- asked for (from 1.9 they are off by default: see attach_default)
SELECT * FROM workflow_registry.attach_orchestrator_core('oc', target_check => true, link_new_products => true);
SELECT w.name, m.product_type, m.product_tag, m.is_default
FROM workflow_registry.attached_workflows AS m JOIN oc.workflows AS w USING (workflow_id)
ORDER BY w.name;
-- the guards: a CHECK of the target (not validated: lower_case breaks it)
-- and the trigger that links orchestrator-core's own new products
SELECT conname, pg_catalog.pg_get_constraintdef(oid), convalidated FROM pg_catalog.pg_constraint
WHERE conrelid = 'oc.workflows'::regclass AND contype = 'c';
SELECT tgname, pg_catalog.pg_get_triggerdef(oid) FROM pg_catalog.pg_trigger
WHERE tgrelid = 'oc.products'::regclass AND NOT tgisinternal;
SELECT schema_name, tables_owner, default_workflows, attached_by FROM workflow_registry.attachment;
SELECT version, kind, state FROM workflow_registry.migration_history WHERE kind = 'data';
SELECT * FROM workflow_registry.attach_orchestrator_core('oc');

-- The writer registers there, and orchestrator-core's trigger runs as
-- orchestrator-core's role, never as the extension's owner
SET ROLE regress_attach_writer;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS registered;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}')
     = (SELECT workflow_id FROM oc.workflows WHERE name = 'create_user') AS same_id;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create a user", "product_type": "User"}');
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User", "product_tag": "USER_EXT"}') IS NOT NULL AS registered;
SELECT workflow_registry.create_workflow('{"name": "create_device", "target": "CREATE", "description": "Create device", "product_type": "Device"}');
SELECT workflow_registry.create_workflow('{"name": "modify_group", "target": "MODIFY", "description": "Modify group", "product_type": "UserGroup", "product_tag": "NOPE"}');
SELECT workflow_registry.create_workflow('{"name": "create_user_x", "target": "create", "description": "Lower", "product_type": "User"}');
-- a name orchestrator-core registered itself, and the registry does not manage
SELECT workflow_registry.create_workflow('{"name": "task_validate_product_type", "target": "SYSTEM", "description": "Validate product type", "product_type": "User"}');
SELECT workflow_registry.create_task('{"name": "task_clean_up", "description": "Clean up"}') IS NOT NULL AS registered;
SELECT workflow_registry.create_product('{"name": "User partner", "description": "Partner user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL AS registered;
SELECT * FROM public.offered();
RESET ROLE;

-- orchestrator-core's own writers: a product it inserts is linked as the
-- registry would, and a target that is not a label is refused
SET ROLE regress_attach_orch;
INSERT INTO oc.products (name, description, product_type, tag, status)
VALUES ('User guest', 'Guest user', 'User', 'USER_INT', 'active');
SELECT p.name, pg_catalog.string_agg(w.name, ', ' ORDER BY w.name) AS workflows
FROM oc.products AS p JOIN oc.products_workflows USING (product_id) JOIN oc.workflows AS w USING (workflow_id)
WHERE p.name = 'User guest' GROUP BY p.name;
\set VERBOSITY terse
INSERT INTO oc.workflows (name, target, description) VALUES ('create_thing', 'create', 'Lower-case');
\set VERBOSITY default
UPDATE oc.workflows SET description = 'Modify a note' WHERE name = 'modify_note';
RESET ROLE;

-- Delete: a workflow that has run is soft-deleted, its process kept; its
-- name registered again brings the same row back
INSERT INTO oc.processes (workflow_id) SELECT workflow_id FROM oc.workflows WHERE name = 'create_user';
SET ROLE regress_attach_writer;
SELECT workflow_registry.delete_workflow('create_user');
SELECT w.deleted_at IS NOT NULL AS soft_deleted,
       (SELECT pg_catalog.count(*) FROM oc.processes AS pr WHERE pr.workflow_id = w.workflow_id) AS processes,
       (SELECT pg_catalog.count(*) FROM oc.products_workflows AS pw WHERE pw.workflow_id = w.workflow_id) AS links
FROM oc.workflows AS w WHERE w.name = 'create_user';
SELECT workflow_registry.delete_workflow('create_user');
SELECT workflow_registry.delete_workflow('create_user', if_exists => true);
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create a user", "product_type": "User"}')
     = (SELECT pr.workflow_id FROM oc.processes AS pr) AS same_row_back;
-- one that has not run is deleted, links and all
SELECT workflow_registry.delete_workflow('modify_user');
SELECT pg_catalog.count(*) AS modify_user_rows FROM oc.workflows WHERE name = 'modify_user';
SELECT * FROM public.offered();
RESET ROLE;

-- a product with subscriptions stays, with an error that says why
INSERT INTO oc.subscriptions (product_id) SELECT product_id FROM oc.products WHERE name = 'User partner';
SET ROLE regress_attach_writer;
SELECT workflow_registry.delete_product('User partner');
SELECT workflow_registry.delete_product('User guest');
SELECT workflow_registry.delete_product('User guest');

-- what does not work on orchestrator-core's tables yet says so
SELECT * FROM workflow_registry.import_orchestrator_core('oc');
SELECT workflow_registry.detach_orchestrator_core();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- Detach: the guards and the records go; orchestrator-core's rows stay
SELECT workflow_registry.detach_orchestrator_core();
SELECT (SELECT pg_catalog.count(*) FROM pg_catalog.pg_constraint
        WHERE conrelid = 'oc.workflows'::regclass AND contype = 'c') AS checks,
       (SELECT pg_catalog.count(*) FROM pg_catalog.pg_trigger
        WHERE tgrelid = 'oc.products'::regclass AND tgname LIKE 'workflow_registry%') AS triggers,
       (SELECT pg_catalog.count(*) FROM workflow_registry.attached_workflows) AS recorded,
       (SELECT pg_catalog.count(*) FROM workflow_registry.attachment) AS attachments,
       (SELECT pg_catalog.count(*) FROM oc.workflows) AS core_workflows,
       pg_catalog.has_table_privilege('regress_attach_orch', 'workflow_registry.attached_workflows', 'INSERT') AS orch_may_insert;
SELECT version, state FROM workflow_registry.migration_history WHERE kind = 'data';
SELECT workflow_registry.detach_orchestrator_core();
-- the functions are back on the extension's own tables
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}');
-- attached again: the next attachment in the ledger
SELECT action, pg_catalog.count(*) FROM workflow_registry.attach_orchestrator_core('oc', target_check => true, link_new_products => true) GROUP BY action ORDER BY action;
SELECT version, state FROM workflow_registry.migration_history WHERE kind = 'data';
SELECT workflow_registry.detach_orchestrator_core();

DROP FUNCTION public.offered();
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP OWNED BY regress_attach_writer;
DROP ROLE regress_attach_writer, regress_attach_orch;
