--
-- create_workflows() on a registry attached to orchestrator-core's tables
-- (test/orchestrator-core/schema.sql, set up as sql/attach.sql does):
-- the same passes, locks and errors as on the extension's own tables.
--
CREATE EXTENSION workflow_registry;

CREATE ROLE regress_bulk_orch;          -- owns orchestrator-core's tables
CREATE ROLE regress_bulk_writer;        -- the README's writer: nothing on oc
GRANT USAGE ON SCHEMA workflow_registry TO regress_bulk_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA workflow_registry TO regress_bulk_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA workflow_registry TO regress_bulk_writer;

CREATE SCHEMA oc AUTHORIZATION regress_bulk_orch;
SET ROLE regress_bulk_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
CREATE TABLE oc.processes (pid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                           workflow_id uuid NOT NULL REFERENCES oc.workflows (workflow_id));
-- a trigger of orchestrator-core's role on its links: as whom does it run?
CREATE FUNCTION oc.links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'orchestrator-core''s trigger ran as %', current_user;
    RETURN NULL;
END $$;
CREATE TRIGGER links_changed AFTER INSERT ON oc.products_workflows
FOR EACH STATEMENT EXECUTE FUNCTION oc.links_changed();

-- what orchestrator-core's own migrations leave: products, the default
-- workflow modify_note, a task, a workflow that attach records with its
-- product type and tag, and one that the registry leaves alone (linked to
-- products of two types)
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active'),
    ('User external', 'External user', 'User', 'USER_EXT', 'active');
INSERT INTO oc.workflows VALUES (gen_random_uuid(), 'modify_note', 'MODIFY', 'Modify Note', now());
INSERT INTO oc.workflows (name, target, description, is_task) VALUES
    ('task_validate_products', 'SYSTEM', 'Validate products', true);
INSERT INTO oc.workflows (name, target, description) VALUES
    ('modify_user_internal', 'MODIFY', 'Modify internal user'),
    ('two_types', 'MODIFY', 'Users and groups');
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE w.name = 'modify_note' OR (w.name = 'modify_user_internal' AND p.tag = 'USER_INT')
   OR (w.name = 'two_types' AND p.name IN ('User internal', 'User Group'));
RESET ROLE;

SELECT * FROM workflow_registry.attach_orchestrator_core('oc') ORDER BY kind, name;

-- Everything the registry keeps, for "nothing was written": core's three
-- tables and the extension's record of product types beside them.
CREATE FUNCTION pg_temp.core_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.md5(pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.products_workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.attached_workflows AS t)))
$$;
-- each workflow as orchestrator-core's API offers it, with what the
-- registry records of it
CREATE FUNCTION pg_temp.offered() RETURNS TABLE (workflow text, target text, is_task boolean,
    product_type text, product_tag text, is_default boolean, products text)
LANGUAGE sql AS $$
    SELECT w.name, w.target, w.is_task, m.product_type, m.product_tag, m.is_default,
           pg_catalog.string_agg(p.name, ', ' ORDER BY p.name)
    FROM oc.workflows AS w
    LEFT JOIN workflow_registry.attached_workflows AS m USING (workflow_id)
    LEFT JOIN oc.products_workflows AS pw USING (workflow_id)
    LEFT JOIN oc.products AS p USING (product_id)
    WHERE w.deleted_at IS NULL AND w.name NOT LIKE 'bulk\_%'
    GROUP BY w.name, w.target, w.is_task, m.product_type, m.product_tag, m.is_default
    ORDER BY w.name
$$;
CREATE TABLE public.returned (call text, name text, workflow_id uuid, n bigint);
GRANT INSERT ON public.returned TO regress_bulk_writer;

