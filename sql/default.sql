--
-- Default workflows (1.8): "default": true registers a workflow without a
-- product type that is linked to every product of every type, as
-- orchestrator-core's modify_note; in the extension's own tables and in
-- attached ones.
--
CREATE EXTENSION workflow_registry;

CREATE FUNCTION pg_temp.links(workflow text) RETURNS text
LANGUAGE sql AS $$
SELECT pg_catalog.string_agg(p.name, ', ' ORDER BY p.name)
FROM workflow_registry.products_workflows AS pw
JOIN workflow_registry.products AS p USING (product_id)
JOIN workflow_registry.workflows AS w USING (workflow_id)
WHERE w.name = workflow
$$;

SELECT workflow_registry.create_product('{"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}') IS NOT NULL AS product;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS product;

-- linked to the products of both types at once
SELECT workflow_registry.create_workflow('{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}') AS note_id \gset
SELECT name, product_type, is_task, is_default FROM workflow_registry.workflows;
SELECT pg_temp.links('modify_note');

-- the same definition again is the same workflow
SELECT workflow_registry.create_workflow('{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}') = :'note_id' AS same_id;
-- "default": false is the ordinary workflow, which needs a product type
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User", "default": false}') IS NOT NULL AS ordinary;
SELECT pg_temp.links('modify_user');

-- a product registered later gets the default workflows' links too
SELECT workflow_registry.create_product('{"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}') IS NOT NULL AS product;
SELECT pg_temp.links('modify_note');
SELECT pg_temp.links('modify_user');

-- errors, each writing nothing
SELECT pg_catalog.count(*) AS links_before FROM workflow_registry.products_workflows \gset
SELECT workflow_registry.create_workflow('{"name": "modify_typed", "target": "MODIFY", "description": "Typed", "product_type": "User", "default": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_tagged", "target": "MODIFY", "description": "Tagged", "product_tag": "GROUP", "default": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "task_default", "target": "SYSTEM", "description": "A task", "is_task": true, "default": true}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_untyped", "target": "MODIFY", "description": "No type", "default": false}');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.create_workflow('{"name": "modify_untyped", "target": "MODIFY", "description": "No type", "default": "yes"}');
\echo :LAST_ERROR_SQLSTATE
-- registered as a default workflow, given again as an ordinary one
SELECT workflow_registry.create_workflow('{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "product_type": "User"}');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_catalog.count(*) AS workflows, pg_catalog.count(*) FILTER (WHERE is_default) AS defaults
FROM workflow_registry.workflows;
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.=) :links_before AS links_unchanged
FROM workflow_registry.products_workflows;

-- create_workflows takes the key too, and links each default workflow to
-- every product
SELECT name FROM workflow_registry.create_workflows('[
  {"name": "modify_note_bulk", "target": "MODIFY", "description": "Modify Note", "default": true},
  {"name": "terminate_user", "target": "TERMINATE", "description": "Terminate user", "product_type": "User"}]');
SELECT pg_temp.links('modify_note_bulk');
SELECT pg_temp.links('terminate_user');
SELECT name FROM workflow_registry.create_workflows('[
  {"name": "modify_note_bulk", "target": "MODIFY", "description": "Modify Note", "default": true}]');
SELECT name FROM workflow_registry.create_workflows('[
  {"name": "modify_note_bulk", "target": "MODIFY", "description": "Modify Note", "product_type": "User"}]');
SELECT name FROM workflow_registry.create_workflows('[
  {"name": "bulk_typed_default", "target": "MODIFY", "description": "Typed", "product_type": "User", "default": true}]');
SELECT workflow_registry.delete_workflow('modify_note_bulk');
SELECT workflow_registry.delete_workflow('terminate_user');

-- deleting a default workflow or a product takes its links with it
SELECT workflow_registry.delete_product('User external');
SELECT pg_temp.links('modify_note');
SELECT workflow_registry.delete_workflow('modify_note');
SELECT pg_catalog.count(*) AS links_left FROM workflow_registry.products_workflows;

