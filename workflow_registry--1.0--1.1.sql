/* workflow_registry--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.1'" to load this file. \quit

-- orchestrator-core added VALIDATE after SYSTEM
ALTER TYPE workflow_registry.target ADD VALUE 'VALIDATE' AFTER 'SYSTEM';

-- Tasks: workflows that belong to no product.  Adding a column with a
-- constant default rewrites nothing.  The CHECK holds for every existing row
-- (1.0 made product_type NOT NULL), so it is added NOT VALID: it applies to
-- every new and changed row, and the update does not scan the table.
ALTER TABLE workflow_registry.workflows
    ADD COLUMN is_task boolean NOT NULL DEFAULT false,
    ALTER COLUMN product_type DROP NOT NULL,
    ADD CONSTRAINT workflows_product_type_check CHECK (
        is_task OR product_type IS NOT NULL) NOT VALID;

COMMENT ON COLUMN workflow_registry.workflows.is_task IS
    'True for a task: a SYSTEM workflow that runs on no product';
COMMENT ON COLUMN workflow_registry.workflows.product_type IS
    'The workflow is linked to every product of this type; NULL only for tasks';

-- create_workflow takes "is_task" from 1.1 on
CREATE OR REPLACE FUNCTION workflow_registry.create_workflow(workflow pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_workflow_1_1';
COMMENT ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) IS
    'Register a workflow from {"name", "target", "description", "product_type", "is_task"} and link it to the products of that type; returns its id';

CREATE FUNCTION workflow_registry.create_task(task pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_task';
COMMENT ON FUNCTION workflow_registry.create_task(pg_catalog.jsonb) IS
    'Register a task from {"name", "description"}: target SYSTEM, is_task, no products; returns its id';

REVOKE ALL ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.create_task(pg_catalog.jsonb) FROM PUBLIC;

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.1', 'extension',
        'Target VALIDATE, tasks (workflows.is_task, create_task)');
