--
-- A caller-chosen workflow id (1.11): create_workflow() and
-- create_workflows() take "workflow_id", as orchestrator-core's
-- create_workflows() helper does; a migration step and a manifest entry do
-- not.  Every error names the item and writes nothing.  First on the
-- extension's own tables, then attached to orchestrator-core's.
--
\set SHOW_CONTEXT never
CREATE EXTENSION workflow_registry;

-- everything the registry keeps, for "nothing was written"
CREATE FUNCTION pg_temp.own_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.md5(pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products_workflows AS t)))
$$;

SELECT pg_catalog.count(workflow_registry.create_product(p)) AS products
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"},
    {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}
]') AS p;

-- the id given is the id registered, written in lower case
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "5D0A64B4-6F1C-4E56-9C2D-1A3B5C7D9E01"}') AS created;
SELECT w.workflow_id, pg_catalog.count(pw.product_id) AS links
FROM workflow_registry.workflows AS w JOIN workflow_registry.products_workflows AS pw USING (workflow_id)
WHERE w.name = 'create_user' GROUP BY w.workflow_id;

-- the same definition again, with the id or without: its id, nothing written
SELECT pg_temp.own_rows() AS before \gset
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}') AS again;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User"}') AS without_id;
SELECT pg_temp.own_rows() = :'before' AS unchanged;

-- the same definition with another id
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "00000000-0000-4000-8000-000000000001"}');
\echo :LAST_ERROR_SQLSTATE
-- another definition: the key that differs is named first
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create a user", "product_type": "User",
    "workflow_id": "00000000-0000-4000-8000-000000000001"}');
\echo :LAST_ERROR_SQLSTATE
-- another name with a taken id
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}');
\echo :LAST_ERROR_SQLSTATE

-- ids that are not UUIDs
SELECT workflow_registry.create_workflow(pg_catalog.jsonb_build_object('name', 'modify_user',
    'target', 'MODIFY', 'description', 'Modify user', 'product_type', 'User', 'workflow_id', v))
FROM pg_catalog.jsonb_array_elements('["5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e0"]') AS v;
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User",
    "workflow_id": "{5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e0}"}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User",
    "workflow_id": "5d0a64b4x6f1c-4e56-9c2d-1a3b5c7d9e01"}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e0g"}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User",
    "workflow_id": "5d0a64b46f1c4e569c2d1a3b5c7d9e01"}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01-0"}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User", "workflow_id": ""}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User", "workflow_id": 1}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User", "workflow_id": null}');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.own_rows() = :'before' AS unchanged;

-- create_workflows(): ids given for some items, the registry's for others
SELECT r.name, r.workflow_id::text LIKE '00000000-%' AS chosen
FROM workflow_registry.create_workflows('[
    {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User",
     "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"},
    {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User",
     "workflow_id": "00000000-0000-4000-8000-000000000002"},
    {"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"},
    {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User",
     "workflow_id": "00000000-0000-4000-8000-000000000002"}
]') AS r;
SELECT w.name, w.workflow_id FROM workflow_registry.workflows AS w
WHERE w.name IN ('create_user', 'modify_user') ORDER BY w.name;

-- and the errors, each naming its item, writing nothing
SELECT pg_temp.own_rows() AS before \gset
SELECT * FROM workflow_registry.create_workflows('[
    {"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup",
     "workflow_id": "00000000-0000-4000-8000-000000000003"},
    {"name": "modify_user_group", "target": "MODIFY", "description": "Modify user group", "product_type": "UserGroup",
     "workflow_id": "00000000-0000-4000-8000-000000000003"}
]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[
    {"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup",
     "workflow_id": "00000000-0000-4000-8000-000000000004"},
    {"name": "modify_user_group", "target": "MODIFY", "description": "Modify user group", "product_type": "UserGroup",
     "workflow_id": "00000000-0000-4000-8000-000000000002"}
]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[
    {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User",
     "workflow_id": "00000000-0000-4000-8000-000000000005"}
]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[
    {"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup",
     "workflow_id": "00000000-0000-4000-8000-000000000004"},
    {"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup",
     "workflow_id": "00000000-0000-4000-8000-000000000006"}
]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[
    {"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup",
     "workflow_id": "not a uuid"}
]');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.own_rows() = :'before' AS unchanged;