-- The seed's six workflows in one call, by the writer, who has no rights
-- on orchestrator-core's tables: the statements run as their owner, and so
-- does orchestrator-core's trigger (once, for the one statement).
SET ROLE regress_bulk_writer;
SELECT pg_catalog.count(*) FROM oc.workflows;
INSERT INTO public.returned
SELECT 'seed', c.* FROM workflow_registry.create_workflows('[
    {"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"},
    {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"},
    {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"},
    {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"},
    {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"},
    {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}
]') WITH ORDINALITY AS c(name, workflow_id, n);
RESET ROLE;
-- one row per item in array order, with the id stored in core's table;
-- 6 workflows and 9 links beside core's own rows, which are as they were
SELECT r.n, r.name, r.workflow_id OPERATOR(pg_catalog.=) w.workflow_id AS same_id
FROM public.returned AS r LEFT JOIN oc.workflows AS w USING (name)
WHERE r.call = 'seed' ORDER BY r.n;
SELECT (SELECT pg_catalog.count(*) FROM oc.workflows AS w JOIN public.returned USING (workflow_id)) AS workflows,
       (SELECT pg_catalog.count(*) FROM oc.products_workflows JOIN public.returned USING (workflow_id)) AS links,
       (SELECT pg_catalog.count(*) FROM workflow_registry.attached_workflows JOIN public.returned USING (workflow_id)) AS recorded,
       (SELECT pg_catalog.count(*) FROM oc.workflows) AS core_workflows,
       (SELECT pg_catalog.count(*) FROM oc.products_workflows) AS core_links;
SELECT * FROM pg_temp.offered();

-- Again, with a repeat inside the array and a workflow of core's own as
-- attach recorded it: the same ids back, nothing written, not even a
-- statement that fires orchestrator-core's trigger.  Compare with core's
-- table as the writer cannot.
SELECT pg_temp.core_rows() AS before \gset
SET ROLE regress_bulk_writer;
INSERT INTO public.returned
SELECT 'again', c.* FROM workflow_registry.create_workflows('[
    {"name": "create_user",            "target": "CREATE", "description": "Create user",       "product_type": "User"},
    {"name": "modify_user_internal",   "target": "MODIFY", "description": "Modify internal user", "product_type": "User", "product_tag": "USER_INT"},
    {"name": "create_user_group",      "target": "CREATE", "description": "Create user group", "product_type": "UserGroup"},
    {"name": "create_user",            "target": "CREATE", "description": "Create user",       "product_type": "User"}
]') WITH ORDINALITY AS c(name, workflow_id, n);
RESET ROLE;
SELECT a.n, a.name, a.workflow_id OPERATOR(pg_catalog.=) w.workflow_id AS same_id,
       a.workflow_id OPERATOR(pg_catalog.=) s.workflow_id AS same_as_seed
FROM public.returned AS a
JOIN oc.workflows AS w USING (name)
LEFT JOIN public.returned AS s ON s.call = 'seed' AND s.name = a.name
WHERE a.call = 'again' ORDER BY a.n;
SELECT pg_temp.core_rows() OPERATOR(pg_catalog.=) :'before' AS unchanged;

-- Errors name the item, as on the extension's own tables, and nothing is
-- written, not even the good item before it: a different definition of a
-- registered name, of a name orchestrator-core registered with no product
-- type, a product type with no products, a tag no product of the type has.
SET ROLE regress_bulk_writer;
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "create_user", "target": "CREATE", "description": "Create a user", "product_type": "User"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "two_types", "target": "MODIFY", "description": "Users and groups", "product_type": "User"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "wf_b", "target": "CREATE", "description": "B", "product_type": "Device"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "wf_b", "target": "CREATE", "description": "B", "product_type": "User", "product_tag": "GROUP"}]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT pg_temp.core_rows() OPERATOR(pg_catalog.=) :'before' AS unchanged;

-- A soft-deleted name: create_user has run, so delete_workflow() keeps
-- its row with deleted_at set and no links.  Registered again in a
-- create_workflows() call, with a new definition, the same row comes back
-- (its process keeps its workflow) with that definition and its links,
-- and the call returns its id; a repeat finds it registered and writes
-- nothing.
INSERT INTO oc.processes (workflow_id) SELECT workflow_id FROM oc.workflows WHERE name = 'create_user';
SET ROLE regress_bulk_writer;
SELECT workflow_registry.delete_workflow('create_user');
RESET ROLE;
SELECT w.deleted_at IS NOT NULL AS soft_deleted,
       (SELECT pg_catalog.count(*) FROM oc.products_workflows AS pw WHERE pw.workflow_id = w.workflow_id) AS links,
       (SELECT pg_catalog.count(*) FROM workflow_registry.attached_workflows AS m WHERE m.workflow_id = w.workflow_id) AS recorded
FROM oc.workflows AS w WHERE w.name = 'create_user';
SET ROLE regress_bulk_writer;
INSERT INTO public.returned
SELECT 'revive', c.* FROM workflow_registry.create_workflows('[
    {"name": "validate_user", "target": "VALIDATE", "description": "Validate user",          "product_type": "User", "is_task": true},
    {"name": "create_user",   "target": "CREATE",   "description": "Create an internal user", "product_type": "User", "product_tag": "USER_INT"}
]') WITH ORDINALITY AS c(name, workflow_id, n);
RESET ROLE;
SELECT pg_temp.core_rows() AS before \gset
SET ROLE regress_bulk_writer;
INSERT INTO public.returned
SELECT 'revive again', c.* FROM workflow_registry.create_workflows('[
    {"name": "create_user",   "target": "CREATE",   "description": "Create an internal user", "product_type": "User", "product_tag": "USER_INT"}
]') WITH ORDINALITY AS c(name, workflow_id, n);
RESET ROLE;
SELECT pg_temp.core_rows() OPERATOR(pg_catalog.=) :'before' AS unchanged;
SELECT r.call, r.n, r.name, r.workflow_id OPERATOR(pg_catalog.=) w.workflow_id AS same_id,
       r.workflow_id OPERATOR(pg_catalog.=) pr.workflow_id AS same_row_as_process
FROM public.returned AS r
JOIN oc.workflows AS w USING (name)
LEFT JOIN oc.processes AS pr ON pr.workflow_id = w.workflow_id
WHERE r.call LIKE 'revive%' ORDER BY r.call, r.n;
SELECT pg_catalog.count(*) AS create_user_rows FROM oc.workflows WHERE name = 'create_user';
SELECT * FROM pg_temp.offered() WHERE workflow IN ('create_user', 'validate_user');
-- soft-deleted by orchestrator-core itself, which keeps its links and
-- leaves the record of its product type and tag: brought back with the
-- new type and tag recorded and the links of the new definition
SET ROLE regress_bulk_orch;
UPDATE oc.workflows SET deleted_at = now() WHERE name = 'modify_user_internal';
RESET ROLE;
SET ROLE regress_bulk_writer;
SELECT c.name FROM workflow_registry.create_workflows('[
    {"name": "modify_user_internal", "target": "MODIFY", "description": "Modify a user", "product_type": "User"}
]') AS c;
RESET ROLE;
SELECT * FROM pg_temp.offered() WHERE workflow = 'modify_user_internal';

-- Many items, in chunks of 1000: a bad item in the second chunk leaves
-- nothing of the first (whose statement fired the trigger) ...
SELECT pg_temp.core_rows() AS before \gset
SET ROLE regress_bulk_writer;
SELECT pg_catalog.count(*) FROM workflow_registry.create_workflows((
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'name', 'bulk_' || i, 'target', 'CREATE', 'description', 'Bulk ' || i,
        'product_type', CASE WHEN i = 1001 THEN 'Device' ELSE 'User' END) ORDER BY i)
    FROM pg_catalog.generate_series(1, 1001) AS i));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT pg_temp.core_rows() OPERATOR(pg_catalog.=) :'before' AS unchanged;
