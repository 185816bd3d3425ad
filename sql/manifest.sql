--
-- The declarative registry: plan(), sync() and check()
--
CREATE EXTENSION workflow_registry;

CREATE FUNCTION pg_temp.registry_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products_workflows AS t))
$$;

-- The seed example as a manifest, with a task.
\set manifest '{"products": [{"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}, {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}, {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}], "workflows": [{"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup"}, {"name": "modify_user_group", "target": "MODIFY", "description": "Modify user group", "product_type": "UserGroup"}, {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"}, {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}, {"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}], "tasks": [{"name": "task_validate_products", "description": "Validate products"}]}'

-- plan on an empty registry: everything to create, and the links that follow;
-- plan writes nothing
SELECT pg_temp.registry_rows() AS empty \gset
SELECT action, kind, name, key, old_value, new_value FROM workflow_registry.plan(:'manifest');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'empty' AS plan_wrote_nothing;

-- sync applies exactly the plan as one migration; then the plan is empty
SELECT pg_catalog.count(*) AS actions_taken FROM workflow_registry.sync(:'manifest', 'sync-1');
SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.products) AS products,
       (SELECT pg_catalog.count(*) FROM workflow_registry.workflows) AS workflows,
       (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows) AS links;
SELECT * FROM workflow_registry.plan(:'manifest');
SELECT pg_temp.registry_rows() AS synced \gset

-- a sync with nothing to do records nothing
SELECT * FROM workflow_registry.sync(:'manifest', 'sync-nothing');
SELECT version, kind, state FROM workflow_registry.migration_history WHERE kind = 'data';

-- every kind of difference: an update of each key, a new workflow, a
-- missing one (deleted only when asked), new and missing products
\set changed '{"products": [{"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}, {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}, {"name": "User partner", "description": "Partner user", "product_type": "User", "tag": "USER_PART"}], "workflows": [{"name": "create_user_group", "target": "CREATE", "description": "Create a user group", "product_type": "UserGroup"}, {"name": "modify_user_group", "target": "RECONCILE", "description": "Modify user group", "product_type": "UserGroup"}, {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "User"}, {"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User", "product_tag": "USER_INT"}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User", "is_task": true}, {"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User"}], "tasks": []}'
SELECT action, kind, name, key, old_value, new_value FROM workflow_registry.plan(:'changed');
SELECT action, kind, name, key, old_value, new_value FROM workflow_registry.plan(:'changed', allow_delete => true)
WHERE action IN ('delete', 'unlink');

-- sync with deletes, then plan again: no rows
SELECT pg_catalog.count(*) AS actions_taken FROM workflow_registry.sync(:'changed', 'sync-2', allow_delete => true);
SELECT * FROM workflow_registry.plan(:'changed', allow_delete => true);
SELECT w.name, w.target, w.is_task, w.product_tag, pg_catalog.string_agg(p.name, ', ' ORDER BY p.name) AS products
FROM workflow_registry.workflows AS w
LEFT JOIN workflow_registry.products_workflows USING (workflow_id)
LEFT JOIN workflow_registry.products AS p USING (product_id)
GROUP BY w.name, w.target, w.is_task, w.product_tag ORDER BY w.name;

-- sync + revert restores the exact rows
SELECT workflow_registry.revert_migration('sync-2');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'synced' AS exactly_as_before;

-- check(): the code's workflows against the registry, both ways
SELECT * FROM workflow_registry."check"('["create_user_group", {"name": "modify_user_group", "target": "MODIFY"}, {"name": "create_user", "target": "MODIFY"}, "create_device"]');
SELECT * FROM workflow_registry."check"((SELECT pg_catalog.jsonb_agg(name) FROM workflow_registry.workflows));

