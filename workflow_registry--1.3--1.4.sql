/* workflow_registry--1.3--1.4.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.4'" to load this file. \quit

-- The declarative registry: compare a manifest of what the code registers
-- with the registry, and apply the difference as one data migration.

CREATE FUNCTION workflow_registry.plan(manifest pg_catalog.jsonb,
                                       allow_delete pg_catalog.bool DEFAULT false)
RETURNS TABLE (action pg_catalog.text, kind pg_catalog.text, name pg_catalog.text,
               key pg_catalog.text, old_value pg_catalog.text, new_value pg_catalog.text)
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'plan_manifest';
COMMENT ON FUNCTION workflow_registry.plan(pg_catalog.jsonb, pg_catalog.bool) IS
    'The actions (create, update, delete, link, unlink) that would make the registry equal to a manifest {"workflows", "tasks", "products"}; writes nothing';

CREATE FUNCTION workflow_registry.sync(manifest pg_catalog.jsonb,
                                       version pg_catalog.text,
                                       allow_delete pg_catalog.bool DEFAULT false)
RETURNS TABLE (action pg_catalog.text, kind pg_catalog.text, name pg_catalog.text,
               key pg_catalog.text, old_value pg_catalog.text, new_value pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sync_manifest';
COMMENT ON FUNCTION workflow_registry.sync(pg_catalog.jsonb, pg_catalog.text, pg_catalog.bool) IS
    'Apply the plan of a manifest as the data migration "version" (revert_migration undoes it) and return the actions taken; with nothing to do it records nothing';

CREATE FUNCTION workflow_registry."check"(code_workflows pg_catalog.jsonb)
RETURNS TABLE (difference pg_catalog.text, name pg_catalog.text,
               code_target pg_catalog.text, registered_target pg_catalog.text)
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'check_code';
COMMENT ON FUNCTION workflow_registry."check"(pg_catalog.jsonb) IS
    'Compare the workflows the code registers (names, or {"name", "target"}) with the registry: not registered, not in code, target differs';

-- plan and check only read, but they read every row: not for PUBLIC either
REVOKE ALL ON FUNCTION workflow_registry.plan(pg_catalog.jsonb, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.sync(pg_catalog.jsonb, pg_catalog.text, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry."check"(pg_catalog.jsonb) FROM PUBLIC;

COMMENT ON SCHEMA workflow_registry IS
    'Registry of orchestrator workflows and products, written through validating functions; every change sends NOTIFY workflow_registry';

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.4', 'extension',
        'Declarative registry (plan, sync, check), NOTIFY workflow_registry on every change');
