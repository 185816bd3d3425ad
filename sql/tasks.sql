--
-- create_task(): SYSTEM workflows that belong to no product
--
CREATE EXTENSION workflow_registry;

SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;

SELECT workflow_registry.create_task('{"name": "task_validate_products", "description": "Validate products"}') AS id \gset
SELECT workflow_id OPERATOR(pg_catalog.=) :'id' AS same_id, name, target, description, product_type, is_task, product_tag
FROM workflow_registry.workflows;
SELECT pg_catalog.count(*) AS links FROM workflow_registry.products_workflows;

-- an identical repeat returns the same id
SELECT workflow_registry.create_task('{"description": "Validate products", "name": "task_validate_products"}') OPERATOR(pg_catalog.=) :'id' AS same_id;

-- a task and a workflow share one namespace of names
SELECT workflow_registry.create_task('{"name": "task_validate_products", "description": "Validate all products"}');
SELECT workflow_registry.create_workflow('{"name": "task_validate_products", "target": "SYSTEM", "description": "Validate products", "product_type": "User"}');
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_task('{"name": "create_user", "description": "Create user"}');

-- a product registered later is not linked to tasks
SELECT workflow_registry.create_product('{"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL AS ok;
SELECT w.name, pg_catalog.count(pw.product_id) AS links
FROM workflow_registry.workflows AS w
LEFT JOIN workflow_registry.products_workflows AS pw USING (workflow_id)
GROUP BY w.name
ORDER BY w.name;

-- the table refuses a non-task without a product type
\set VERBOSITY terse
INSERT INTO workflow_registry.workflows (name, target, description)
VALUES ('orphan', 'CREATE', 'No product type');
\set VERBOSITY default

-- delete_workflow() deletes tasks too
SELECT workflow_registry.delete_workflow('task_validate_products');
SELECT name FROM workflow_registry.workflows ORDER BY name;

-- bad task definitions
SELECT workflow_registry.create_task(NULL);
SELECT workflow_registry.create_task('"task_x"');
SELECT workflow_registry.create_task('{"name": "task_x"}');
SELECT workflow_registry.create_task('{"name": "task_x", "description": "X", "target": "SYSTEM"}');
SELECT workflow_registry.create_task('{"name": "task x", "description": "X"}');
SELECT workflow_registry.create_task('{"name": "task_x", "description": ["X"]}');

SELECT pg_catalog.count(*) AS workflows FROM workflow_registry.workflows;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
