--
-- Attached, orchestrator-core's tables belong to its own role, which is not
-- a superuser, as in every real deployment.  That role plants code in every
-- place PostgreSQL runs code when a table is planned, read or written: an
-- index predicate and an index expression and a statistics expression (the
-- planner folds their immutable calls), row and statement triggers before
-- and after, a column default, a forced row-security policy, a rule, a view
-- in a table's place.  The DBA (a superuser, the extension's owner)
-- attaches, calls every function and detaches; a writer holding the
-- README's grants calls every function with temporary look-alikes and a
-- search_path of its own.  The payload writes down as whom it ran and, if
-- that is a superuser, makes the tables' owner one.  Afterwards it must
-- have run only as the tables' owner, and no role may have gained an
-- attribute or a membership.
--
CREATE EXTENSION workflow_registry;

CREATE ROLE regress_asec_orch;          -- owns orchestrator-core's tables
CREATE ROLE regress_asec_writer;        -- the README's writer
GRANT USAGE ON SCHEMA workflow_registry TO regress_asec_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA workflow_registry TO regress_asec_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA workflow_registry TO regress_asec_writer;

CREATE SCHEMA oc AUTHORIZATION regress_asec_orch;
SET ROLE regress_asec_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
CREATE TABLE oc.processes (pid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                           workflow_id uuid NOT NULL REFERENCES oc.workflows (workflow_id));
CREATE TABLE oc.subscriptions (subscription_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                               product_id uuid NOT NULL REFERENCES oc.products (product_id));