-- bad manifests: clear errors naming the entry
SELECT * FROM workflow_registry.plan(NULL);
SELECT * FROM workflow_registry.plan('[]');
SELECT * FROM workflow_registry.plan('{}');
SELECT * FROM workflow_registry.plan('{"workflows": [], "task": []}');
SELECT * FROM workflow_registry.plan('{"workflows": {"name": "x"}}');
SELECT * FROM workflow_registry.plan('{"workflows": ["create_user"]}');
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "create_user", "target": "create", "description": "Create user", "product_type": "User"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}], "tasks": [{"name": "create_user", "description": "Twice"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [], "tasks": [{"name": "task_x"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [], "products": [{"name": "User Group", "description": "Another group", "product_type": "UserGroup", "tag": "GROUP"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [], "products": [{"name": "P", "description": "P", "product_type": "T", "tag": "T"}, {"name": "P", "description": "P", "product_type": "T", "tag": "T"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "create_device", "target": "CREATE", "description": "Create device", "product_type": "Device"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User", "product_tag": "USER_NONE"}]}');
SELECT * FROM workflow_registry.plan(:'manifest', NULL);
SELECT * FROM workflow_registry.sync(:'manifest', NULL);
SELECT * FROM workflow_registry.sync(:'manifest', '1.9');
SELECT * FROM workflow_registry."check"(NULL);
SELECT * FROM workflow_registry."check"('{"name": "create_user"}');
SELECT * FROM workflow_registry."check"('[42]');
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "target": "create"}]');
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "targte": "CREATE"}]');
SELECT * FROM workflow_registry."check"('["create_user", "create_user"]');
SELECT * FROM workflow_registry."check"('["create user"]');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'synced' AS unchanged;

-- A sync whose list of steps is short (under 127 bytes, a value that a
-- result row stores with a 1-byte header) works: deleting one task,
-- deleting everything, and only link changes (links changed outside the
-- functions, which only a direct write can do: sync reports them, takes no
-- step and records nothing).
-- Such a sync used to fail with "migration steps must be a JSON array".
BEGIN;
SELECT pg_catalog.count(*) AS actions_taken FROM workflow_registry.sync('{"workflows": [], "tasks": [], "products": []}', 'sync-clear', allow_delete => true);
SELECT FROM workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "T", "tag": "T"}');
SELECT FROM workflow_registry.create_workflow('{"name": "w", "target": "CREATE", "description": "W", "product_type": "T"}');
SELECT FROM workflow_registry.create_task('{"name": "t", "description": "T"}');
SELECT * FROM workflow_registry.sync('{"workflows": [{"name": "w", "target": "CREATE", "description": "W", "product_type": "T"}]}', 'sync-one', allow_delete => true);
SELECT * FROM workflow_registry.sync('{"workflows": [], "products": []}', 'sync-all', allow_delete => true);
SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.products) AS products,
       (SELECT pg_catalog.count(*) FROM workflow_registry.workflows) AS workflows;
SELECT workflow_registry.revert_migration('sync-all');
DELETE FROM workflow_registry.products_workflows;
SELECT * FROM workflow_registry.sync('{"workflows": [{"name": "w", "target": "CREATE", "description": "W", "product_type": "T"}]}', 'sync-links');
SELECT version, state FROM workflow_registry.migration_history
WHERE kind = 'data' ORDER BY rank;
ROLLBACK;
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'synced' AS unchanged;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

-- 1.8: check() compares descriptions too, and the products, as
-- orchestrator-core's task_validate_products does
CREATE EXTENSION workflow_registry;
SELECT pg_catalog.count(*) AS actions_taken FROM workflow_registry.sync(:'manifest', 'sync-1');
\set code '[{"name": "create_user_group", "target": "CREATE", "description": "Create user group"}, {"name": "modify_user_group", "target": "MODIFY", "description": "Modify a user group"}, {"name": "terminate_user_group", "description": "Terminate user group"}, "create_user", {"name": "modify_user", "description": "Modify user"}, {"name": "terminate_user", "target": "MODIFY", "description": "Terminate a user"}, {"name": "task_validate_products", "target": "SYSTEM", "description": "Validate products"}]'
SELECT * FROM workflow_registry."check"(:'code');
-- a product without workflows, of any status; a default workflow (its row
-- written directly, until a definition key makes one) missing from the
-- active products only
BEGIN;
SELECT FROM workflow_registry.create_product('{"name": "Device", "description": "Device", "product_type": "Device", "tag": "DEVICE", "status": "phase out"}');
INSERT INTO workflow_registry.workflows (name, target, description, is_default)
VALUES ('modify_note', 'MODIFY', 'Modify Note', true);
INSERT INTO workflow_registry.products_workflows (product_id, workflow_id)
SELECT p.product_id, w.workflow_id FROM workflow_registry.products AS p, workflow_registry.workflows AS w
WHERE w.name = 'modify_note' AND p.name = 'User Group';
SELECT * FROM workflow_registry."check"(:'code'::jsonb OPERATOR(pg_catalog.||) '["modify_note"]');
ROLLBACK;
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "description": "create user", "targte": "CREATE"}]');
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "description": null}]');
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

-- A database still on 1.7 keeps the check() of 1.4: its columns, its keys
CREATE EXTENSION workflow_registry VERSION '1.7';
SELECT pg_catalog.count(*) AS actions_taken FROM workflow_registry.sync(:'manifest', 'sync-1');
SELECT * FROM workflow_registry."check"('["create_user_group", {"name": "modify_user_group", "target": "MODIFY"}, {"name": "create_user", "target": "MODIFY"}, "create_device"]');
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "targte": "CREATE"}]');
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "description": "Create user"}]');
-- updated, the same database has the check() of 1.8
ALTER EXTENSION workflow_registry UPDATE TO '1.8';
SELECT * FROM workflow_registry."check"('[{"name": "create_user", "target": "CREATE", "description": "Create a user"}]')
WHERE difference OPERATOR(pg_catalog.<>) 'not in code';
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
