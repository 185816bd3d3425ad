--
-- import_orchestrator_core(): adopt a registry built with orchestrator-core's
-- own DDL (test/orchestrator-core/schema.sql, copied from shared/ by the
-- test runner) and filled by its own helper statements.
--
CREATE EXTENSION workflow_registry;

CREATE SCHEMA oc;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
SELECT pg_catalog.string_agg(c.relname, ', ' ORDER BY c.relname) AS orchestrator_core_tables
FROM pg_catalog.pg_class AS c
WHERE c.relnamespace OPERATOR(pg_catalog.=) 'oc'::regnamespace AND c.relkind = 'r';

-- orchestrator-core's migration helper, exactly as it runs (schema.sql)
CREATE FUNCTION oc.create_workflow(name text, target text, description text,
                                   product_type text, is_task boolean DEFAULT false)
RETURNS void LANGUAGE sql AS $$
    WITH new_workflow AS (
        INSERT INTO oc.workflows (name, target, is_task, description)
            VALUES (name, target, is_task, description)
            ON CONFLICT DO NOTHING
            RETURNING workflow_id)
    INSERT INTO oc.products_workflows (product_id, workflow_id)
    SELECT p.product_id, nw.workflow_id
    FROM oc.products AS p CROSS JOIN new_workflow AS nw
    WHERE p.product_type OPERATOR(pg_catalog.=) create_workflow.product_type
    ON CONFLICT DO NOTHING
$$;

-- the seed example, and a task
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active'),
    ('User external', 'External user', 'User', 'USER_EXT', 'active'),
    ('User partner', 'Partner user', 'User', 'USER_INT', 'active');
SELECT pg_catalog.count(oc.create_workflow(n, t, d, pt)) AS registered_upstream
FROM (VALUES ('create_user_group', 'CREATE', 'Create user group', 'UserGroup'),
             ('modify_user_group', 'MODIFY', 'Modify user group', 'UserGroup'),
             ('terminate_user_group', 'TERMINATE', 'Terminate user group', 'UserGroup'),
             ('create_user', 'CREATE', 'Create user', 'User'),
             ('modify_user', 'MODIFY', 'Modify user', 'User'),
             ('terminate_user', 'TERMINATE', 'Terminate user', 'User')) AS v(n, t, d, pt);
INSERT INTO oc.workflows (name, target, description, is_task)
VALUES ('task_validate_products', 'SYSTEM', 'Validate products', true);
-- a workflow linked to the products of one tag only: imported with a product_tag
INSERT INTO oc.workflows (name, target, description)
VALUES ('modify_user_internal', 'MODIFY', 'Modify internal user');
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE p.tag = 'USER_INT' AND w.name = 'modify_user_internal';

-- every kind of row that upstream accepts and we cannot take as it is
INSERT INTO oc.products (name, description, product_type, tag, status)
VALUES ('Retired device', 'Old device', 'Device', 'DEV', 'retired');
SELECT pg_catalog.count(oc.create_workflow(n, t, d, pt)) AS registered_upstream
FROM (VALUES ('lower_case_target', 'create', 'Lower-case target', 'User'),
             ('made_up_target', 'DESTROY', 'Made-up target', 'User'),
             ('no_description', 'CREATE', '', 'User'),
             ('not an identifier', 'CREATE', 'Name with spaces', 'User'),
             ('no_product', 'CREATE', 'Unknown product type', 'Usr'),
             ('device_workflow', 'CREATE', 'On a product we reject', 'Device')) AS v(n, t, d, pt);
