--
-- apply_migration() and revert_migration() on a registry attached to
-- orchestrator-core's own tables (set up as sql/attach.sql does): the steps
-- write there, the ledger stays the extension's, and a revert gives back
-- orchestrator-core's rows exactly, ids and created_at included.
--
CREATE EXTENSION workflow_registry;

CREATE ROLE regress_migr_orch;          -- owns orchestrator-core's tables
CREATE ROLE regress_migr_writer;        -- the README's writer, nothing more
GRANT USAGE ON SCHEMA workflow_registry TO regress_migr_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA workflow_registry TO regress_migr_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA workflow_registry TO regress_migr_writer;

CREATE SCHEMA oc AUTHORIZATION regress_migr_orch;
SET ROLE regress_migr_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
CREATE TABLE oc.processes (pid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                           workflow_id uuid NOT NULL REFERENCES oc.workflows (workflow_id));
CREATE TABLE oc.subscriptions (subscription_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                               product_id uuid NOT NULL REFERENCES oc.products (product_id));
-- orchestrator-core's own: a default workflow, a task, and a workflow the
-- registry leaves alone (its links span two product types)
INSERT INTO oc.workflows VALUES (gen_random_uuid(), 'modify_note', 'MODIFY', 'Modify Note', now());
INSERT INTO oc.workflows (name, target, description, is_task)
VALUES ('task_validate_products', 'SYSTEM', 'Validate products', true);
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('Core A', 'Core product A', 'CoreA', 'CA', 'active'),
    ('Core B', 'Core product B', 'CoreB', 'CB', 'active');
INSERT INTO oc.workflows (name, target, description) VALUES ('two_types', 'MODIFY', 'Both core products');
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE w.name IN ('two_types', 'modify_note');
RESET ROLE;

-- Every row of orchestrator-core's tables and the extension's records
-- beside them, ids and times included: "exact" means equal to this.
CREATE FUNCTION public.core_rows() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT pg_catalog.format('workflow %s %s %s %s %s %s %s', w.workflow_id, w.name, w.target,
                             w.description, w.created_at, w.deleted_at, w.is_task)
    FROM oc.workflows AS w
    UNION ALL
    SELECT pg_catalog.format('product %s %s %s %s %s %s %s %s', p.product_id, p.name, p.description,
                             p.product_type, p.tag, p.status, p.created_at, p.end_date)
    FROM oc.products AS p
    UNION ALL
    SELECT pg_catalog.format('link %s %s', pw.product_id, pw.workflow_id) FROM oc.products_workflows AS pw
    UNION ALL
    SELECT pg_catalog.format('attached %s %s %s %s', m.workflow_id, m.product_type, m.product_tag, m.is_default)
    FROM workflow_registry.attached_workflows AS m
$$;
-- the rows that differ from a snapshot: none when a revert was exact
CREATE FUNCTION public.differences(snapshot text) RETURNS TABLE (side text, row_text text)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE pg_catalog.format(
        '(SELECT ''now'', r FROM public.core_rows() AS r EXCEPT SELECT ''now'', s.r FROM %1$I AS s)'
        ' UNION ALL (SELECT ''was'', s.r FROM %1$I AS s EXCEPT SELECT ''was'', r FROM public.core_rows() AS r)'
        ' ORDER BY 1, 2', snapshot);
END $$;
-- The test's own views of the tables run as the test's superuser, so that
-- the writer keeps the README's grants and nothing more.
-- What orchestrator-core's API offers: each live workflow and its products.
CREATE FUNCTION public.offered() RETURNS TABLE (workflow text, target text, products text)
LANGUAGE sql SECURITY DEFINER AS $$
    SELECT w.name, w.target, pg_catalog.string_agg(p.name, ', ' ORDER BY p.name)
    FROM oc.workflows AS w
    LEFT JOIN oc.products_workflows AS pw ON pw.workflow_id = w.workflow_id
    LEFT JOIN oc.products AS p ON p.product_id = pw.product_id
    WHERE w.deleted_at IS NULL
    GROUP BY w.name, w.target ORDER BY w.name
