/* workflow_registry--1.4--1.5.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.5'" to load this file. \quit

-- The way in for orchestrator-core users: adopt their registry, ids kept.
CREATE FUNCTION workflow_registry.import_orchestrator_core(
        source_schema pg_catalog.name DEFAULT 'public',
        dry_run pg_catalog.bool DEFAULT true)
RETURNS TABLE (kind pg_catalog.text, name pg_catalog.text,
               action pg_catalog.text, reason pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'import_orchestrator_core';
COMMENT ON FUNCTION workflow_registry.import_orchestrator_core(pg_catalog.name, pg_catalog.bool) IS
    'Import orchestrator-core''s products, workflows and links from a schema, ids kept, as one revertable data migration; every row that cannot be taken as it is comes back with the reason; dry_run (the default) writes nothing';

REVOKE ALL ON FUNCTION workflow_registry.import_orchestrator_core(pg_catalog.name, pg_catalog.bool) FROM PUBLIC;

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.5', 'extension', 'import_orchestrator_core');
