--
-- The seed example: the User and UserGroup products and their create,
-- modify and terminate workflows, registered from psql the way
-- orchestrator-core's migration loops over its list of dicts.  This file is
-- also what test/demo.sh runs.
--
CREATE EXTENSION workflow_registry;

-- The products come first: a workflow must name a product type that exists.
SELECT p->>'name' AS product,
       workflow_registry.create_product(p) IS NOT NULL AS registered
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User Group",    "description": "Group of users",  "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user",   "product_type": "User",      "tag": "USER_INT"},
    {"name": "User external", "description": "External user",   "product_type": "User",      "tag": "USER_EXT"}
]') AS p;

\set seed_workflows '[{"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"}, {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"}, {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"}, {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"}, {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"}, {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}]'

-- upgrade(): one create_workflow() per dict
SELECT w->>'name' AS workflow,
       workflow_registry.create_workflow(w) IS NOT NULL AS registered
FROM pg_catalog.jsonb_array_elements(:'seed_workflows') AS w;

-- 6 workflows, 9 product links
SELECT w.name, w.target, w.description, w.product_type,
       pg_catalog.string_agg(p.tag, ', ' ORDER BY p.tag) AS linked_products
FROM workflow_registry.workflows AS w
JOIN workflow_registry.products_workflows AS pw USING (workflow_id)
JOIN workflow_registry.products AS p USING (product_id)
GROUP BY w.name, w.target, w.description, w.product_type
ORDER BY w.product_type, w.target;

SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.workflows) AS workflows,
       (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows) AS links;

-- the ledger: one row per extension version installed
SELECT version, kind, description, applied_by OPERATOR(pg_catalog.=) CURRENT_USER AS applied_by_me
FROM workflow_registry.migrations
ORDER BY applied_at;

-- downgrade(): one delete_workflow() per name leaves no workflow and no link
SELECT pg_catalog.count(workflow_registry.delete_workflow(w->>'name')) AS deleted
FROM pg_catalog.jsonb_array_elements(:'seed_workflows') AS w;

SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.workflows) AS workflows,
       (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows) AS links,
       (SELECT pg_catalog.count(*) FROM workflow_registry.products) AS products;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