-- Where the payload writes down as whom it ran, and where from.
CREATE TABLE oc.ran (role name, via text);
GRANT INSERT ON oc.ran TO PUBLIC;
CREATE FUNCTION oc.payload(via text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO oc.ran VALUES (current_user, via);
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        EXECUTE 'ALTER ROLE regress_asec_orch SUPERUSER';
        EXECUTE 'GRANT pg_write_server_files TO regress_asec_orch';
    END IF;
    RETURN true;
END $$;
-- what the planner folds: an immutable function that calls the payload
CREATE FUNCTION oc.folded(via text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    PERFORM oc.payload(via);
    RETURN 'x';
END $$;
CREATE FUNCTION oc.payload_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM oc.payload(TG_WHEN || ' ' || TG_LEVEL || ' ' || TG_OP || ' on ' || TG_TABLE_NAME);
    RETURN CASE WHEN TG_LEVEL = 'ROW' AND TG_OP = 'DELETE' THEN OLD
                WHEN TG_LEVEL = 'ROW' THEN NEW END;
END $$;
-- A trigger function without a search_path of its own that reads
-- "subscriptions" unqualified, as orchestrator-core's code would; it must
-- find orchestrator-core's table, never the calling writer's temporary
-- look-alike.
CREATE FUNCTION oc.count_subscriptions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count(*) FROM subscriptions;
    RETURN NULL;
END $$;

-- planted before attach: what attach's classification and guards meet
CREATE INDEX ON oc.products_workflows (product_id) WHERE product_id::text <> oc.folded('index predicate');
CREATE INDEX ON oc.workflows ((name::text || oc.folded('index expression')));
CREATE STATISTICS oc.workflows_stats ON (name::text || oc.folded('statistics expression')), target FROM oc.workflows;
ALTER TABLE oc.products_workflows ADD COLUMN note text DEFAULT oc.folded('column default');
DO $$
DECLARE
    t text;
    w text;
    l text;
BEGIN
    FOREACH t IN ARRAY '{workflows,products,products_workflows}'::text[] LOOP
        FOREACH w IN ARRAY '{BEFORE,AFTER}'::text[] LOOP
            FOREACH l IN ARRAY '{ROW,STATEMENT}'::text[] LOOP
                EXECUTE format('CREATE TRIGGER %I %s INSERT OR UPDATE OR DELETE ON oc.%I FOR EACH %s EXECUTE FUNCTION oc.payload_trigger()',
                               'payload_' || lower(w) || '_' || lower(l), w, t, l);
            END LOOP;
        END LOOP;
    END LOOP;
END $$;
-- orchestrator-core's own deferred trigger on products (products_refresh_search)
CREATE CONSTRAINT TRIGGER products_refresh_search AFTER UPDATE ON oc.products
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION oc.payload_trigger();

INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active');
INSERT INTO oc.workflows (name, target, description) VALUES
    ('create_user_group', 'CREATE', 'Create user group'),
    ('two_types', 'MODIFY', 'Users and groups');
INSERT INTO oc.products_workflows (product_id, workflow_id)
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE (w.name = 'create_user_group' AND p.product_type = 'UserGroup') OR w.name = 'two_types';
ANALYZE oc.workflows;
CREATE TRIGGER count_subscriptions AFTER INSERT OR DELETE ON oc.products_workflows
FOR EACH STATEMENT EXECUTE FUNCTION oc.count_subscriptions();
-- what ran while the tables' owner set them up is of no interest
TRUNCATE oc.ran;

-- What orchestrator-core's API offers.  Every read of these tables runs
-- the payload (the statistics expression), so this one runs as the
-- tables' owner, and so do the test's own reads and writes below: a
-- superuser who reads them directly is the CVE-2022-1552 victim.
CREATE FUNCTION oc.offered() RETURNS TABLE (workflow text, products text)
LANGUAGE sql SECURITY DEFINER SET search_path = oc, pg_catalog AS $$
    SELECT w.name, string_agg(p.name, ', ' ORDER BY p.name)
    FROM oc.workflows AS w
    LEFT JOIN oc.products_workflows AS pw ON pw.workflow_id = w.workflow_id
    LEFT JOIN oc.products AS p ON p.product_id = pw.product_id
    WHERE w.deleted_at IS NULL GROUP BY w.name ORDER BY w.name
$$;
RESET ROLE;

-- The payload ran as whom, from where; then forget it.
CREATE FUNCTION public.asec_ran() RETURNS TABLE (role name, via text)
LANGUAGE sql AS $$
    WITH d AS (DELETE FROM oc.ran RETURNING *)
    SELECT DISTINCT d.role, d.via FROM d ORDER BY 1, 2
$$;
-- The roles of this test as they are: attributes and memberships.
CREATE FUNCTION public.asec_roles() RETURNS TABLE (role name, attributes text, member_of text)
LANGUAGE sql AS $$
    SELECT r.rolname,
           concat_ws(',', CASE WHEN r.rolsuper THEN 'superuser' END,
                     CASE WHEN r.rolcreaterole THEN 'createrole' END,
                     CASE WHEN r.rolcreatedb THEN 'createdb' END,
                     CASE WHEN r.rolbypassrls THEN 'bypassrls' END,
                     CASE WHEN r.rolreplication THEN 'replication' END),
           (SELECT string_agg(g.rolname, ',' ORDER BY g.rolname)
            FROM pg_catalog.pg_auth_members AS m JOIN pg_catalog.pg_roles AS g ON g.oid = m.roleid
            WHERE m.member = r.oid)
    FROM pg_catalog.pg_roles AS r WHERE r.rolname LIKE 'regress_asec%' ORDER BY 1
$$;
GRANT EXECUTE ON FUNCTION public.asec_ran(), public.asec_roles() TO regress_asec_writer;
GRANT USAGE ON SCHEMA oc TO regress_asec_writer;

-- The DBA attaches: the classification is planned and run, the guards
-- added and validated, all as the tables' owner.
SELECT * FROM workflow_registry.attach_orchestrator_core('oc', '{}', target_check => true, link_new_products => true);
SELECT * FROM public.asec_ran();
SELECT * FROM public.asec_roles();

-- The DBA calls every function.
SELECT workflow_registry.create_product('{"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL AS registered;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS registered;
SELECT workflow_registry.create_task('{"name": "task_clean_up", "description": "Clean up"}') IS NOT NULL AS registered;
SELECT name FROM workflow_registry.create_workflows('[{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}]');
SELECT workflow_registry.apply_migration('asec-1', 'DBA', '[{"update_workflow": {"name": "create_user", "description": "Create a user"}}, {"create_workflow": {"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}}]');
SELECT workflow_registry.revert_migration('asec-1');
SELECT count(*) AS plan_rows FROM workflow_registry.plan('{"workflows": [{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}]}');
SELECT count(*) AS sync_rows FROM workflow_registry.sync('{"workflows": [{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}]}', 'asec-sync');
SELECT count(*) AS check_rows FROM workflow_registry."check"('[{"name": "create_user", "target": "CREATE", "description": "Create user"}]');
SELECT workflow_registry.delete_workflow('modify_user');
SELECT workflow_registry.delete_product('User external');
SELECT * FROM public.asec_ran();
SELECT * FROM public.asec_roles();
SELECT * FROM oc.offered();

-- The writer, with temporary look-alikes of orchestrator-core's tables and
-- of pg_catalog's functions, and its own search_path.
SET ROLE regress_asec_writer;
CREATE FUNCTION pg_temp.writer_payload() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO oc.ran VALUES (current_user, 'writer''s temporary look-alike');
    RETURN true;
END $$;
CREATE TEMP VIEW subscriptions AS SELECT NULL::uuid AS subscription_id WHERE pg_temp.writer_payload();
CREATE TEMP VIEW workflows AS SELECT NULL::uuid AS workflow_id WHERE pg_temp.writer_payload();
CREATE TEMP VIEW products AS SELECT NULL::uuid AS product_id WHERE pg_temp.writer_payload();
CREATE TEMP VIEW products_workflows AS SELECT NULL::uuid AS product_id WHERE pg_temp.writer_payload();
CREATE FUNCTION pg_temp.count(anyelement) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint WHERE pg_temp.writer_payload()';
SET search_path = pg_temp, oc, public;
SELECT workflow_registry.create_product('{"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL AS registered;
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}') IS NOT NULL AS registered;
SELECT workflow_registry.create_task('{"name": "task_writer", "description": "Writer''s task"}') IS NOT NULL AS registered;
SELECT name FROM workflow_registry.create_workflows('[{"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}]');
SELECT workflow_registry.apply_migration('asec-2', 'writer', '[{"update_workflow": {"name": "create_user", "description": "Create a user"}}, {"delete_workflow": "task_writer"}]');
SELECT workflow_registry.revert_migration('asec-2');
SELECT count(*) AS plan_rows FROM workflow_registry.plan('{"workflows": []}', allow_delete => true);
SELECT count(*) AS check_rows FROM workflow_registry."check"('[{"name": "create_user", "target": "CREATE", "description": "Create user"}]');
SELECT workflow_registry.delete_workflow('terminate_user');
SELECT workflow_registry.delete_product('User external');
RESET search_path;
RESET ROLE;
SELECT * FROM public.asec_ran();
SELECT * FROM public.asec_roles();
SELECT * FROM oc.offered();

-- A writer changes only what the registry manages: "two_types", which
-- attach left to orchestrator-core, keeps its description and links.
SET ROLE regress_asec_writer;
SELECT workflow_registry.apply_migration('asec-3', 'take over', '[{"update_workflow": {"name": "two_types", "description": "Taken over"}}]');
RESET ROLE;
SET ROLE regress_asec_orch;
SELECT description FROM oc.workflows WHERE name = 'two_types';
RESET ROLE;
SELECT count(*) AS migrations FROM workflow_registry.migrations WHERE version = 'asec-3';
DELETE FROM oc.ran;

-- Planted after attach, where attach would have refused them: a forced
-- row-security policy, a rule.
SET ROLE regress_asec_orch;
ALTER TABLE oc.products ENABLE ROW LEVEL SECURITY;
ALTER TABLE oc.products FORCE ROW LEVEL SECURITY;
CREATE POLICY payload ON oc.products USING (oc.payload('policy'));
CREATE RULE payload AS ON UPDATE TO oc.workflows DO ALSO SELECT oc.payload('rule');
RESET ROLE;
SELECT workflow_registry.create_product('{"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL AS registered;
SELECT workflow_registry.delete_product('User external');
-- a workflow that has run is soft-deleted: an UPDATE, which the rule
-- stops (PostgreSQL's error; nothing is written)
SET ROLE regress_asec_orch;
INSERT INTO oc.processes (workflow_id) SELECT workflow_id FROM oc.workflows WHERE name = 'modify_user';
SET ROLE regress_asec_writer;
\set VERBOSITY terse
SELECT workflow_registry.delete_workflow('modify_user');
\set VERBOSITY default
RESET ROLE;
SELECT * FROM public.asec_ran();
SET ROLE regress_asec_orch;
DROP POLICY payload ON oc.products;
ALTER TABLE oc.products NO FORCE ROW LEVEL SECURITY;
ALTER TABLE oc.products DISABLE ROW LEVEL SECURITY;
DROP RULE payload ON oc.workflows;

-- A view in place of a table: the tables' owner renames products_workflows
-- and puts a view of its own there.
ALTER TABLE oc.products_workflows RENAME TO products_workflows_t;
CREATE VIEW oc.products_workflows AS
    SELECT product_id, workflow_id FROM oc.products_workflows_t WHERE oc.payload('view');
RESET ROLE;
SELECT workflow_registry.create_workflow('{"name": "create_user_external", "target": "CREATE", "description": "Create external user", "product_type": "User", "product_tag": "USER_INT"}') IS NOT NULL AS registered;
SELECT * FROM public.asec_ran();
SET ROLE regress_asec_orch;
DROP VIEW oc.products_workflows;
ALTER TABLE oc.products_workflows_t RENAME TO products_workflows;
RESET ROLE;

-- A BEFORE row trigger that returns NULL suppresses the row: a clear
-- error naming the trigger and its table, never a retry loop (the timeout
-- is a safety net, not the expected outcome).
SELECT workflow_registry.apply_migration('asec-4', 'create', '[{"create_workflow": {"name": "to_revert", "target": "MODIFY", "description": "To revert", "product_type": "User"}}]');
SELECT workflow_registry.apply_migration('asec-5', 'delete', '[{"delete_workflow": "task_clean_up"}]');
SET ROLE regress_asec_orch;
CREATE FUNCTION oc.suppress() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
CREATE TRIGGER suppress BEFORE INSERT OR UPDATE OR DELETE ON oc.workflows
FOR EACH ROW EXECUTE FUNCTION oc.suppress();
CREATE TRIGGER suppress BEFORE INSERT OR DELETE ON oc.products
FOR EACH ROW EXECUTE FUNCTION oc.suppress();
RESET ROLE;
SET statement_timeout = '20s';
SELECT workflow_registry.create_workflow('{"name": "suppressed", "target": "CREATE", "description": "Suppressed", "product_type": "User"}');
SELECT workflow_registry.create_product('{"name": "Suppressed", "description": "Suppressed", "product_type": "User", "tag": "USER_EXT"}');
SELECT * FROM workflow_registry.create_workflows('[{"name": "suppressed", "target": "CREATE", "description": "Suppressed", "product_type": "User"}]');
SELECT workflow_registry.apply_migration('asec-suppressed', 'suppressed', '[{"create_workflow": {"name": "suppressed", "target": "CREATE", "description": "Suppressed", "product_type": "User"}}]');
-- a workflow that never ran is deleted (a DELETE), one that has run is
-- soft-deleted (an UPDATE): both suppressed
SELECT workflow_registry.delete_workflow('create_user_external');
SET ROLE regress_asec_orch;
INSERT INTO oc.processes (workflow_id) SELECT workflow_id FROM oc.workflows WHERE name = 'create_user';
RESET ROLE;
SELECT workflow_registry.delete_workflow('create_user');
SELECT workflow_registry.delete_product('User internal');
-- reverts: the restore of a deleted row, the delete of a created one
SELECT workflow_registry.revert_migration('asec-5');
SELECT workflow_registry.revert_migration('asec-4');
RESET statement_timeout;
SET ROLE regress_asec_orch;
DROP TRIGGER suppress ON oc.workflows;
DROP TRIGGER suppress ON oc.products;
RESET ROLE;

-- A deferred trigger of the tables' owner on a table the extension writes
-- cannot be queued inside the security-restricted operation: PostgreSQL's
-- error, and nothing is written.  orchestrator-core's own deferred trigger
-- on products fires on UPDATE, which the extension never runs.
SET ROLE regress_asec_orch;
CREATE CONSTRAINT TRIGGER deferred_links AFTER INSERT ON oc.products_workflows
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION oc.payload_trigger();
RESET ROLE;
\set VERBOSITY terse
SELECT workflow_registry.create_workflow('{"name": "deferred", "target": "CREATE", "description": "Deferred", "product_type": "User"}');
\set VERBOSITY default
SET ROLE regress_asec_orch;
SELECT count(*) AS deferred_registered FROM oc.workflows WHERE name = 'deferred';
DROP TRIGGER deferred_links ON oc.products_workflows;
RESET ROLE;

-- The DBA detaches: the guards are dropped as the tables' owner.
SELECT workflow_registry.detach_orchestrator_core();
SELECT * FROM public.asec_ran();
SELECT * FROM public.asec_roles();
SELECT pg_catalog.has_function_privilege('regress_asec_orch', 'workflow_registry.link_new_product()', 'EXECUTE') AS orch_may_execute_trigger;

DROP FUNCTION public.asec_ran(), public.asec_roles();
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP OWNED BY regress_asec_writer;
DROP ROLE regress_asec_writer, regress_asec_orch;
