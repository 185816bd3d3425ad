--
-- The upgrade path: install 1.0, register, update step by step, use each
-- step's features; every row stays and every step writes its ledger row.
-- A new version adds its step at the end.
--
CREATE EXTENSION workflow_registry VERSION '1.0';

SELECT p->>'name' AS product, workflow_registry.create_product(p) IS NOT NULL AS registered
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"},
    {"name": "User external", "description": "External user",  "product_type": "User",      "tag": "USER_EXT"}
]') AS p;
SELECT w->>'name' AS workflow, workflow_registry.create_workflow(w) IS NOT NULL AS registered
FROM pg_catalog.jsonb_array_elements('[
    {"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"},
    {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"},
    {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"},
    {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"},
    {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"},
    {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}
]') AS w;

-- Every row of 1.0, ids included, to compare after each step.
CREATE TEMP TABLE rows_1_0 AS
SELECT 'workflow' AS kind, w.workflow_id AS id, w.name::text AS name, w.target::text AS target,
       w.description::text AS description, w.product_type::text AS product_type, w.created_at
FROM workflow_registry.workflows AS w
UNION ALL
SELECT 'product', p.product_id, p.name, p.tag, p.description, p.product_type, p.created_at
FROM workflow_registry.products AS p
UNION ALL
SELECT 'link', pw.workflow_id, pw.product_id::text, NULL, NULL, NULL, NULL
FROM workflow_registry.products_workflows AS pw;
SELECT kind, pg_catalog.count(*) FROM rows_1_0 GROUP BY kind ORDER BY kind;

CREATE FUNCTION pg_temp.rows_lost() RETURNS bigint
LANGUAGE sql AS $$
    SELECT pg_catalog.count(*) FROM (
        SELECT * FROM rows_1_0
        EXCEPT
        (SELECT 'workflow', w.workflow_id, w.name::text, w.target::text,
                w.description::text, w.product_type::text, w.created_at
         FROM workflow_registry.workflows AS w
         UNION ALL
         SELECT 'product', p.product_id, p.name, p.tag, p.description, p.product_type, p.created_at
         FROM workflow_registry.products AS p
         UNION ALL
         SELECT 'link', pw.workflow_id, pw.product_id::text, NULL, NULL, NULL, NULL
         FROM workflow_registry.products_workflows AS pw)) AS lost
$$;

SELECT pg_catalog.enum_range(NULL::workflow_registry.target);
SELECT version, kind FROM workflow_registry.migrations ORDER BY applied_at;

-- 1.0 -> 1.1: VALIDATE, is_task, create_task
ALTER EXTENSION workflow_registry UPDATE TO '1.1';
SELECT pg_temp.rows_lost() AS rows_lost;
SELECT pg_catalog.count(*) FILTER (WHERE NOT is_task) AS workflows_not_tasks FROM workflow_registry.workflows;
SELECT pg_catalog.enum_range(NULL::workflow_registry.target);
SELECT workflow_registry.create_task('{"name": "task_validate_products", "description": "Validate products"}') IS NOT NULL AS task_registered;
SELECT workflow_registry.create_workflow('{"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User", "is_task": false}') IS NOT NULL AS validate_registered;
-- the 1.0 definitions are still identical repeats
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') OPERATOR(pg_catalog.=)
       (SELECT id FROM rows_1_0 WHERE name = 'create_user') AS same_id;
SELECT version, kind FROM workflow_registry.migrations ORDER BY applied_at;

-- 1.1 -> 1.2: RECONCILE, product_tag, tag-aware linking of new products
ALTER EXTENSION workflow_registry UPDATE TO '1.2';
SELECT pg_temp.rows_lost() AS rows_lost;
SELECT pg_catalog.enum_range(NULL::workflow_registry.target);
SELECT workflow_registry.create_workflow('{"name": "reconcile_user_internal", "target": "RECONCILE", "description": "Reconcile internal user", "product_type": "User", "product_tag": "USER_INT"}') IS NOT NULL AS reconcile_registered;
SELECT workflow_registry.create_product('{"name": "User guest", "description": "Guest user", "product_type": "User", "tag": "USER_GUEST"}') IS NOT NULL AS product_registered;
SELECT w.name, pg_catalog.string_agg(p.tag, ', ' ORDER BY p.tag) AS linked_tags
FROM workflow_registry.workflows AS w
LEFT JOIN workflow_registry.products_workflows AS pw USING (workflow_id)
LEFT JOIN workflow_registry.products AS p USING (product_id)
WHERE w.product_type = 'User' OR w.is_task
GROUP BY w.name
ORDER BY w.name;

-- the ledger after 1.2: one row per version, in order, none lost on the way
SELECT version, kind, checksum IS NULL AS no_checksum, applied_by OPERATOR(pg_catalog.=) CURRENT_USER AS applied_by_me
FROM workflow_registry.migrations ORDER BY applied_at;
SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'workflow_registry';

-- 1.2 -> 1.3: data migrations, the history view, create_workflows
ALTER EXTENSION workflow_registry UPDATE TO '1.3';
SELECT pg_temp.rows_lost() AS rows_lost;
SELECT rank, version, kind, state FROM workflow_registry.migration_history;
-- a 1.3 migration may require an extension version ...
SELECT workflow_registry.apply_migration('0a1b2c3d4e5f', 'Validate and reconcile user groups', $$[
    {"create_workflow": {"name": "validate_user_group", "target": "VALIDATE", "description": "Validate user group", "product_type": "UserGroup"}},
    {"update_workflow": {"name": "modify_user", "description": "Modify a user"}},
    {"delete_workflow": "terminate_user_group"}
]$$, requires => '{1.1}');
SELECT c.name FROM workflow_registry.create_workflows('[{"name": "reconcile_user_group", "target": "RECONCILE", "description": "Reconcile user group", "product_type": "UserGroup"}]') AS c
WHERE c.workflow_id IS NOT NULL;
-- ... and reverting it brings back the rows of 1.0 exactly, ids included
SELECT workflow_registry.revert_migration('0a1b2c3d4e5f');
SELECT workflow_registry.delete_workflow('reconcile_user_group');
SELECT pg_temp.rows_lost() AS rows_lost;
SELECT version, state FROM workflow_registry.migration_history;

-- 1.3 -> 1.4: plan, sync, check and notifications
ALTER EXTENSION workflow_registry UPDATE TO '1.4';
SELECT pg_temp.rows_lost() AS rows_lost;
LISTEN workflow_registry;
SELECT action, name, key, old_value, new_value
FROM workflow_registry.plan('{"workflows": [{"name": "create_user", "target": "CREATE", "description": "Create a user", "product_type": "User"}]}');
SELECT difference, name FROM workflow_registry."check"('["create_user", "modify_user", "terminate_user", "create_user_group", "modify_user_group", "terminate_user_group", "task_validate_products"]');
UNLISTEN workflow_registry;
SELECT version, state FROM workflow_registry.migration_history;

-- 1.4 -> 1.5: import_orchestrator_core
ALTER EXTENSION workflow_registry UPDATE TO '1.5';
SELECT pg_temp.rows_lost() AS rows_lost;
CREATE SCHEMA oc_empty;
CREATE TABLE oc_empty.products (LIKE workflow_registry.products);
CREATE TABLE oc_empty.workflows (workflow_id uuid, name varchar, target varchar, description varchar,
                                 created_at timestamptz);
CREATE TABLE oc_empty.products_workflows (LIKE workflow_registry.products_workflows);
SELECT * FROM workflow_registry.import_orchestrator_core('oc_empty', dry_run => false);
DROP SCHEMA oc_empty CASCADE;
SELECT version, state FROM workflow_registry.migration_history;

-- 1.5 -> 1.6: the four CHECK constraints of workflows become one, in C,
-- with the same rules; the rows already there are kept as they are
SELECT pg_catalog.string_agg(conname, ', ' ORDER BY conname) AS checks_1_5
FROM pg_catalog.pg_constraint
WHERE conrelid OPERATOR(pg_catalog.=) 'workflow_registry.workflows'::pg_catalog.regclass
  AND contype OPERATOR(pg_catalog.=) 'c';
ALTER EXTENSION workflow_registry UPDATE TO '1.6';
SELECT pg_temp.rows_lost() AS rows_lost;
SELECT pg_catalog.string_agg(conname, ', ' ORDER BY conname) AS checks_1_6
FROM pg_catalog.pg_constraint
WHERE conrelid OPERATOR(pg_catalog.=) 'workflow_registry.workflows'::pg_catalog.regclass
  AND contype OPERATOR(pg_catalog.=) 'c';
\set VERBOSITY terse
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES ('create-user', 'CREATE', 'Create user', 'User');
INSERT INTO workflow_registry.workflows (name, target, description)
VALUES ('create_orphan', 'CREATE', 'No product type');
\set VERBOSITY default
SELECT version, state FROM workflow_registry.migration_history;

-- 1.6 -> 1.7: the CHECK constraint's function moves to a C symbol of its
-- own version; the function keeps its oid, comment and grant, so the
-- constraint is the same and still holds
SELECT p.prosrc AS symbol_1_6, p.oid AS oid_1_6
FROM pg_catalog.pg_proc AS p
WHERE p.oid OPERATOR(pg_catalog.=) 'workflow_registry.valid_workflow_row'::pg_catalog.regproc \gset
SELECT :'symbol_1_6' AS symbol_1_6;
ALTER EXTENSION workflow_registry UPDATE TO '1.7';
SELECT pg_temp.rows_lost() AS rows_lost;
SELECT p.prosrc AS symbol_1_7, p.oid OPERATOR(pg_catalog.=) :oid_1_6 AS same_function,
       pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute,
       pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_catalog.pg_proc AS p
WHERE p.oid OPERATOR(pg_catalog.=) 'workflow_registry.valid_workflow_row'::pg_catalog.regproc;
\set VERBOSITY terse
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES ('create-user', 'CREATE', 'Create user', 'User');
\set VERBOSITY default
SELECT version, state FROM workflow_registry.migration_history;

-- 1.7 -> 1.8: default workflows; the CHECK constraint's function takes
-- is_default, and the rows already there still meet it
ALTER EXTENSION workflow_registry UPDATE TO '1.8';
SELECT pg_temp.rows_lost() AS rows_lost;
SELECT p.oid::pg_catalog.regprocedure AS constraint_function, p.prosrc AS symbol_1_8,
       pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute,
       pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_catalog.pg_proc AS p
WHERE p.proname OPERATOR(pg_catalog.=) 'valid_workflow_row'
  AND p.pronamespace OPERATOR(pg_catalog.=) 'workflow_registry'::pg_catalog.regnamespace;
SELECT pg_catalog.count(*) AS not_default
FROM workflow_registry.workflows WHERE NOT is_default;
\set VERBOSITY terse
INSERT INTO workflow_registry.workflows (name, target, description, is_default, product_type)
VALUES ('modify_typed_default', 'MODIFY', 'A default workflow has no product type', true, 'User');
INSERT INTO workflow_registry.workflows (name, target, description, is_default, is_task)
VALUES ('default_task', 'SYSTEM', 'A default workflow is no task', true, true);
\set VERBOSITY default
SELECT version, state FROM workflow_registry.migration_history;

-- nothing left to update
ALTER EXTENSION workflow_registry UPDATE TO '1.8';

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
