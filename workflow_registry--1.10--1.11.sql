/* workflow_registry--1.10--1.11.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.11'" to load this file. \quit

-- move to the symbols of 1.11: a definition given to create_workflow or
-- create_workflows may choose the new workflow's id ("workflow_id"), as
-- orchestrator-core's create_workflows() helper does, so that its
-- migrations register the ids they always registered.  A migration step
-- and a manifest entry do not take one: their workflows' ids stay the
-- registry's.  CREATE OR REPLACE keeps the functions' oids and grants.
CREATE OR REPLACE FUNCTION workflow_registry.create_workflow(workflow pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_workflow_1_11';
COMMENT ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) IS
    'Register a workflow from {"name", "target", "description", "product_type", "is_task", "product_tag", "default", "workflow_id"} and link it to the products of that type (and tag), or with "default": true to every product; returns its id, the one given or a new one';

CREATE OR REPLACE FUNCTION workflow_registry.create_workflows(workflows pg_catalog.jsonb)
RETURNS TABLE (name pg_catalog.text, workflow_id pg_catalog.uuid)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_workflows_1_11';

-- apply_migration takes an update_workflows step: the same changes for
-- every registered workflow whose name is LIKE a pattern, as a team's
-- migrations write "UPDATE workflows SET ... WHERE name LIKE ...", each
-- workflow's old values kept for the revert.
CREATE OR REPLACE FUNCTION workflow_registry.apply_migration(version pg_catalog.text,
                                                  description pg_catalog.text,
                                                  steps pg_catalog.jsonb,
                                                  requires pg_catalog.text[] DEFAULT '{}')
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'apply_migration_1_11';

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.11', 'extension', 'create_workflow and create_workflows take a caller-chosen "workflow_id"; apply_migration takes update_workflows steps (name_like)');
