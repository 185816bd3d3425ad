--
-- attach_orchestrator_core() from 1.9: attached, orchestrator-core cannot
-- tell.  By default attach adds nothing to orchestrator-core's tables; its
-- two guards, which change what orchestrator-core's own writers see, are
-- options.  The attachment records them and the migration that attached,
-- which detach reverts; attach- and import- versions are reserved.
--
CREATE EXTENSION workflow_registry;
CREATE ROLE regress_adef_orch;
CREATE SCHEMA oc AUTHORIZATION regress_adef_orch;
SET ROLE regress_adef_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active');
INSERT INTO oc.workflows (name, target, description) VALUES
    ('modify_note', 'MODIFY', 'Modify Note'),
    ('create_user', 'CREATE', 'Create user');
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE w.name = 'modify_note' OR (w.name = 'create_user' AND p.product_type = 'User');
RESET ROLE;

-- The guards of orchestrator-core's tables, and what the attachment records.
CREATE FUNCTION public.adef_guards() RETURNS TABLE (guard text)
LANGUAGE sql AS $$
    SELECT 'check ' || conname FROM pg_catalog.pg_constraint
    WHERE conrelid = 'oc.workflows'::regclass AND contype = 'c'
    UNION ALL
    SELECT 'trigger ' || tgname FROM pg_catalog.pg_trigger
    WHERE tgrelid = 'oc.products'::regclass AND NOT tgisinternal
    ORDER BY 1
$$;

-- the options are not NULL
SELECT * FROM workflow_registry.attach_orchestrator_core('oc', target_check => NULL);
SELECT * FROM workflow_registry.attach_orchestrator_core('oc', link_new_products => NULL);

-- By default: the rows classified and recorded, nothing on core's tables
SELECT * FROM workflow_registry.attach_orchestrator_core('oc');
SELECT * FROM public.adef_guards();
SELECT schema_name, target_check, link_new_products, migration FROM workflow_registry.attachment;
SELECT pg_catalog.has_function_privilege('regress_adef_orch', 'workflow_registry.link_new_product()', 'EXECUTE') AS orch_may_execute_trigger;

-- orchestrator-core's own writers see what they see without the extension:
-- its ORM inserts a product and then the links it was given (modify_note),
-- and a workflow with a target its varchar column takes ("Target.CREATE",
-- as a workflow declared with the enum's str() stores it)
SET ROLE regress_adef_orch;
BEGIN;
INSERT INTO oc.products (name, description, product_type, tag, status)
VALUES ('User external', 'External user', 'User', 'USER_EXT', 'active');
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE p.name = 'User external' AND w.name = 'modify_note';
COMMIT;
INSERT INTO oc.workflows (name, target, description) VALUES ('resume', 'Target.CREATE', 'Resume');
SELECT w.name, string_agg(p.name, ', ' ORDER BY p.name) AS products
FROM oc.workflows AS w LEFT JOIN oc.products_workflows USING (workflow_id)
LEFT JOIN oc.products AS p USING (product_id) GROUP BY w.name ORDER BY w.name;
RESET ROLE;
-- ... and the registry still keeps its rules for what it writes
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}') IS NOT NULL AS registered;
SELECT workflow_registry.create_workflow('{"name": "bad_target", "target": "Target.CREATE", "description": "x", "product_type": "User"}');

-- detach reverts the migration the attachment recorded, and removes
-- nothing that is not there
SELECT workflow_registry.detach_orchestrator_core();
SELECT version, state FROM workflow_registry.migration_history WHERE kind = 'data' ORDER BY rank;
SELECT count(*) AS attachments FROM workflow_registry.attachment;

-- One guard or the other, as asked; detach takes away what was added
SET ROLE regress_adef_orch;
DELETE FROM oc.workflows WHERE name = 'resume';
RESET ROLE;
SELECT count(*) FROM workflow_registry.attach_orchestrator_core('oc', target_check => true);
SELECT * FROM public.adef_guards();
SELECT pg_catalog.has_function_privilege('regress_adef_orch', 'workflow_registry.link_new_product()', 'EXECUTE') AS orch_may_execute_trigger;
SELECT workflow_registry.detach_orchestrator_core();
SELECT count(*) FROM workflow_registry.attach_orchestrator_core('oc', link_new_products => true);
SELECT * FROM public.adef_guards();
SELECT schema_name, target_check, link_new_products, migration FROM workflow_registry.attachment;
SELECT pg_catalog.has_function_privilege('regress_adef_orch', 'workflow_registry.link_new_product()', 'EXECUTE') AS orch_may_execute_trigger;
SELECT workflow_registry.detach_orchestrator_core();
SELECT * FROM public.adef_guards();
SELECT pg_catalog.has_function_privilege('regress_adef_orch', 'workflow_registry.link_new_product()', 'EXECUTE') AS orch_may_execute_trigger;

-- attach- and import- versions are reserved: a user's migration cannot
-- take an attachment's name
SELECT workflow_registry.apply_migration('attach-sso', 'Single sign-on', '[]');
SELECT workflow_registry.apply_migration('import-users', 'Users', '[]');
SELECT * FROM workflow_registry.sync('{"workflows": []}', 'attach-oc-9');

-- An attachment made before 1.9 records no migration and has both
-- guards: detach after the update finds its migration by its schema
DROP EXTENSION workflow_registry;
CREATE EXTENSION workflow_registry VERSION '1.8';
SELECT count(*) FROM workflow_registry.attach_orchestrator_core('oc');
ALTER EXTENSION workflow_registry UPDATE TO '1.9';
SELECT schema_name, target_check, link_new_products, migration FROM workflow_registry.attachment;
SELECT * FROM public.adef_guards();
SELECT workflow_registry.detach_orchestrator_core();
SELECT version, state FROM workflow_registry.migration_history WHERE kind = 'data' ORDER BY rank;
SELECT * FROM public.adef_guards();

DROP FUNCTION public.adef_guards();
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP ROLE regress_adef_orch;