INSERT INTO oc.workflows (name, target, description, deleted_at)
VALUES ('soft_deleted', 'CREATE', 'Deleted in 2.0.1 style', pg_catalog.now());
INSERT INTO oc.workflows (name, target, description) VALUES ('partly_linked', 'MODIFY', 'Some users');
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE p.name = 'User internal' AND w.name = 'partly_linked';
INSERT INTO oc.workflows (name, target, description) VALUES ('two_types', 'MODIFY', 'Users and groups');
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE p.name IN ('User internal', 'User Group') AND w.name = 'two_types';
-- a link to a product that does not exist (upstream had no foreign key once)
ALTER TABLE oc.products_workflows DROP CONSTRAINT products_workflows_product_id_fkey;
INSERT INTO oc.workflows (name, target, description) VALUES ('dangling_link', 'CREATE', 'Dangling link');
INSERT INTO oc.products_workflows
SELECT '00000000-0000-0000-0000-000000000001', workflow_id FROM oc.workflows WHERE name = 'dangling_link';

CREATE FUNCTION pg_temp.registry_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products_workflows AS t))
$$;
CREATE FUNCTION pg_temp.ledger_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.string_agg(t.version || ' ' || t.kind, ',' ORDER BY t.version)
    FROM workflow_registry.migrations AS t
$$;
SELECT pg_temp.registry_rows() AS empty, pg_temp.ledger_rows() AS ledger \gset

-- the dry run (the default) reports every row, and writes nothing
SELECT * FROM workflow_registry.import_orchestrator_core('oc');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'empty' AS dry_run_wrote_nothing,
       pg_temp.ledger_rows() OPERATOR(pg_catalog.=) :'ledger' AS ledger_unchanged;

-- a real import is all or nothing: refused while any row is rejected
SELECT * FROM workflow_registry.import_orchestrator_core('oc', dry_run => false);
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'empty' AS nothing_written,
       pg_temp.ledger_rows() OPERATOR(pg_catalog.=) :'ledger' AS ledger_unchanged;

-- after the bad rows are corrected upstream, it imports
UPDATE oc.workflows SET target = 'CREATE' WHERE name = 'lower_case_target';
DELETE FROM oc.workflows
WHERE name IN ('made_up_target', 'no_description', 'not an identifier', 'no_product',
               'device_workflow', 'partly_linked', 'two_types', 'dangling_link');
DELETE FROM oc.products WHERE name = 'Retired device';
SELECT * FROM workflow_registry.import_orchestrator_core('oc', dry_run => false);

-- ids, created_at and links are orchestrator-core's; the product type comes
-- from the links, a tag where the links are those of one tag
SELECT (SELECT pg_catalog.count(*) FROM oc.products AS u JOIN workflow_registry.products AS r
          ON r.product_id = u.product_id AND r.created_at = u.created_at AND r.name = u.name) AS same_products,
       (SELECT pg_catalog.count(*) FROM oc.workflows AS u JOIN workflow_registry.workflows AS r
          ON r.workflow_id = u.workflow_id AND r.created_at = u.created_at AND r.name = u.name) AS same_workflows,
       (SELECT pg_catalog.count(*) FROM oc.products_workflows AS u JOIN workflow_registry.products_workflows AS r
          USING (product_id, workflow_id)) AS same_links,
       (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows) AS links;
SELECT name, target, product_type, product_tag, is_task FROM workflow_registry.workflows ORDER BY name;
SELECT version, kind, state FROM workflow_registry.migration_history WHERE kind = 'data';

-- importing again finds everything present and records nothing
SELECT action, pg_catalog.count(*) FROM workflow_registry.import_orchestrator_core('oc', dry_run => false)
GROUP BY action ORDER BY action;
SELECT pg_catalog.count(*) AS data_migrations FROM workflow_registry.migrations WHERE kind = 'data';

-- the import is a data migration: revert_migration() undoes it exactly
SELECT workflow_registry.revert_migration('import-oc-1');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'empty' AS registry_empty_again;