-- the lock of the default workflows: its own object, after the type locks
BEGIN;
SELECT workflow_registry.create_workflow('{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}') IS NOT NULL AS registered;
SELECT l.objid, l.objsubid, l.mode FROM pg_catalog.pg_locks AS l
WHERE l.locktype = 'object' AND l.classid = 'workflow_registry.products'::pg_catalog.regclass
  AND l.pid = pg_catalog.pg_backend_pid() AND l.objsubid = 1;
ROLLBACK;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

-- data migrations (1.8): default in create_workflow and update_workflow
-- steps, and their exact revert
CREATE EXTENSION workflow_registry;
CREATE FUNCTION pg_temp.fingerprint() RETURNS text
LANGUAGE sql AS $$
SELECT pg_catalog.md5(pg_catalog.string_agg(t, ',' ORDER BY t)) FROM (
    SELECT pg_catalog.format('%s %s %s %s %s %s %s %s', w.workflow_id, w.name, w.target,
                             w.description, w.product_type, w.is_task, w.is_default, w.created_at) AS t
    FROM workflow_registry.workflows AS w
    UNION ALL SELECT pg_catalog.format('%s %s', pw.workflow_id, pw.product_id)
    FROM workflow_registry.products_workflows AS pw
    UNION ALL SELECT pg_catalog.format('%s %s', p.product_id, p.name) FROM workflow_registry.products AS p) AS x
