--
-- Every bad input to create_workflow(): a specific SQLSTATE, a message that
-- names the key, a detail and a hint, and nothing written.
--
CREATE EXTENSION workflow_registry;

SELECT workflow_registry.create_product('{"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;
SELECT workflow_registry.create_workflow('{"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup"}') IS NOT NULL AS ok;

-- Everything in the registry, as one text, to compare before and after.
CREATE FUNCTION pg_temp.registry_state() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.products_workflows AS t),
        (SELECT pg_catalog.string_agg(t.version || t.kind, ',' ORDER BY t.version) FROM workflow_registry.migrations AS t))
$$;

-- Run one call and show how it failed.
CREATE FUNCTION pg_temp.attempt(call text,
    OUT state text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE call;
    state := 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END
$$;

SELECT pg_temp.registry_state() AS state_before \gset

CREATE TEMP TABLE bad_input (id serial, what text, call text);
INSERT INTO bad_input (what, call) VALUES
('NULL argument',
 $$SELECT workflow_registry.create_workflow(NULL)$$),
('an array, not an object',
 $$SELECT workflow_registry.create_workflow('[{"name": "create_user"}]')$$),
('a string, not an object',
 $$SELECT workflow_registry.create_workflow('"create_user"')$$),
('JSON null, not an object',
 $$SELECT workflow_registry.create_workflow('null')$$),
('empty object',
 $$SELECT workflow_registry.create_workflow('{}')$$),
('missing key description',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "product_type": "User"}')$$),
('missing key product_type',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user"}')$$),
('unknown key: typo desciption',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "desciption": "Create user", "product_type": "User"}')$$),
('unknown key far from any',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User", "owner": "me"}')$$),
('number name',
 $$SELECT workflow_registry.create_workflow('{"name": 42, "target": "CREATE", "description": "Create user", "product_type": "User"}')$$),
('string is_task',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User", "is_task": "false"}')$$),
('null target',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": null, "description": "Create user", "product_type": "User"}')$$),
('object description',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": {"en": "Create user"}, "product_type": "User"}')$$),
('array product_type',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": ["User"]}')$$),
('lower-case target',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "create", "description": "Create user", "product_type": "User"}')$$),
('made-up target',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "DESTROY", "description": "Create user", "product_type": "User"}')$$),
('target with a space',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE ", "description": "Create user", "product_type": "User"}')$$),
('target longer than any label',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE_CREATE_CREATE_CREATE_CREATE_CREATE_CREATE_CREATE_CREATE_CREATE", "description": "Create user", "product_type": "User"}')$$),
('empty description',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "", "product_type": "User"}')$$),
('description of 2001 characters',
 $$SELECT workflow_registry.create_workflow(pg_catalog.jsonb_build_object('name', 'create_user', 'target', 'CREATE', 'description', pg_catalog.repeat('x', 2001), 'product_type', 'User'))$$),
('empty name',
 $$SELECT workflow_registry.create_workflow('{"name": "", "target": "CREATE", "description": "Create user", "product_type": "User"}')$$),
('name with a space',
 $$SELECT workflow_registry.create_workflow('{"name": "create user", "target": "CREATE", "description": "Create user", "product_type": "User"}')$$),
('name starting with a digit',
 $$SELECT workflow_registry.create_workflow('{"name": "1create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}')$$),
('name with a non-ASCII letter',
 $$SELECT workflow_registry.create_workflow('{"name": "créer_user", "target": "CREATE", "description": "Create user", "product_type": "User"}')$$),
('name of 256 characters',
 $$SELECT workflow_registry.create_workflow(pg_catalog.jsonb_build_object('name', pg_catalog.repeat('n', 256), 'target', 'CREATE', 'description', 'Create user', 'product_type', 'User'))$$),
('product_type with no product',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "Usr"}')$$),
('product_tag matching no product of the type',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User", "product_tag": "GROUP"}')$$),
('same name, different target',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user_group", "target": "MODIFY", "description": "Create user group", "product_type": "UserGroup"}')$$),
('same name, different description',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user_group", "target": "CREATE", "description": "Create a user group", "product_type": "UserGroup"}')$$),
('same name, different product_type',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "User"}')$$),
('same name, now a task',
 $$SELECT workflow_registry.create_workflow('{"name": "create_user_group", "target": "CREATE", "description": "Create user group", "product_type": "UserGroup", "is_task": true}')$$);

\x on
SELECT b.id, b.what, a.*
FROM bad_input AS b, LATERAL pg_temp.attempt(b.call) AS a
ORDER BY b.id;
\x off

-- nothing was written
SELECT pg_temp.registry_state() OPERATOR(pg_catalog.=) :'state_before' AS registry_unchanged;

-- A key the installed version does not know yet: on 1.0, is_task and
-- product_tag; on 1.1, product_tag.  The targets of later versions are not
-- labels yet.
DROP EXTENSION workflow_registry;
CREATE EXTENSION workflow_registry VERSION '1.0';
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS ok;
SELECT pg_temp.registry_state() AS state_before \gset

\x on
SELECT a.*
FROM pg_catalog.unnest(ARRAY[
    $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User", "is_task": false}')$$,
    $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User", "product_tag": "USER_INT"}')$$,
    $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "VALIDATE", "description": "Create user", "product_type": "User"}')$$
]) WITH ORDINALITY AS c(call, n), LATERAL pg_temp.attempt(c.call) AS a
ORDER BY c.n;
\x off

SELECT pg_temp.registry_state() OPERATOR(pg_catalog.=) :'state_before' AS registry_unchanged;

ALTER EXTENSION workflow_registry UPDATE TO '1.1';
SELECT pg_temp.registry_state() AS state_before \gset
\x on
SELECT a.*
FROM pg_catalog.unnest(ARRAY[
    $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User", "product_tag": "USER_INT"}')$$,
    $$SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "RECONCILE", "description": "Create user", "product_type": "User"}')$$
]) WITH ORDINALITY AS c(call, n), LATERAL pg_temp.attempt(c.call) AS a
ORDER BY c.n;
\x off

SELECT pg_temp.registry_state() OPERATOR(pg_catalog.=) :'state_before' AS registry_unchanged;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
