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

-- Everything that fits the rules is managed, whoever wrote it.
-- orchestrator-core's own create_workflow helper registers workflows after
-- attach (its statement: the row, then links to every product of the
-- type); the registry adopts each when it next meets it, by attach's rules.
SET ROLE regress_adef_orch;
WITH new_workflow AS (
    INSERT INTO oc.workflows (name, target, is_task, description)
    VALUES ('terminate_user', 'TERMINATE', false, 'Terminate user')
    ON CONFLICT DO NOTHING RETURNING workflow_id)
INSERT INTO oc.products_workflows (product_id, workflow_id)
SELECT p.product_id, nw.workflow_id FROM oc.products AS p CROSS JOIN new_workflow AS nw
WHERE p.product_type = 'User' ON CONFLICT DO NOTHING;
WITH new_workflow AS (
    INSERT INTO oc.workflows (name, target, is_task, description)
    VALUES ('validate_user', 'VALIDATE', true, 'Validate user')
    ON CONFLICT DO NOTHING RETURNING workflow_id)
INSERT INTO oc.products_workflows (product_id, workflow_id)
SELECT p.product_id, nw.workflow_id FROM oc.products AS p CROSS JOIN new_workflow AS nw
WHERE p.product_type = 'User' ON CONFLICT DO NOTHING;
INSERT INTO oc.workflows (name, target, is_task, description)
VALUES ('task_clean_up', 'SYSTEM', true, 'Clean up'), ('rename_user', 'MODIFY', false, 'Rename user');
-- one that does not fit: linked to products of two types
INSERT INTO oc.products_workflows (product_id, workflow_id)
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE p.name IN ('User internal', 'User Group') AND w.name = 'rename_user';
RESET ROLE;
SELECT w.name FROM oc.workflows AS w
WHERE NOT EXISTS (SELECT FROM workflow_registry.attached_workflows AS m WHERE m.workflow_id = w.workflow_id)
ORDER BY 1;
-- an identical registration through the extension returns its id
SELECT workflow_registry.create_workflow('{"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}')
       = (SELECT workflow_id FROM oc.workflows WHERE name = 'terminate_user') AS same_id;
-- create_workflows too, and an update step changes an adopted one
SELECT name, workflow_id = (SELECT workflow_id FROM oc.workflows AS w WHERE w.name = r.name) AS same_id
FROM workflow_registry.create_workflows('[{"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User", "is_task": true}]') AS r;
SELECT workflow_registry.apply_migration('adef-1', 'tasks', '[{"update_workflow": {"name": "task_clean_up", "description": "Clean up everything"}}]');
-- what does not fit is refused with the reason attach would give
SELECT workflow_registry.create_workflow('{"name": "rename_user", "target": "MODIFY", "description": "Rename user", "product_type": "User"}');
SELECT * FROM workflow_registry.create_workflows('[{"name": "rename_user", "target": "MODIFY", "description": "Rename user", "product_type": "User"}]');
SELECT workflow_registry.apply_migration('adef-2', 'rename', '[{"update_workflow": {"name": "rename_user", "description": "Rename a user"}}]');
SELECT w.name, m.product_type, m.product_tag, m.is_default
FROM workflow_registry.attached_workflows AS m JOIN oc.workflows AS w USING (workflow_id) ORDER BY 1;
-- sync adopts every one that fits before it compares
SET ROLE regress_adef_orch;
INSERT INTO oc.workflows (name, target, is_task, description) VALUES ('task_sync', 'SYSTEM', true, 'Sync');
RESET ROLE;
SELECT * FROM workflow_registry.sync('{"workflows": [], "tasks": [{"name": "task_sync", "description": "Sync"}]}', 'adef-sync');
SELECT count(*) AS task_sync_managed FROM workflow_registry.attached_workflows AS m
JOIN oc.workflows AS w USING (workflow_id) WHERE w.name = 'task_sync';

-- orchestrator-core's scheduler (4.x, 5.x): its jobs, linked to the
-- workflows it starts.  Deleting a scheduled workflow through the registry
-- would drop that link (a hard delete cascades) or keep it to a
-- soft-deleted workflow, while the scheduler goes on starting the task.
SET ROLE regress_adef_orch;
CREATE TABLE oc.apscheduler_jobs (id varchar(191) NOT NULL PRIMARY KEY,
                                  next_run_time double precision, job_state bytea NOT NULL);
CREATE TABLE oc.workflows_apscheduler_jobs (
    workflow_id uuid NOT NULL REFERENCES oc.workflows ON DELETE CASCADE,
    schedule_id varchar(512) NOT NULL REFERENCES oc.apscheduler_jobs ON DELETE CASCADE,
    PRIMARY KEY (workflow_id, schedule_id));
INSERT INTO oc.apscheduler_jobs VALUES ('job-clean-up', NULL, '\x00'), ('job-create', NULL, '\x00'),
                                       ('job-old', NULL, '\x00');
INSERT INTO oc.workflows (name, target, is_task, description, deleted_at)
VALUES ('task_old', 'SYSTEM', true, 'Old', now());
INSERT INTO oc.workflows_apscheduler_jobs
SELECT w.workflow_id, j.id FROM oc.workflows AS w, oc.apscheduler_jobs AS j
WHERE (w.name, j.id) IN (('task_clean_up', 'job-clean-up'), ('create_user', 'job-create'), ('task_old', 'job-old'));
RESET ROLE;
SELECT workflow_registry.delete_workflow('task_clean_up');
SELECT * FROM workflow_registry.sync('{"workflows": []}', 'adef-sync-2', allow_delete => true);
SELECT workflow_registry.apply_migration('adef-3', 'a task', '[{"create_task": {"name": "task_scheduled", "description": "Scheduled"}}]');
SET ROLE regress_adef_orch;
INSERT INTO oc.apscheduler_jobs VALUES ('job-scheduled', NULL, '\x00');
INSERT INTO oc.workflows_apscheduler_jobs
SELECT w.workflow_id, 'job-scheduled' FROM oc.workflows AS w WHERE w.name = 'task_scheduled';
RESET ROLE;
SELECT workflow_registry.revert_migration('adef-3');
-- check() names the schedules the scheduler would start wrongly
SELECT * FROM workflow_registry."check"('["create_user"]') WHERE kind = 'schedule';
-- once the schedule is gone (as orchestrator-core's scheduler removes it)
SET ROLE regress_adef_orch;
DELETE FROM oc.apscheduler_jobs WHERE id = 'job-clean-up';
RESET ROLE;
SELECT workflow_registry.delete_workflow('task_clean_up');

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
