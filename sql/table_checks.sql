--
-- The workflows table refuses, by itself, the rows that create_workflow()
-- refuses, when its owner writes it directly (or a restore does): one
-- CHECK constraint, valid_workflow_row(), since 1.6.  Each rule is broken
-- by an INSERT, most by an UPDATE too, and nothing is written.
--
CREATE EXTENSION workflow_registry;

SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS ok;

-- one constraint, and the function it calls, documented
SELECT conname, pg_catalog.pg_get_constraintdef(oid) AS definition
FROM pg_catalog.pg_constraint
WHERE conrelid OPERATOR(pg_catalog.=) 'workflow_registry.workflows'::pg_catalog.regclass
  AND contype OPERATOR(pg_catalog.=) 'c';
SELECT pg_catalog.obj_description('workflow_registry.valid_workflow_row(varchar, varchar, varchar, varchar, boolean, boolean)'::pg_catalog.regprocedure, 'pg_proc') IS NOT NULL AS documented;

CREATE FUNCTION pg_temp.registry_rows() RETURNS text
LANGUAGE sql AS $$
SELECT pg_catalog.string_agg(pg_catalog.format('%s %s %s %s %s %s', name, target, description,
                                               product_type, product_tag, is_task), '; ' ORDER BY name)
FROM workflow_registry.workflows
$$;
SELECT pg_temp.registry_rows() AS before \gset

-- rows that pass: a workflow, a task without a product type, a tag with
-- its type, a name of exactly 255 characters
BEGIN;
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES ('modify_user', 'MODIFY', 'Modify user', 'User');
INSERT INTO workflow_registry.workflows (name, target, description, is_task)
VALUES ('task_clean_up', 'SYSTEM', 'Clean up', true);
INSERT INTO workflow_registry.workflows (name, target, description, product_type, product_tag)
VALUES ('_tagged_2', 'CREATE', 'Tagged', 'User', 'USER_INT');
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES (pg_catalog.repeat('n', 255), 'CREATE', 'Long name', 'User');
SELECT pg_catalog.count(*) AS workflows FROM workflow_registry.workflows;
ROLLBACK;

\set VERBOSITY terse
-- the name is an identifier
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES ('create user', 'CREATE', 'Create user', 'User');
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES ('1create_user', 'CREATE', 'Create user', 'User');
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES ('', 'CREATE', 'Create user', 'User');
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES ('créer', 'CREATE', 'Create user', 'User');
UPDATE workflow_registry.workflows SET name = 'create-user';
-- of at most 255 characters
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES (pg_catalog.repeat('n', 256), 'CREATE', 'Long name', 'User');
-- the description is not empty
INSERT INTO workflow_registry.workflows (name, target, description, product_type)
VALUES ('modify_user', 'MODIFY', '', 'User');
UPDATE workflow_registry.workflows SET description = '';
-- a workflow that is not a task has a product type
INSERT INTO workflow_registry.workflows (name, target, description)
VALUES ('modify_user', 'MODIFY', 'Modify user');
UPDATE workflow_registry.workflows SET product_type = NULL;
-- a product tag comes with a product type, and is not empty
INSERT INTO workflow_registry.workflows (name, target, description, is_task, product_tag)
VALUES ('task_tagged', 'SYSTEM', 'Tagged task', true, 'USER_INT');
INSERT INTO workflow_registry.workflows (name, target, description, product_type, product_tag)
VALUES ('modify_user', 'MODIFY', 'Modify user', 'User', '');
UPDATE workflow_registry.workflows SET product_tag = '';
\set VERBOSITY default

-- the message names the row
INSERT INTO workflow_registry.workflows (workflow_id, name, target, description, product_type, created_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'bad name', 'CREATE', 'Create user', 'User', '2024-01-01 00:00:00+00');

-- nothing was written
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'before' AS unchanged;

-- the function alone: a NULL passes, as in a CHECK expression, except
-- where a rule is about NULL
SELECT workflow_registry.valid_workflow_row(NULL, NULL, NULL, NULL, NULL, NULL) AS all_null,
       workflow_registry.valid_workflow_row('a', 'b', NULL, NULL, true, false) AS task,
       workflow_registry.valid_workflow_row('a', 'b', NULL, NULL, false, false) AS no_type,
       workflow_registry.valid_workflow_row('a', 'b', NULL, 'T', NULL, false) AS tag_no_type,
       workflow_registry.valid_workflow_row('a', 'b', 'T', 'T', false, false) AS tagged;
-- 1.8: a default workflow has no product type and is no task
SELECT workflow_registry.valid_workflow_row('a', 'b', NULL, NULL, false, true) AS default_workflow,
       workflow_registry.valid_workflow_row('a', 'b', 'T', NULL, false, true) AS default_typed,
       workflow_registry.valid_workflow_row('a', 'b', NULL, NULL, true, true) AS default_task,
       workflow_registry.valid_workflow_row('a', 'b', NULL, NULL, NULL, true) AS default_null_task;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
