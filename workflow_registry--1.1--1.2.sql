/* workflow_registry--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.2'" to load this file. \quit

-- orchestrator-core added RECONCILE after VALIDATE
ALTER TYPE workflow_registry.target ADD VALUE 'RECONCILE' AFTER 'VALIDATE';

-- A workflow may be limited to the products of its type that have one tag.
-- The new column is NULL in every existing row, so the CHECK holds for them
-- and is added NOT VALID, without a scan of the table.
ALTER TABLE workflow_registry.workflows
    ADD COLUMN product_tag varchar(20),
    ADD CONSTRAINT workflows_product_tag_check CHECK (
        product_tag IS NULL
        OR (product_type IS NOT NULL
            AND pg_catalog.char_length(product_tag) OPERATOR(pg_catalog.>=) 1)) NOT VALID;

COMMENT ON COLUMN workflow_registry.workflows.product_tag IS
    'When set, the workflow is linked only to the products of its type with this tag';

-- create_workflow takes "product_tag" from 1.2 on, and create_product
-- honours it when it links a new product.
CREATE OR REPLACE FUNCTION workflow_registry.create_workflow(workflow pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_workflow_1_2';
COMMENT ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) IS
    'Register a workflow from {"name", "target", "description", "product_type", "is_task", "product_tag"} and link it to the products of that type (and tag); returns its id';

CREATE OR REPLACE FUNCTION workflow_registry.create_product(product pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_product_1_2';
COMMENT ON FUNCTION workflow_registry.create_product(pg_catalog.jsonb) IS
    'Register a product from {"name", "description", "product_type", "tag", "status"} and link it to the workflows of its type whose product_tag is unset or its tag; returns its id';

REVOKE ALL ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.create_product(pg_catalog.jsonb) FROM PUBLIC;

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.2', 'extension',
        'Target RECONCILE, workflows.product_tag');
