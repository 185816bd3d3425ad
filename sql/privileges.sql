--
-- Privileges: the functions are the only way to write, nothing is granted to
-- PUBLIC, and the README's reader and writer grants do what they say.
--
CREATE EXTENSION workflow_registry;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;

CREATE ROLE regress_wr_public;          -- nothing granted: what PUBLIC has
CREATE ROLE regress_wr_usage;           -- only USAGE on the schema
CREATE ROLE regress_wr_reader;          -- the README's reader
CREATE ROLE regress_wr_writer;          -- the README's writer
GRANT USAGE ON SCHEMA workflow_registry TO regress_wr_usage;
GRANT USAGE ON SCHEMA workflow_registry TO regress_wr_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA workflow_registry TO regress_wr_reader;
GRANT USAGE ON SCHEMA workflow_registry TO regress_wr_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA workflow_registry TO regress_wr_writer;

-- functions: who may execute; all run as the owner (SECURITY DEFINER) with
-- a fixed search_path
SELECT p.oid::regprocedure AS function, p.prosecdef AS security_definer, p.proconfig,
       pg_catalog.has_function_privilege('regress_wr_public', p.oid, 'EXECUTE') AS public,
       pg_catalog.has_function_privilege('regress_wr_reader', p.oid, 'EXECUTE') AS reader,
       pg_catalog.has_function_privilege('regress_wr_writer', p.oid, 'EXECUTE') AS writer
FROM pg_catalog.pg_proc AS p
WHERE p.pronamespace OPERATOR(pg_catalog.=) 'workflow_registry'::regnamespace
ORDER BY p.proname;

-- tables and views: who may read and write
SELECT c.oid::regclass AS "table", r.role,
       pg_catalog.has_table_privilege(r.role, c.oid, 'SELECT') AS "select",
       pg_catalog.has_table_privilege(r.role, c.oid, 'INSERT') AS "insert",
       pg_catalog.has_table_privilege(r.role, c.oid, 'UPDATE') AS "update",
       pg_catalog.has_table_privilege(r.role, c.oid, 'DELETE') AS "delete",
       pg_catalog.has_table_privilege(r.role, c.oid, 'TRUNCATE') AS "truncate"
FROM pg_catalog.pg_class AS c,
     pg_catalog.unnest('{regress_wr_public,regress_wr_reader,regress_wr_writer}'::text[]) AS r(role)
WHERE c.relnamespace OPERATOR(pg_catalog.=) 'workflow_registry'::regnamespace AND c.relkind IN ('r', 'v')
ORDER BY c.relname, r.role;

SELECT pg_catalog.count(*) AS workflows_before FROM workflow_registry.workflows;

-- no grant at all: the schema is closed (42501)
SET ROLE regress_wr_public;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.workflows;
RESET ROLE;

-- USAGE on the schema but no EXECUTE: every writer is refused (42501)
SET ROLE regress_wr_usage;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_task('{"name": "task_x", "description": "X"}');
SELECT workflow_registry.delete_workflow('create_user');
SELECT workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "T", "tag": "T"}');
SELECT workflow_registry.delete_product('User internal');
RESET ROLE;

-- the reader reads and cannot write, neither through the functions nor
-- around them
SET ROLE regress_wr_reader;
SELECT name, product_type, tag FROM workflow_registry.products;
SELECT version FROM workflow_registry.migrations ORDER BY version;
SELECT version, state FROM workflow_registry.migration_history;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}');
SELECT workflow_registry.apply_migration('a1', 'Forged', '[]');
SELECT workflow_registry.revert_migration('1.3');
INSERT INTO workflow_registry.workflows (name, target, description, product_type) VALUES ('create_user', 'CREATE', 'Create user', 'User');
DELETE FROM workflow_registry.products;
RESET ROLE;

-- the writer writes through the functions only: direct writes, which would
-- skip the validation, are refused
SET ROLE regress_wr_writer;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS registered;
SELECT workflow_registry.create_task('{"name": "task_x", "description": "X"}') IS NOT NULL AS registered;
SELECT workflow_registry.delete_workflow('task_x');
SELECT workflow_registry.apply_migration('a1', 'Add a task', '[{"create_task": {"name": "task_y", "description": "Y"}}]');
SELECT workflow_registry.revert_migration('a1');
INSERT INTO workflow_registry.workflows (name, target, description, product_type) VALUES ('create_User', 'CREATE', '', 'Nothing');
UPDATE workflow_registry.workflows SET description = '';
INSERT INTO workflow_registry.migrations (version, kind, description) VALUES ('9.9', 'extension', 'forged');
RESET ROLE;

-- what the refused roles tried left nothing behind; the writer's migration
-- is in the ledger under its own name, not the owner's
SELECT name, target FROM workflow_registry.workflows;
SELECT version, state,
       CASE WHEN applied_by OPERATOR(pg_catalog.=) CURRENT_USER THEN 'the superuser' ELSE applied_by::text END AS applied_by,
       reverted_by
FROM workflow_registry.migration_history;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP ROLE regress_wr_public, regress_wr_usage, regress_wr_reader, regress_wr_writer;

-- A role that owns the schema (because it created it before CREATE
-- EXTENSION) cannot make the functions, which run as the extension's
-- owner, write into look-alike objects it puts in the schema's place.
CREATE ROLE regress_wr_squatter;
GRANT CREATE ON DATABASE :"DBNAME" TO regress_wr_squatter;
SET ROLE regress_wr_squatter;
CREATE SCHEMA workflow_registry;
RESET ROLE;
CREATE EXTENSION workflow_registry;
SET ROLE regress_wr_squatter;
ALTER SCHEMA workflow_registry RENAME TO wr_real;
CREATE SCHEMA workflow_registry;
CREATE TYPE workflow_registry.target AS ENUM ('CREATE');
CREATE TABLE workflow_registry.products (product_id uuid DEFAULT pg_catalog.gen_random_uuid(),
    name varchar UNIQUE, description varchar, product_type varchar, tag varchar, status varchar,
    created_at timestamptz, end_date timestamptz);
CREATE TABLE workflow_registry.workflows (workflow_id uuid, name varchar);
CREATE TABLE workflow_registry.products_workflows (product_id uuid, workflow_id uuid);
CREATE TABLE workflow_registry.migrations (version text);
RESET ROLE;
SELECT wr_real.create_product('{"name": "P", "description": "P", "product_type": "T", "tag": "T"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT wr_real.create_workflow('{"name": "create_p", "target": "CREATE", "description": "P", "product_type": "T"}');
SELECT wr_real.delete_workflow('create_p');
SELECT wr_real.delete_product('P');
SELECT wr_real.create_task('{"name": "task_p", "description": "P"}');
SELECT * FROM wr_real.create_workflows('[]');
SELECT wr_real.apply_migration('p1', 'P', '[]');
SELECT wr_real.revert_migration('p1');
SELECT pg_catalog.count(*) AS written_into_look_alikes FROM workflow_registry.products;
DROP SCHEMA workflow_registry CASCADE;
DROP EXTENSION workflow_registry;
DROP SCHEMA wr_real;
REVOKE CREATE ON DATABASE :"DBNAME" FROM regress_wr_squatter;
DROP ROLE regress_wr_squatter;