$$;
SELECT workflow_registry.apply_migration('d0', 'Products', '[
  {"create_product": {"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}},
  {"create_product": {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}}]');
SELECT pg_temp.fingerprint() AS before_d1 \gset
SELECT workflow_registry.apply_migration('d1', 'Default workflows', '[
  {"create_workflow": {"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}},
  {"create_product": {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}},
  {"create_workflow": {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}}]');
SELECT pg_temp.links('modify_note');
SELECT pg_temp.fingerprint() AS after_d1 \gset
-- a default workflow becomes an ordinary one, and back
SELECT workflow_registry.apply_migration('d2', 'Not a default', '[
  {"update_workflow": {"name": "modify_note", "default": false, "product_type": "User"}}]');
SELECT name, product_type, is_default FROM workflow_registry.workflows WHERE name = 'modify_note';
SELECT pg_temp.links('modify_note');
SELECT workflow_registry.revert_migration('d2');
SELECT pg_temp.fingerprint() = :'after_d1' AS d2_reverted_exactly;
-- a typed workflow cannot become a default one while it keeps its type;
-- it can with "product_type": null (1.8), and back by the revert
SELECT workflow_registry.apply_migration('d3', 'Typed default', '[
  {"update_workflow": {"name": "modify_user", "default": true}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT workflow_registry.apply_migration('d3', 'Typed default', '[
  {"update_workflow": {"name": "modify_user", "default": true, "product_type": null}}]');
SELECT name, product_type, is_default FROM workflow_registry.workflows WHERE name = 'modify_user';
SELECT pg_temp.links('modify_user');
SELECT workflow_registry.revert_migration('d3');
SELECT pg_temp.fingerprint() = :'after_d1' AS d3_reverted_exactly;
-- null leaves a workflow that is neither a task nor a default one without
-- a type: refused
SELECT workflow_registry.apply_migration('d3b', 'No type', '[
  {"update_workflow": {"name": "modify_user", "product_type": null}}]');
\echo :LAST_ERROR_SQLSTATE
-- delete the default workflow, and revert: it comes back linked to all
SELECT workflow_registry.apply_migration('d4', 'Delete it', '[{"delete_workflow": "modify_note"}]');
SELECT pg_temp.links('modify_note');
SELECT workflow_registry.revert_migration('d4');
SELECT pg_temp.links('modify_note');
SELECT pg_temp.fingerprint() = :'after_d1' AS d4_reverted_exactly;
SELECT workflow_registry.revert_migration('d1');
SELECT pg_temp.fingerprint() = :'before_d1' AS d1_reverted_exactly;
-- the lock of a migration with a default workflow and a product: taken
-- first in the one mode that covers both, before any step
BEGIN;
SELECT workflow_registry.apply_migration('d5', 'Both', '[
  {"create_workflow": {"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}},
  {"create_product": {"name": "Admin", "description": "Administrator", "product_type": "Admin", "tag": "ADMIN"}}]');
SELECT l.mode FROM pg_catalog.pg_locks AS l
WHERE l.locktype = 'object' AND l.classid = 'workflow_registry.products'::pg_catalog.regclass
  AND l.pid = pg_catalog.pg_backend_pid() AND l.objsubid = 1 ORDER BY l.mode;
ROLLBACK;
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

-- the import (1.8) takes orchestrator-core's modify_note, linked to every
-- product by its ensure_default_workflows, as a default workflow
CREATE EXTENSION workflow_registry;
CREATE SCHEMA src;
SET search_path = src;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
INSERT INTO src.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active');
INSERT INTO src.workflows (name, target, description) VALUES
    ('modify_note', 'MODIFY', 'Modify Note');
INSERT INTO src.products_workflows
SELECT p.product_id, w.workflow_id FROM src.products AS p, src.workflows AS w
WHERE w.name = 'modify_note';
SELECT * FROM workflow_registry.import_orchestrator_core('src');
-- the registry's own products count: with one the source lacks it is linked
-- to some products of several types, which is still refused
SELECT workflow_registry.create_product('{"name": "Admin", "description": "Administrator", "product_type": "Admin", "tag": "ADMIN"}') IS NOT NULL AS product;
SELECT kind, name, action, reason FROM workflow_registry.import_orchestrator_core('src')
WHERE name = 'modify_note';
SELECT workflow_registry.delete_product('Admin');
SELECT kind, name, action FROM workflow_registry.import_orchestrator_core('src', dry_run => false);
SELECT name, product_type, is_default FROM workflow_registry.workflows;
SELECT pg_temp.links('modify_note');
-- imported again: present; and the revert takes it back out
SELECT kind, name, action FROM workflow_registry.import_orchestrator_core('src') WHERE kind = 'workflow';
SELECT workflow_registry.revert_migration('import-src-1');
SELECT pg_catalog.count(*) AS workflows_left FROM workflow_registry.workflows;

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

-- a database still on 1.7 does not know the key, and its import refuses
-- such a workflow
CREATE EXTENSION workflow_registry VERSION '1.7';
SELECT kind, name, action, reason FROM workflow_registry.import_orchestrator_core('src') WHERE kind = 'workflow';
DROP SCHEMA src CASCADE;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS product;
SELECT workflow_registry.create_workflow('{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}');
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY", "description": "Modify user"}');
ALTER EXTENSION workflow_registry UPDATE;
SELECT workflow_registry.create_workflow('{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}') IS NOT NULL AS registered_after_update;
SELECT pg_temp.links('modify_note');
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

-- attached: the flag lives in attached_workflows; orchestrator-core's own
-- new products are linked by the trigger
CREATE EXTENSION workflow_registry;
CREATE ROLE regress_default_orch;
CREATE SCHEMA oc AUTHORIZATION regress_default_orch;
SET ROLE regress_default_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active');
RESET ROLE;
SELECT kind, name, action FROM workflow_registry.attach_orchestrator_core('oc', '{}', target_check => true, link_new_products => true);

CREATE FUNCTION pg_temp.core_links(workflow text) RETURNS text
LANGUAGE sql AS $$
SELECT pg_catalog.string_agg(p.name, ', ' ORDER BY p.name)
FROM oc.products_workflows AS pw
JOIN oc.products AS p USING (product_id)
JOIN oc.workflows AS w USING (workflow_id)
WHERE w.name = workflow
$$;
SELECT workflow_registry.create_workflow('{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}') AS note_id \gset
SELECT m.product_type, m.product_tag, m.is_default FROM workflow_registry.attached_workflows AS m
WHERE m.workflow_id = :'note_id';
SELECT pg_temp.core_links('modify_note');
SELECT workflow_registry.create_workflow('{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}') = :'note_id' AS same_id;
\set VERBOSITY terse
SELECT workflow_registry.create_workflow('{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "product_type": "User"}');
\set VERBOSITY default
-- a product orchestrator-core inserts itself, and one through the extension
SET ROLE regress_default_orch;
INSERT INTO oc.products (name, description, product_type, tag, status)
VALUES ('User external', 'External user', 'User', 'USER_EXT', 'active');
RESET ROLE;
SELECT workflow_registry.create_product('{"name": "Admin", "description": "Administrator", "product_type": "Admin", "tag": "ADMIN"}') IS NOT NULL AS product;
SELECT pg_temp.core_links('modify_note');
SELECT name FROM workflow_registry.create_workflows('[
  {"name": "modify_note_bulk", "target": "MODIFY", "description": "Modify Note", "default": true}]');
SELECT m.is_default FROM workflow_registry.attached_workflows AS m
JOIN oc.workflows AS w USING (workflow_id) WHERE w.name = 'modify_note_bulk';
SELECT pg_temp.core_links('modify_note_bulk');
SELECT workflow_registry.delete_workflow('modify_note_bulk');
SELECT workflow_registry.delete_workflow('modify_note');
SELECT pg_catalog.count(*) AS core_links_left FROM oc.products_workflows;
SELECT workflow_registry.detach_orchestrator_core();

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP ROLE regress_default_orch;

-- plan and sync (1.8) take "default" in the manifest's workflows: compared
-- like the other keys, created with it, and a default workflow is linked to
-- every product after the plan, the manifest's new ones too
CREATE EXTENSION workflow_registry;
SELECT workflow_registry.create_product('{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}') IS NOT NULL AS product;
\set manifest '{"products": [{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}, {"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}], "workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User", "default": false}]}'
-- "default": true in the create row only where it is true
SELECT * FROM workflow_registry.plan(:'manifest');
SELECT pg_temp.fingerprint() AS before_s1 \gset
SELECT * FROM workflow_registry.sync(:'manifest', 's1');
SELECT name, product_type, is_default FROM workflow_registry.workflows ORDER BY name;
SELECT pg_temp.links('modify_note');
SELECT pg_temp.links('modify_user');
SELECT pg_catalog.jsonb_pretty(steps) FROM workflow_registry.migrations WHERE version = 's1';
SELECT * FROM workflow_registry.plan(:'manifest', allow_delete => true);
SELECT pg_temp.fingerprint() AS after_s1 \gset
-- a product the manifest adds is linked to the default workflow
\set more_products '{"products": [{"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}, {"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}, {"name": "Admin", "description": "Administrator", "product_type": "Admin", "tag": "ADMIN"}], "workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}]}'
SELECT * FROM workflow_registry.plan(:'more_products');
-- the default workflow becomes an ordinary one of type User: the update
-- rows, and the link to the group that goes
\set not_default '{"workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "product_type": "User", "default": false}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}]}'
SELECT * FROM workflow_registry.plan(:'not_default');
SELECT * FROM workflow_registry.sync(:'not_default', 's2');
SELECT pg_catalog.jsonb_pretty(steps) FROM workflow_registry.migrations WHERE version = 's2';
SELECT name, product_type, is_default FROM workflow_registry.workflows WHERE name = 'modify_note';
SELECT pg_temp.links('modify_note');
SELECT * FROM workflow_registry.plan(:'not_default');
-- and the manifest of s1 again plans it back
SELECT * FROM workflow_registry.plan(:'manifest');
SELECT workflow_registry.revert_migration('s2');
SELECT pg_temp.fingerprint() = :'after_s1' AS s2_reverted_exactly;
SELECT workflow_registry.revert_migration('s1');
SELECT pg_temp.fingerprint() = :'before_s1' AS s1_reverted_exactly;
-- the errors of the key, naming the entry
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "product_type": "User", "default": true}]}');
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": "yes"}]}');
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

-- a database still on 1.7 has the plan and sync of 1.4: no key "default"
CREATE EXTENSION workflow_registry VERSION '1.7';
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}]}');
ALTER EXTENSION workflow_registry UPDATE;
SELECT p.proname, p.prosrc, pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute,
       pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_catalog.pg_proc AS p
WHERE p.pronamespace = 'workflow_registry'::pg_catalog.regnamespace
  AND p.proname IN ('plan', 'sync') ORDER BY p.proname;
SELECT action, kind, name FROM workflow_registry.plan('{"workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify Note", "default": true}]}');
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;

-- attached: on orchestrator-core's tables, where its modify_note is a
-- default workflow of the attachment.  On 1.7 plan keeps out of it, listed
-- or not; from 1.8 on a manifest describes it, and only orchestrator-core's
-- own rows are kept out.
CREATE EXTENSION workflow_registry VERSION '1.7';
CREATE ROLE regress_default_orch;
CREATE SCHEMA oc AUTHORIZATION regress_default_orch;
SET ROLE regress_default_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
INSERT INTO oc.products (name, description, product_type, tag, status) VALUES
    ('User Group', 'Group of users', 'UserGroup', 'GROUP', 'active'),
    ('User internal', 'Internal user', 'User', 'USER_INT', 'active');
INSERT INTO oc.workflows (name, target, description) VALUES
    ('modify_note', 'MODIFY', 'Modify Note');
INSERT INTO oc.products_workflows
SELECT p.product_id, w.workflow_id FROM oc.products AS p, oc.workflows AS w
WHERE w.name = 'modify_note';
RESET ROLE;
SELECT kind, name, action FROM workflow_registry.attach_orchestrator_core('oc');
SELECT * FROM workflow_registry.plan('{"workflows": []}', allow_delete => true);
SELECT * FROM workflow_registry.plan('{"workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify a note", "product_type": "User"}]}', allow_delete => true);
ALTER EXTENSION workflow_registry UPDATE;
-- a row orchestrator-core inserts itself (no attached_workflows row) is
-- still kept out; the default workflow is deleted with allow_delete
SET ROLE regress_default_orch;
INSERT INTO oc.workflows (name, target, description) VALUES
    ('core_own', 'MODIFY', 'Orchestrator-core''s own');
RESET ROLE;
SELECT * FROM workflow_registry.plan('{"workflows": []}', allow_delete => true);

CREATE FUNCTION pg_temp.core_rows() RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.concat_ws(' | ',
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.products AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM oc.products_workflows AS t),
        (SELECT pg_catalog.string_agg(t::text, ',' ORDER BY t::text) FROM workflow_registry.attached_workflows AS t))
$$;
-- modify_note listed with another description: an update, no longer
-- skipped; a new default workflow and a new product, linked to each other
-- and to the rest
\set attached_manifest '{"products": [{"name": "User Group", "description": "Group of users", "product_type": "UserGroup", "tag": "GROUP"}, {"name": "User internal", "description": "Internal user", "product_type": "User", "tag": "USER_INT"}, {"name": "User external", "description": "External user", "product_type": "User", "tag": "USER_EXT"}], "workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify a note", "default": true}, {"name": "modify_tags", "target": "MODIFY", "description": "Modify tags", "default": true}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}]}'
SELECT * FROM workflow_registry.plan(:'attached_manifest');
SELECT pg_temp.core_rows() AS before_a1 \gset
SELECT * FROM workflow_registry.sync(:'attached_manifest', 'a1');
SELECT w.name, w.description, m.product_type, m.is_default
FROM oc.workflows AS w LEFT JOIN workflow_registry.attached_workflows AS m USING (workflow_id)
ORDER BY w.name;
SELECT pg_temp.core_links('modify_note');
SELECT pg_temp.core_links('modify_tags');
SELECT pg_temp.core_links('modify_user');
SELECT * FROM workflow_registry.plan(:'attached_manifest');
SELECT pg_temp.core_rows() AS after_a1 \gset
-- modify_tags becomes an ordinary workflow of type User, and back by revert
\set attached_not_default '{"workflows": [{"name": "modify_note", "target": "MODIFY", "description": "Modify a note", "default": true}, {"name": "modify_tags", "target": "MODIFY", "description": "Modify tags", "product_type": "User"}, {"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}]}'
SELECT * FROM workflow_registry.plan(:'attached_not_default');
SELECT * FROM workflow_registry.sync(:'attached_not_default', 'a2');
SELECT m.product_type, m.is_default FROM workflow_registry.attached_workflows AS m
JOIN oc.workflows AS w USING (workflow_id) WHERE w.name = 'modify_tags';
SELECT pg_temp.core_links('modify_tags');
SELECT * FROM workflow_registry.plan(:'attached_not_default');
SELECT workflow_registry.revert_migration('a2');
SELECT pg_temp.core_rows() = :'after_a1' AS a2_reverted_exactly;
SELECT workflow_registry.revert_migration('a1');
SELECT pg_temp.core_rows() = :'before_a1' AS a1_reverted_exactly;
SELECT workflow_registry.detach_orchestrator_core();

DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP ROLE regress_default_orch;