-- ... and 1001 good ones are all registered, recorded and linked (one
-- trigger call per chunk), with a registered name in the second chunk
SET ROLE regress_bulk_writer;
INSERT INTO public.returned
SELECT 'many', c.* FROM workflow_registry.create_workflows((
    SELECT pg_catalog.jsonb_agg(d ORDER BY i) FROM (
        SELECT i, pg_catalog.jsonb_build_object(
            'name', 'bulk_' || i, 'target', 'CREATE', 'description', 'Bulk ' || i, 'product_type', 'User') AS d
        FROM pg_catalog.generate_series(1, 1001) AS i
        UNION ALL
        SELECT 1002, '{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}') AS items
)) WITH ORDINALITY AS c(name, workflow_id, n);
RESET ROLE;
SELECT pg_catalog.count(*) AS returned,
       pg_catalog.count(*) FILTER (WHERE r.workflow_id OPERATOR(pg_catalog.=) w.workflow_id) AS same_id,
       pg_catalog.bool_and(r.name OPERATOR(pg_catalog.=) ('bulk_' || r.n) OR (r.n = 1002 AND r.name = 'modify_user')) AS in_order,
       (SELECT pg_catalog.count(*) FROM workflow_registry.attached_workflows AS m
        JOIN oc.workflows AS w2 USING (workflow_id)
        WHERE w2.name LIKE 'bulk\_%' AND m.product_type = 'User' AND NOT m.is_default) AS recorded,
       (SELECT pg_catalog.count(*) FROM oc.products_workflows JOIN oc.workflows AS w3 USING (workflow_id)
        WHERE w3.name LIKE 'bulk\_%') AS links
FROM public.returned AS r LEFT JOIN oc.workflows AS w USING (name)
WHERE r.call = 'many';
SELECT r.workflow_id OPERATOR(pg_catalog.=) s.workflow_id AS modify_user_same_as_seed
FROM public.returned AS r JOIN public.returned AS s USING (name)
WHERE r.call = 'many' AND s.call = 'seed';

SELECT workflow_registry.detach_orchestrator_core();
DROP TABLE public.returned;
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP OWNED BY regress_bulk_writer;
DROP ROLE regress_bulk_writer, regress_bulk_orch;
