--
-- create_workflows(): many definitions in one call, all or nothing
--
CREATE EXTENSION workflow_registry;
SELECT pg_catalog.count(workflow_registry.create_product(p)) AS products
FROM pg_catalog.jsonb_array_elements('[
    {"name": "User Group",    "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"},
    {"name": "User internal", "description": "Internal user",  "product_type": "User",      "tag": "USER_INT"},
    {"name": "User external", "description": "External user",  "product_type": "User",      "tag": "USER_EXT"}
]') AS p;

CREATE FUNCTION pg_temp.registry_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products_workflows AS t))
$$;

-- the seed's six workflows in one call: one row per name, in array order,
-- with the id that is stored
CREATE TEMP TABLE returned AS
SELECT * FROM workflow_registry.create_workflows('[
    {"name": "create_user_group",    "target": "CREATE",    "description": "Create user group",    "product_type": "UserGroup"},
    {"name": "modify_user_group",    "target": "MODIFY",    "description": "Modify user group",    "product_type": "UserGroup"},
    {"name": "terminate_user_group", "target": "TERMINATE", "description": "Terminate user group", "product_type": "UserGroup"},
    {"name": "create_user",          "target": "CREATE",    "description": "Create user",          "product_type": "User"},
    {"name": "modify_user",          "target": "MODIFY",    "description": "Modify user",          "product_type": "User"},
    {"name": "terminate_user",       "target": "TERMINATE", "description": "Terminate user",       "product_type": "User"}
]') WITH ORDINALITY AS c(name, workflow_id, n);
SELECT r.n, r.name, r.workflow_id OPERATOR(pg_catalog.=) w.workflow_id AS same_id
FROM returned AS r LEFT JOIN workflow_registry.workflows AS w USING (name)
ORDER BY r.n;
SELECT (SELECT pg_catalog.count(*) FROM workflow_registry.workflows) AS workflows,
       (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows) AS links;

-- registered names that are identical come back with their ids; repeats
-- inside the array count once; tags, tasks and every target work as in
-- create_workflow()
CREATE TEMP TABLE second AS
SELECT * FROM workflow_registry.create_workflows('[
    {"name": "create_user",            "target": "CREATE",    "description": "Create user",            "product_type": "User"},
    {"name": "validate_user",          "target": "VALIDATE",  "description": "Validate user",          "product_type": "User", "is_task": true},
    {"name": "reconcile_user_internal","target": "RECONCILE", "description": "Reconcile internal user", "product_type": "User", "product_tag": "USER_INT"},
    {"name": "create_user",            "target": "CREATE",    "description": "Create user",            "product_type": "User", "is_task": false}
]') WITH ORDINALITY AS c(name, workflow_id, n);
SELECT c.n, c.name, c.workflow_id OPERATOR(pg_catalog.=) w.workflow_id AS same_id,
       c.workflow_id OPERATOR(pg_catalog.=) r.workflow_id AS same_as_first_call
FROM second AS c
LEFT JOIN workflow_registry.workflows AS w USING (name)
LEFT JOIN returned AS r USING (name)
ORDER BY c.n;
SELECT w.name, w.is_task, pg_catalog.string_agg(p.tag, ', ' ORDER BY p.tag) AS tags
FROM workflow_registry.workflows AS w
JOIN workflow_registry.products_workflows USING (workflow_id)
JOIN workflow_registry.products AS p USING (product_id)
WHERE w.name IN ('validate_user', 'reconcile_user_internal')
GROUP BY w.name, w.is_task ORDER BY w.name;

-- an empty array registers nothing
SELECT pg_catalog.count(*) AS rows FROM workflow_registry.create_workflows('[]');

-- Every error names the item by index and name, and nothing is written,
-- not even the good items before it.
SELECT pg_temp.registry_rows() AS before \gset
SELECT * FROM workflow_registry.create_workflows(NULL);
SELECT * FROM workflow_registry.create_workflows('{"name": "create_user"}');
SELECT * FROM workflow_registry.create_workflows('"create_user"');
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, ["wf_b"]]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "wf_b", "target": "create", "description": "B", "product_type": "User"}]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "wf_b", "target": "CREATE", "desciption": "B", "product_type": "User"}]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "wf_a", "target": "MODIFY", "description": "A", "product_type": "User"}]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "create_user", "target": "CREATE", "description": "Create a user", "product_type": "User"}]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "wf_b", "target": "CREATE", "description": "B", "product_type": "Device"}]');
SELECT * FROM workflow_registry.create_workflows('[{"name": "wf_a", "target": "CREATE", "description": "A", "product_type": "User"}, {"name": "wf_b", "target": "CREATE", "description": "B", "product_type": "User", "product_tag": "GROUP"}]');
SELECT pg_temp.registry_rows() OPERATOR(pg_catalog.=) :'before' AS unchanged;

-- many items: every one registered and linked (1000 workflows, 2 links each)
SELECT pg_catalog.count(*) AS registered
FROM workflow_registry.create_workflows((
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'name', 'bulk_' || i, 'target', 'CREATE', 'description', 'Bulk ' || i, 'product_type', 'User'))
    FROM pg_catalog.generate_series(1, 1000) AS i));
SELECT pg_catalog.count(*) AS links
FROM workflow_registry.products_workflows JOIN workflow_registry.workflows USING (workflow_id)
WHERE name LIKE 'bulk\_%';

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
