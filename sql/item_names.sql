--
-- Every error about an item of a list names it by position and by name,
-- wherever the error is raised: while the item is read (its keys, its
-- target, its name), while it is checked against the registry, and while
-- it is written.
--
CREATE EXTENSION workflow_registry;
SELECT pg_catalog.count(workflow_registry.create_product(p)) AS products
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"}
]') AS p;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS registered;

-- create_workflows(): workflows[i] ("name")
SELECT * FROM workflow_registry.create_workflows('[{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}, {"name": "terminate_user", "target": "TERMINATED", "description": "Terminate user", "product_type": "User"}]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User", "is_task": "no"}]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "modify user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "create_user", "target": "MODIFY", "description": "Create user", "product_type": "User"}]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User", "product_tag": "USER_EXT"}]');
-- an item without a name has only its position
SELECT * FROM workflow_registry.create_workflows('[{"target": "MODIFY", "description": "Modify user", "product_type": "User"}]');

-- apply_migration(): steps[i] (kind "name") of migration "version", for
-- each kind of step
SELECT workflow_registry.apply_migration('m3', 'x', '[{"create_workflow": {"name": "create_user", "target": "TERMINATED", "description": "Create user", "product_type": "User"}}]');
SELECT workflow_registry.apply_migration('m3', 'x', '[{"create_task": {"name": "task_clean_up", "description": ""}}]');
SELECT workflow_registry.apply_migration('m3', 'x', '[{"create_product": {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT", "status": "Active"}}]');
SELECT workflow_registry.apply_migration('m3', 'x', '[{"create_product": {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXTERNAL_TOO_LONG_A_TAG"}}]');
SELECT workflow_registry.apply_migration('m3', 'x', '[{"update_workflow": {"name": "create_user", "target": "create"}}]');
SELECT workflow_registry.apply_migration('m3', 'x', '[{"update_workflow": {"name": "create_user", "product_tag": "USER_EXT"}}]');
SELECT workflow_registry.apply_migration('m3', 'x', '[{"delete_workflow": "modify_user"}]');
SELECT workflow_registry.apply_migration('m3', 'x', '[{"delete_product": "User external"}]');
SELECT workflow_registry.apply_migration('m3', 'x', '[{"drop_workflow": "create_user"}]');

-- plan() and sync(): workflows[i], tasks[i] and products[i] ("name") of
-- the manifest, also for the problems the plan finds
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "create_user", "target": "TERMINATED", "description": "Create user", "product_type": "User"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [], "tasks": [{"name": "task_clean_up"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [], "products": [{"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}, {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT", "status": "retired"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [], "products": [{"name": "User internal", "description": "Internal users", "product_type": "User", "tag": "USER_INT"}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}, {"name": "create_device", "target": "CREATE", "description": "Create device", "product_type": "Device"}]}');
SELECT * FROM workflow_registry.sync('{"workflows": [{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User", "product_tag": "USER_EXT"}]}', 's1');

-- check(): code_workflows[i] ("name")
SELECT * FROM workflow_registry."check"('["create_user", {"name": "modify_user", "target": "TERMINATED"}]');
SELECT * FROM workflow_registry."check"('["create user"]');

-- nothing was written
SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.workflows) AS workflows,
       (SELECT pg_catalog.count(*) FROM workflow_registry.products) AS products,
       (SELECT pg_catalog.count(*) FROM workflow_registry.migrations WHERE kind = 'data') AS migrations;

DROP EXTENSION workflow_registry;