-- a migration step and a manifest entry take no id
SELECT workflow_registry.apply_migration('with_id', 'A step with an id', '[
    {"create_workflow": {"name": "create_user_group", "target": "CREATE", "description": "Create user group",
     "product_type": "UserGroup", "workflow_id": "00000000-0000-4000-8000-000000000007"}}
]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.plan('{"workflows": [
    {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User",
     "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}]}');
\echo :LAST_ERROR_SQLSTATE

-- an install of 1.10 with this library: the key needs 1.11
DROP EXTENSION workflow_registry;
CREATE EXTENSION workflow_registry VERSION '1.10';
SELECT pg_catalog.count(workflow_registry.create_product('{"name": "User internal",
    "description": "Internal user", "product_type": "User", "tag": "USER_INT"}')) AS products;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}]');
\echo :LAST_ERROR_SQLSTATE
ALTER EXTENSION workflow_registry UPDATE TO '1.11';
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}') AS after_update;
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

--
-- Attached: orchestrator-core's tables (set up as sql/attach.sql does)
--
CREATE EXTENSION workflow_registry;
CREATE ROLE regress_wid_orch;
CREATE SCHEMA oc AUTHORIZATION regress_wid_orch;
SET ROLE regress_wid_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
CREATE TABLE oc.processes (pid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                           workflow_id uuid NOT NULL REFERENCES oc.workflows (workflow_id));
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active');
RESET ROLE;
SELECT * FROM workflow_registry.attach_orchestrator_core('oc');

CREATE FUNCTION pg_temp.core_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.md5(pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.products_workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.attached_workflows AS t)))
$$;

-- orchestrator-core's table gets the id given, the extension's record and links
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}') AS created;
SELECT r.name, r.workflow_id FROM workflow_registry.create_workflows('[
    {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User",
     "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"},
    {"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup",
     "workflow_id": "00000000-0000-4000-8000-000000000011"}
]') AS r;
SELECT w.name, w.workflow_id, m.product_type, pg_catalog.count(pw.product_id) AS links
FROM oc.workflows AS w
JOIN workflow_registry.attached_workflows AS m USING (workflow_id)
LEFT JOIN oc.products_workflows AS pw USING (workflow_id)
GROUP BY w.name, w.workflow_id, m.product_type ORDER BY w.name;

-- a workflow that ran is soft-deleted; its row comes back with its own id only
INSERT INTO oc.processes (workflow_id) SELECT workflow_id FROM oc.workflows WHERE name = 'create_user';
SELECT workflow_registry.delete_workflow('create_user');
SELECT pg_temp.core_rows() AS before \gset
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "00000000-0000-4000-8000-000000000012"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "00000000-0000-4000-8000-000000000012"}]');
\echo :LAST_ERROR_SQLSTATE
-- its id is still taken, by a soft-deleted workflow
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM workflow_registry.create_workflows('[{"name": "modify_user", "target": "MODIFY",
    "description": "Modify user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}]');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "create_user_group", "target": "CREATE",
    "description": "Create user group", "product_type": "UserGroup",
    "workflow_id": "00000000-0000-4000-8000-000000000013"}');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.core_rows() = :'before' AS unchanged;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE",
    "description": "Create user", "product_type": "User",
    "workflow_id": "5d0a64b4-6f1c-4e56-9c2d-1a3b5c7d9e01"}') AS revived;
SELECT w.deleted_at IS NULL AS live, pr.workflow_id = w.workflow_id AS process_keeps_it
FROM oc.workflows AS w, oc.processes AS pr WHERE w.name = 'create_user';

SELECT workflow_registry.detach_orchestrator_core();
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP ROLE regress_wid_orch;
