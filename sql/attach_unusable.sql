--
-- An attachment whose recorded owner cannot run its statements any more,
-- as after pg_restore --no-privileges or --no-owner: a clear error before
-- any statement, for the extension's writers and for orchestrator-core's
-- own inserts into products (the trigger), until it is mended.
--
CREATE EXTENSION workflow_registry;
CREATE ROLE regress_unusable_orch;
CREATE ROLE regress_unusable_other;
CREATE SCHEMA oc AUTHORIZATION regress_unusable_orch;
SET ROLE regress_unusable_orch;
SET search_path = oc;
\set ECHO none
\i test/orchestrator-core/schema.sql
\set ECHO all
RESET search_path;
INSERT INTO oc.products (name, description, product_type, tag, status)
VALUES ('User internal', 'Internal user', 'User', 'USER_INT', 'active');
RESET ROLE;
SELECT kind, name, action FROM workflow_registry.attach_orchestrator_core('oc', '{}', target_check => true, link_new_products => true);
SELECT workflow_registry.create_workflow('{"name": "create_user", "target": "CREATE", "description": "Create user", "product_type": "User"}') IS NOT NULL AS registered;

-- the grants attach gave the tables' owner are gone (--no-privileges)
REVOKE ALL ON workflow_registry.attached_workflows FROM regress_unusable_orch;
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}');
\echo :LAST_ERROR_SQLSTATE
SET ROLE regress_unusable_orch;
INSERT INTO oc.products (name, description, product_type, tag, status)
VALUES ('User external', 'External user', 'User', 'USER_EXT', 'active');
RESET ROLE;
-- given back, it works again at once: the grant is watched
GRANT SELECT, INSERT, UPDATE, DELETE ON workflow_registry.attached_workflows TO regress_unusable_orch;
SELECT workflow_registry.create_workflow('{"name": "modify_user", "target": "MODIFY", "description": "Modify user", "product_type": "User"}') IS NOT NULL AS registered;

-- the tables belong to another role now (--no-owner)
ALTER TABLE oc.workflows OWNER TO regress_unusable_other;
\set VERBOSITY terse
SELECT workflow_registry.delete_workflow('modify_user');
\set VERBOSITY default
ALTER TABLE oc.workflows OWNER TO regress_unusable_orch;
SELECT workflow_registry.delete_workflow('modify_user');
SELECT name FROM oc.workflows ORDER BY name;

SELECT workflow_registry.detach_orchestrator_core();
DROP EXTENSION workflow_registry;
DROP SCHEMA workflow_registry;
DROP SCHEMA oc CASCADE;
DROP ROLE regress_unusable_orch;
DROP ROLE regress_unusable_other;