-- an import of products only, then one of a workflow only (the other
-- side of the ledger's undo list empty each time), each reverted exactly
CREATE SCHEMA oc_parts;
CREATE TABLE oc_parts.products (LIKE oc.products INCLUDING ALL);
CREATE TABLE oc_parts.workflows (LIKE oc.workflows INCLUDING ALL);
CREATE TABLE oc_parts.products_workflows (LIKE oc.products_workflows INCLUDING ALL);
INSERT INTO oc_parts.products SELECT * FROM oc.products WHERE product_type = 'User';
SELECT * FROM workflow_registry.import_orchestrator_core('oc_parts', dry_run => false);
INSERT INTO oc_parts.workflows SELECT * FROM oc.workflows WHERE name = 'create_user';
INSERT INTO oc_parts.products_workflows
SELECT pw.* FROM oc.products_workflows AS pw JOIN oc_parts.workflows USING (workflow_id);
SELECT * FROM workflow_registry.import_orchestrator_core('oc_parts', dry_run => false);
SELECT version, pg_catalog.jsonb_array_length(undo) AS undo_entries, touches
FROM workflow_registry.migrations WHERE version LIKE 'import-oc\_parts-%' ORDER BY version;
SELECT workflow_registry.revert_migration('import-oc_parts-2');
SELECT pg_catalog.count(*) AS workflows FROM workflow_registry.workflows;
SELECT workflow_registry.revert_migration('import-oc_parts-1');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'empty' AS registry_empty_again;
DROP SCHEMA oc_parts CASCADE;

-- an older release: no is_task (before 4.0), no deleted_at (before 2.0.1)
CREATE SCHEMA oc_old;
CREATE TABLE oc_old.products (LIKE oc.products INCLUDING ALL);
CREATE TABLE oc_old.workflows (LIKE oc.workflows INCLUDING ALL);
ALTER TABLE oc_old.workflows DROP COLUMN is_task, DROP COLUMN deleted_at;
CREATE TABLE oc_old.products_workflows (LIKE oc.products_workflows INCLUDING ALL);
INSERT INTO oc_old.products SELECT * FROM oc.products;
INSERT INTO oc_old.workflows (workflow_id, name, target, description, created_at)
SELECT workflow_id, name, target, description, created_at FROM oc.workflows WHERE NOT is_task AND deleted_at IS NULL;
INSERT INTO oc_old.products_workflows SELECT * FROM oc.products_workflows;
SELECT action, pg_catalog.count(*) FROM workflow_registry.import_orchestrator_core('oc_old', dry_run => false)
GROUP BY action ORDER BY action;
SELECT version, state FROM workflow_registry.migration_history WHERE kind = 'data';

-- errors: no such schema or table, NULL arguments, and a caller who may
-- not read the source (the function runs as the extension's owner)
SELECT * FROM workflow_registry.import_orchestrator_core('no_such_schema');
SELECT * FROM workflow_registry.import_orchestrator_core('pg_catalog');
SELECT * FROM workflow_registry.import_orchestrator_core(NULL);
SELECT * FROM workflow_registry.import_orchestrator_core('oc', NULL);
CREATE ROLE regress_wr_importer;
GRANT USAGE ON SCHEMA workflow_registry TO regress_wr_importer;
GRANT EXECUTE ON FUNCTION workflow_registry.import_orchestrator_core(name, boolean) TO regress_wr_importer;
SET ROLE regress_wr_importer;
SELECT * FROM workflow_registry.import_orchestrator_core('oc');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT USAGE ON SCHEMA oc TO regress_wr_importer;
SET ROLE regress_wr_importer;
SELECT * FROM workflow_registry.import_orchestrator_core('oc');
RESET ROLE;
GRANT SELECT ON ALL TABLES IN SCHEMA oc TO regress_wr_importer;
SET ROLE regress_wr_importer;
SELECT action, pg_catalog.count(*) FROM workflow_registry.import_orchestrator_core('oc') GROUP BY action ORDER BY action;
RESET ROLE;

DROP SCHEMA oc, oc_old CASCADE;
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP ROLE regress_wr_importer;
