--
-- create_product() and delete_product()
--
CREATE EXTENSION workflow_registry;

SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') AS id \gset
SELECT product_id OPERATOR(pg_catalog.=) :'id' AS same_id, name, description, product_type, tag, status, end_date
FROM workflow_registry.products;

-- an identical repeat returns the same id; an explicit "active" status is
-- the default spelled out
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') OPERATOR(pg_catalog.=) :'id' AS same_id;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT", "status": "active"}') OPERATOR(pg_catalog.=) :'id' AS same_id;

-- a different definition under the same name is refused, naming the key
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_EXT"}');
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT", "status": "phase out"}');

-- every lifecycle status is accepted
SELECT s AS status,
       workflow_registry.create_product(pg_catalog.jsonb_build_object(
           'name', 'Product ' || s, 'description', 'Product in ' || s,
           'product_type', 'Lifecycle', 'tag', 'LC', 'status', s)) IS NOT NULL AS registered
FROM pg_catalog.unnest('{active,"pre production","phase out","end of life"}'::text[]) AS s;

-- bad product definitions
SELECT workflow_registry.create_product(NULL);
SELECT workflow_registry.create_product('[]');
SELECT workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "T"}');
SELECT workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "T", "tag": "T", "staus": "active"}');
SELECT workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "T", "tag": "T", "status": "retired"}');
SELECT workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "T", "tag": "T", "status": "Active"}');
SELECT workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "T", "tag": "T", "status": null}');
SELECT workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "T", "tag": "TAG_OF_MORE_THAN_20_CHARS"}');
SELECT workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "", "tag": "T"}');
SELECT workflow_registry.create_product('{"name": "P", "description": "P", "product_type": "T", "tag": 1}');

-- products links follow deletes: a deleted product takes its links along
SELECT workflow_registry.create_product('{"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS ok;
SELECT pg_catalog.count(*) AS links FROM workflow_registry.products_workflows;
SELECT workflow_registry.delete_product('User external');
SELECT p.name AS linked_product
FROM workflow_registry.products_workflows
JOIN workflow_registry.products AS p USING (product_id);

-- the workflow stays; with its last product gone it has no link, and a
-- new product of its type is linked to it again
SELECT workflow_registry.delete_product('User internal');
SELECT pg_catalog.count(*) AS links FROM workflow_registry.products_workflows;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;
SELECT w.name, p.name AS product
FROM workflow_registry.products_workflows
JOIN workflow_registry.products AS p USING (product_id)
JOIN workflow_registry.workflows AS w USING (workflow_id);

-- delete_product() errors
SELECT workflow_registry.delete_product('User external');
SELECT workflow_registry.delete_product(NULL);

SELECT name FROM workflow_registry.products ORDER BY name;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
