--
-- delete_workflow()
--
CREATE EXTENSION workflow_registry;

SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_product('{"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}') IS NOT NULL AS ok;
SELECT pg_catalog.count(*) AS links FROM workflow_registry.products_workflows;

-- the workflow goes, with its links; the products and other workflows stay
SELECT workflow_registry.delete_workflow('create_user');
SELECT w.name, pg_catalog.count(pw.product_id) AS links
FROM workflow_registry.workflows AS w
LEFT JOIN workflow_registry.products_workflows AS pw USING (workflow_id)
GROUP BY w.name;
SELECT pg_catalog.count(*) AS products FROM workflow_registry.products;

-- an unknown name is an error (42704), unless if_exists
SELECT workflow_registry.delete_workflow('create_user');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT workflow_registry.delete_workflow('create_user', if_exists => true);
SELECT workflow_registry.delete_workflow('create_user', true);

-- names are exact: no case folding, no trimming
SELECT workflow_registry.delete_workflow('Modify_user');
SELECT workflow_registry.delete_workflow(' modify_user');

-- NULL arguments
SELECT workflow_registry.delete_workflow(NULL);
SELECT workflow_registry.delete_workflow('modify_user', NULL);

-- a delete is part of the caller's transaction: a rollback undoes it
BEGIN;
SELECT workflow_registry.delete_workflow('modify_user');
ROLLBACK;
SELECT name FROM workflow_registry.workflows;

-- a registered workflow can be registered again after its delete, with a
-- new id
SELECT workflow_id AS old_id FROM workflow_registry.workflows WHERE name = 'modify_user' \gset
SELECT workflow_registry.delete_workflow('modify_user');
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}') OPERATOR(pg_catalog.<>) :'old_id' AS new_id;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
