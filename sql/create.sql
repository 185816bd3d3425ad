--
-- create_workflow(): the id it returns, repeats, product types and tags
--
CREATE EXTENSION workflow_registry;

SELECT workflow_registry.create_product('{"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_product('{"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL AS ok;

-- the id returned is the id stored
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') AS id \gset
SELECT workflow_id OPERATOR(pg_catalog.=) :'id' AS same_id, name, target, description, product_type, is_task, product_tag
FROM workflow_registry.workflows;

-- it is linked to every product of its type, and to nothing else
SELECT p.name AS product
FROM workflow_registry.products_workflows AS pw
JOIN workflow_registry.products AS p USING (product_id)
WHERE pw.workflow_id OPERATOR(pg_catalog.=) :'id'
ORDER BY p.name;

-- an identical repeat returns the same id and writes nothing: not even a
-- new row version (xmin stays)
SELECT xmin AS xmin_before FROM workflow_registry.workflows WHERE name = 'create_user' \gset
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') OPERATOR(pg_catalog.=) :'id' AS same_id;
SELECT workflow_registry.create_workflow('{"product_type": "User", "description": "Create user", "target": "CREATE", "name": "create_user"}') OPERATOR(pg_catalog.=) :'id' AS same_id_any_key_order;
SELECT xmin::text = :'xmin_before' AS row_untouched,
       (SELECT pg_catalog.count(*) FROM workflow_registry.workflows) AS workflows,
       (SELECT pg_catalog.count(*) FROM workflow_registry.products_workflows) AS links
FROM workflow_registry.workflows WHERE name = 'create_user';

-- every target label of the installed version is accepted
SELECT t AS target,
       workflow_registry.create_workflow(pg_catalog.jsonb_build_object(
           'name', 'wf_' || pg_catalog.lower(t), 'target', t,
           'description', 'Workflow with target ' || t, 'product_type', 'User')) IS NOT NULL AS registered
FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::workflow_registry.target)::text[]) AS t;

-- is_task may be given to create_workflow; the workflow is still linked
SELECT workflow_registry.create_workflow('{"name": "validate_user", "target": "VALIDATE", "description": "Validate user", "product_type": "User", "is_task": true}') IS NOT NULL AS ok;
SELECT w.name, w.is_task, pg_catalog.count(pw.product_id) AS links
FROM workflow_registry.workflows AS w
LEFT JOIN workflow_registry.products_workflows AS pw USING (workflow_id)
WHERE w.name = 'validate_user'
GROUP BY w.name, w.is_task;

-- product_tag limits the links to the products of the type with that tag
SELECT workflow_registry.create_workflow('{"name": "modify_user_internal", "target": "MODIFY", "description": "Modify internal user", "product_type": "User", "product_tag": "USER_INT"}') AS tagged_id \gset
SELECT p.name AS product, p.tag
FROM workflow_registry.products_workflows AS pw
JOIN workflow_registry.products AS p USING (product_id)
WHERE pw.workflow_id OPERATOR(pg_catalog.=) :'tagged_id';

-- a repeat with the same tag is identical; without the tag it is a
-- different definition
SELECT workflow_registry.create_workflow('{"name": "modify_user_internal", "target": "MODIFY", "description": "Modify internal user", "product_type": "User", "product_tag": "USER_INT"}') OPERATOR(pg_catalog.=) :'tagged_id' AS same_id;
SELECT workflow_registry.create_workflow('{"name": "modify_user_internal", "target": "MODIFY", "description": "Modify internal user", "product_type": "User"}');
SELECT workflow_registry.create_workflow('{"name": "modify_user_internal", "target": "MODIFY", "description": "Modify internal user", "product_type": "User", "product_tag": "USER_INT", "is_task": false}') OPERATOR(pg_catalog.=) :'tagged_id' AS is_task_false_is_the_default;

-- a product registered after its workflows gets the same links as one
-- registered before them (tagged workflows included)
SELECT workflow_registry.create_product('{"name": "User partner", "description": "Partner user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_product('{"name": "User guest", "description": "Guest user", "product_type": "User", "tag": "USER_GUEST"}') IS NOT NULL AS ok;
SELECT p.name AS product, pg_catalog.string_agg(w.name, ', ' ORDER BY w.name) AS workflows
FROM workflow_registry.products AS p
LEFT JOIN workflow_registry.products_workflows AS pw USING (product_id)
LEFT JOIN workflow_registry.workflows AS w USING (workflow_id)
GROUP BY p.name
ORDER BY p.name;

-- the links equal what registering in the other order gives: every
-- workflow is linked to exactly the products of its type (and tag)
SELECT pg_catalog.count(*) AS missing_or_extra_links
FROM (
    (SELECT p.product_id, w.workflow_id
       FROM workflow_registry.workflows AS w
       JOIN workflow_registry.products AS p
         ON p.product_type = w.product_type
        AND (w.product_tag IS NULL OR p.tag = w.product_tag)
     EXCEPT
     SELECT product_id, workflow_id FROM workflow_registry.products_workflows)
    UNION ALL
    (SELECT product_id, workflow_id FROM workflow_registry.products_workflows
     EXCEPT
     SELECT p.product_id, w.workflow_id
       FROM workflow_registry.workflows AS w
       JOIN workflow_registry.products AS p
         ON p.product_type = w.product_type
        AND (w.product_tag IS NULL OR p.tag = w.product_tag))
) AS difference;

-- the registration is atomic with the caller's transaction
BEGIN;
SELECT workflow_registry.create_workflow('{"name": "rolled_back", "target": "CREATE", "description": "Never committed", "product_type": "User"}') IS NOT NULL AS ok;
ROLLBACK;
SELECT pg_catalog.count(*) AS rolled_back FROM workflow_registry.workflows WHERE name = 'rolled_back';

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

-- a fresh install can use every target in the transaction that installed
-- it, as a schema migration followed by data migrations, or a restore with
-- pg_restore --single-transaction, does (labels added by ALTER TYPE ... ADD
-- VALUE could not be used before commit)
BEGIN;
CREATE EXTENSION workflow_registry;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;
SELECT t AS target,
       workflow_registry.create_workflow(pg_catalog.jsonb_build_object(
           'name', 'wf_' || pg_catalog.lower(t), 'target', t,
           'description', 'Workflow with target ' || t, 'product_type', 'User')) IS NOT NULL AS registered
FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::workflow_registry.target)::text[]) AS t;
ROLLBACK;