$$;
-- the undo entries of a migration, in short
CREATE FUNCTION public.undo_of(v text) RETURNS TABLE (op text, name text, product_type text,
                                                       soft_deleted boolean, attached text,
                                                       links integer, schema_name text)
LANGUAGE sql SECURITY DEFINER AS $$
    SELECT e->>'op', e->>'name', COALESCE(e->>'product_type', e->'row'->>'product_type'),
           (SELECT w.deleted_at IS NOT NULL FROM oc.workflows AS w
            WHERE w.workflow_id = (e->'row'->>'workflow_id')::uuid),
           CASE WHEN pg_catalog.jsonb_typeof(e->'attached') = 'object'
                THEN ((e->'attached') - 'workflow_id')::text END,
           pg_catalog.jsonb_array_length(e->'links'), e->>'schema'
    FROM workflow_registry.migrations AS m, pg_catalog.jsonb_array_elements(m.undo) WITH ORDINALITY AS u(e, n)
    WHERE m.version = v AND m.reverted_at IS NULL ORDER BY u.n
$$;
-- the state of some workflows in orchestrator-core's table
CREATE FUNCTION public.workflow_state(names text[])
RETURNS TABLE (name text, soft_deleted boolean, processes bigint, links bigint, managed boolean,
               product_type text, product_tag text, is_default boolean)
LANGUAGE sql SECURITY DEFINER AS $$
    SELECT w.name, w.deleted_at IS NOT NULL,
           (SELECT pg_catalog.count(*) FROM oc.processes AS pr WHERE pr.workflow_id = w.workflow_id),
           (SELECT pg_catalog.count(*) FROM oc.products_workflows AS pw WHERE pw.workflow_id = w.workflow_id),
           m.workflow_id IS NOT NULL, m.product_type, m.product_tag, m.is_default
    FROM oc.workflows AS w LEFT JOIN workflow_registry.attached_workflows AS m USING (workflow_id)
    WHERE w.name = ANY (names) ORDER BY w.name
$$;

-- a migration applied to the extension's own tables, whose product is
-- deleted again so that the registry may attach
SELECT workflow_registry.apply_migration('own', 'On the own tables',
    '[{"create_product": {"name": "Own", "description": "Own", "product_type": "Own", "tag": "OWN"}}]');
SELECT workflow_registry.delete_product('Own');

SELECT kind, name, action FROM workflow_registry.attach_orchestrator_core('oc', target_check => true, link_new_products => true) ORDER BY kind, name;
-- its entries cannot run on orchestrator-core's tables
SET ROLE regress_migr_writer;
SELECT workflow_registry.revert_migration('own');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- The seed as one migration, by the writer
CREATE TEMP TABLE before_seed AS SELECT * FROM public.core_rows() AS r;
SET ROLE regress_migr_writer;
SELECT workflow_registry.apply_migration('seed', 'Add User and UserGroup workflows',
    '[{"create_product": {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}},
      {"create_product": {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"}},
      {"create_product": {"name": "User external", "description": "External user",  "product_type": "User",      "tag": "USER_EXT"}},
      {"create_workflow": {"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"}},
      {"create_workflow": {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"}},
      {"create_workflow": {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"}},
      {"create_workflow": {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"}},
      {"create_workflow": {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"}},
      {"create_workflow": {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}}]',
    requires => '{1.3}');
-- orchestrator-core sees the 6 workflows and their 9 links (and its
-- default workflow linked to the new products)
RESET ROLE;
SELECT (SELECT pg_catalog.count(*) FROM oc.workflows AS w JOIN workflow_registry.attached_workflows AS m
        USING (workflow_id) WHERE m.product_type IN ('User', 'UserGroup')) AS workflows,
       (SELECT pg_catalog.count(*) FROM oc.products_workflows AS pw
        JOIN workflow_registry.attached_workflows AS m USING (workflow_id)
        WHERE m.product_type IN ('User', 'UserGroup')) AS links;
SET ROLE regress_migr_writer;
SELECT * FROM public.offered();
-- the ledger is the extension's: what the writer applied, with undo entries
-- that name the attached schema
SELECT version, kind, state, requires, applied_by FROM workflow_registry.migration_history
WHERE kind = 'data' ORDER BY rank;
SELECT op, pg_catalog.count(*), pg_catalog.min(schema_name) AS schema_name
FROM public.undo_of('seed') GROUP BY op ORDER BY op;
SELECT workflow_registry.apply_migration('seed', 'Add User and UserGroup workflows',
    '[{"create_product": {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}},
      {"create_product": {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"}},
      {"create_product": {"name": "User external", "description": "External user",  "product_type": "User",      "tag": "USER_EXT"}},
      {"create_workflow": {"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"}},
      {"create_workflow": {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"}},
      {"create_workflow": {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"}},
      {"create_workflow": {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"}},
      {"create_workflow": {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"}},
      {"create_workflow": {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}}]',
    requires => '{1.3}');
-- the revert gives back orchestrator-core's tables exactly
SELECT workflow_registry.revert_migration('seed');
RESET ROLE;
SELECT * FROM public.differences('before_seed');
SELECT version, state FROM workflow_registry.migration_history WHERE kind = 'data' ORDER BY rank;

-- Applied again (a new ledger row); then a workflow runs
SET ROLE regress_migr_writer;
SELECT workflow_registry.apply_migration('seed', 'Add User and UserGroup workflows',
    '[{"create_product": {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}},
      {"create_product": {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"}},
      {"create_product": {"name": "User external", "description": "External user",  "product_type": "User",      "tag": "USER_EXT"}},
      {"create_workflow": {"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"}},
      {"create_workflow": {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"}},
      {"create_workflow": {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"}},
      {"create_workflow": {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"}},
      {"create_workflow": {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"}},
      {"create_workflow": {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}}]',
    requires => '{1.3}');
RESET ROLE;
INSERT INTO oc.processes (workflow_id) SELECT workflow_id FROM oc.workflows WHERE name = 'create_user';

-- Delete steps: a workflow that has run (soft-deleted), one that has not
-- (deleted), the default workflow, the one the registry leaves alone, and
-- a product; the revert gives all of them back
CREATE TEMP TABLE before_delete AS SELECT * FROM public.core_rows() AS r;
SET ROLE regress_migr_writer;
SELECT workflow_registry.apply_migration('deletes', 'Retire some workflows',
    '[{"delete_workflow": "create_user"}, {"delete_workflow": "modify_user"},
      {"delete_workflow": "modify_note"}, {"delete_workflow": "two_types"},
      {"delete_product": "User external"}]', '{seed}');
SELECT * FROM public.undo_of('deletes');
SELECT * FROM public.workflow_state('{create_user,modify_user,modify_note,two_types}');
SELECT * FROM public.offered();
SELECT workflow_registry.revert_migration('deletes');
RESET ROLE;
SELECT * FROM public.differences('before_delete');

-- update_workflow steps, and their revert
CREATE TEMP TABLE before_update AS SELECT * FROM public.core_rows() AS r;
SET ROLE regress_migr_writer;
SELECT workflow_registry.apply_migration('updates', 'Change some workflows',
    '[{"update_workflow": {"name": "modify_user", "description": "Modify an external user", "product_tag": "USER_EXT"}},
      {"update_workflow": {"name": "terminate_user", "product_type": "UserGroup", "target": "MODIFY"}},
      {"update_workflow": {"name": "create_user", "description": "Create user"}},
      {"update_workflow": {"name": "task_validate_products", "description": "Validate every product"}}]', '{seed}');
SELECT * FROM public.undo_of('updates');
SELECT * FROM public.workflow_state('{modify_user,terminate_user,task_validate_products}');
SELECT * FROM public.offered();
-- a soft-deleted workflow is not registered: it cannot be updated
SELECT workflow_registry.apply_migration('update_deleted', 'Change a deleted one',
    '[{"delete_workflow": "create_user"}, {"update_workflow": {"name": "create_user", "description": "Gone"}}]');
SELECT workflow_registry.revert_migration('updates');
RESET ROLE;
SELECT * FROM public.differences('before_update');

-- A failing step leaves orchestrator-core's tables and the ledger as they were
CREATE TEMP TABLE before_failure AS SELECT * FROM public.core_rows() AS r;
SELECT pg_catalog.count(*) AS ledger_rows FROM workflow_registry.migrations \gset
SET ROLE regress_migr_writer;
SELECT workflow_registry.apply_migration('fails', 'Fails at the last step',
    '[{"create_workflow": {"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User"}},
      {"delete_workflow": "modify_user_group"}, {"update_workflow": {"name": "create_user_group", "description": "New"}},
      {"create_product": {"name": "Device", "description": "Device", "product_type": "Device", "tag": "DEV"}},
      {"create_workflow": {"name": "create_router", "target": "CREATE", "description": "Create router", "product_type": "Router"}}]');
-- and so does a delete_product step of a product with subscriptions
RESET ROLE;
INSERT INTO oc.subscriptions (product_id) SELECT product_id FROM oc.products WHERE name = 'User internal';
CREATE TEMP TABLE before_subscribed AS SELECT * FROM public.core_rows() AS r;
SET ROLE regress_migr_writer;
SELECT workflow_registry.apply_migration('fails', 'Deletes a subscribed product',
    '[{"delete_workflow": "modify_user_group"}, {"delete_product": "User internal"}]');
RESET ROLE;
SELECT * FROM public.differences('before_subscribed');
DELETE FROM oc.subscriptions;
SELECT * FROM public.differences('before_failure');
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.=) :ledger_rows AS ledger_unchanged FROM workflow_registry.migrations;

-- requires and ordering, as on the extension's own tables
SET ROLE regress_migr_writer;
SELECT workflow_registry.apply_migration('second', 'Needs first',
    '[{"create_task": {"name": "task_clean_up", "description": "Clean up"}}]', '{first}');
SELECT workflow_registry.apply_migration('first', 'Comes first',
    '[{"create_product": {"name": "Router", "description": "Router", "product_type": "Router", "tag": "RTR"}}]', '{seed,1.8}');
SELECT workflow_registry.apply_migration('second', 'Needs first',
    '[{"create_task": {"name": "task_clean_up", "description": "Clean up"}}]', '{first}');
SELECT workflow_registry.revert_migration('first');
-- and a later migration that changed the same product type
SELECT workflow_registry.apply_migration('third', 'Router workflows',
    '[{"create_workflow": {"name": "create_router", "target": "CREATE", "description": "Create router", "product_type": "Router"}}]');
SELECT workflow_registry.revert_migration('second');
SELECT workflow_registry.revert_migration('first');
SELECT workflow_registry.revert_migration('third');
SELECT workflow_registry.revert_migration('first');
SELECT version, state FROM workflow_registry.migration_history
WHERE version IN ('first', 'second', 'third') ORDER BY rank;

-- The undo of a create cannot delete a workflow that has run since: it is
-- soft-deleted, as delete_workflow() does, and so no longer registered;
-- applied again, the migration brings the same row back
SELECT workflow_registry.apply_migration('routers', 'Router product and workflow',
    '[{"create_product": {"name": "Router", "description": "Router", "product_type": "Router", "tag": "RTR"}},
      {"create_workflow": {"name": "create_router", "target": "CREATE", "description": "Create router", "product_type": "Router"}}]');
RESET ROLE;
INSERT INTO oc.processes (workflow_id) SELECT workflow_id FROM oc.workflows WHERE name = 'create_router';
SELECT workflow_id AS router_workflow FROM oc.workflows WHERE name = 'create_router' \gset
SET ROLE regress_migr_writer;
SELECT workflow_registry.revert_migration('routers');
SELECT * FROM public.workflow_state('{create_router}');
SELECT * FROM public.offered() WHERE workflow = 'create_router' OR products LIKE '%Router%';
SELECT workflow_registry.delete_workflow('create_router');
SELECT workflow_registry.apply_migration('routers', 'Router product and workflow',
    '[{"create_product": {"name": "Router", "description": "Router", "product_type": "Router", "tag": "RTR"}},
      {"create_workflow": {"name": "create_router", "target": "CREATE", "description": "Create router", "product_type": "Router"}}]');
RESET ROLE;
SELECT workflow_id = :'router_workflow' AS same_row, deleted_at IS NULL AS live
FROM oc.workflows WHERE name = 'create_router';
SET ROLE regress_migr_writer;
SELECT * FROM public.offered() WHERE workflow = 'create_router';

-- A product it created that orchestrator-core has given subscriptions
-- since cannot go: a clear error, not the foreign key's
RESET ROLE;
INSERT INTO oc.subscriptions (product_id) SELECT product_id FROM oc.products WHERE name = 'Router';
SET ROLE regress_migr_writer;
SELECT workflow_registry.revert_migration('routers');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
DELETE FROM oc.subscriptions;
SET ROLE regress_migr_writer;
SELECT workflow_registry.revert_migration('routers');

-- Drift (55000): the registry changed outside the migrations since
SELECT workflow_registry.apply_migration('drift_create', 'A workflow deleted since',
    '[{"create_workflow": {"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User"}}]');
SELECT workflow_registry.delete_workflow('validate_user');
SELECT workflow_registry.revert_migration('drift_create');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('drift_delete', 'A workflow registered again since',
    '[{"delete_workflow": "terminate_user_group"}]');
SELECT workflow_registry.create_workflow('{"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"}') IS NOT NULL AS registered;
SELECT workflow_registry.revert_migration('drift_delete');
SELECT workflow_registry.apply_migration('drift_revived', 'A soft-deleted workflow brought back since',
    '[{"delete_workflow": "create_user"}]', '{seed}');
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS registered;
SELECT workflow_registry.revert_migration('drift_revived');
SELECT workflow_registry.apply_migration('drift_links', 'A product of the type added since',
    '[{"delete_workflow": "modify_user_group"}]');
SELECT workflow_registry.create_product('{"name": "User Group 2", "description": "More users", "product_type": "UserGroup", "tag": "GROUP"}') IS NOT NULL AS registered;
SELECT workflow_registry.revert_migration('drift_links');
SELECT workflow_registry.apply_migration('drift_update', 'A workflow deleted after its update',
    '[{"update_workflow": {"name": "modify_user", "description": "Modify a user"}}]');
SELECT workflow_registry.delete_workflow('modify_user');
SELECT workflow_registry.revert_migration('drift_update');

-- The attachment's own migration is the extension owner's to revert: it
-- detaches
SELECT workflow_registry.revert_migration('attach-oc-1');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT workflow_registry.revert_migration('attach-oc-1');
SELECT pg_catalog.count(*) AS attachments FROM workflow_registry.attachment;
-- detached, the entries written on orchestrator-core's tables cannot run on
-- the extension's own
SET ROLE regress_migr_writer;
SELECT workflow_registry.revert_migration('drift_links');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
-- nor on those of another schema
CREATE SCHEMA oc2 AUTHORIZATION regress_migr_orch;
SET ROLE regress_migr_orch;
SET search_path = oc2;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
RESET ROLE;
SELECT kind, name, action FROM workflow_registry.attach_orchestrator_core('oc2', target_check => true, link_new_products => true);
SET ROLE regress_migr_writer;
SELECT workflow_registry.revert_migration('drift_links');
RESET ROLE;
SELECT workflow_registry.detach_orchestrator_core();
DROP SCHEMA oc2 CASCADE;

DROP FUNCTION public.core_rows(), public.differences(text), public.offered(), public.undo_of(text),
    public.workflow_state(text[]);
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP OWNED BY regress_migr_writer;
DROP ROLE regress_migr_writer, regress_migr_orch;
