/* workflow_registry--1.7--1.8.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.8'" to load this file. \quit

-- Default workflows, as orchestrator-core's DEFAULT_PRODUCT_WORKFLOWS
-- (modify_note): a workflow with no product type that is linked to every
-- product of every type.  While attached, attached_workflows.is_default
-- (1.7) says the same of orchestrator-core's rows.
ALTER TABLE workflow_registry.workflows
    ADD COLUMN is_default pg_catalog.bool NOT NULL DEFAULT false;
COMMENT ON COLUMN workflow_registry.workflows.is_default IS
    'A default workflow: no product type, not a task, linked to every product of every type';

-- The row rules gain the default workflow, so the CHECK constraint needs
-- its column: a function of six arguments, under the symbol of 1.8.  The
-- one of five goes with the constraint that used it (its C symbol stays,
-- for databases still on 1.6 and 1.7).  NOT VALID as in 1.6: every row
-- there has is_default false, and met the same rules before.
CREATE FUNCTION workflow_registry.valid_workflow_row(
        name pg_catalog.varchar,
        description pg_catalog.varchar,
        product_type pg_catalog.varchar,
        product_tag pg_catalog.varchar,
        is_task pg_catalog.bool,
        is_default pg_catalog.bool)
RETURNS pg_catalog.bool
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'valid_workflow_row_1_8';
COMMENT ON FUNCTION workflow_registry.valid_workflow_row(pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.bool, pg_catalog.bool) IS
    'CHECK constraint of workflows: the name is an identifier of at most 255 characters, the description is not empty, a workflow that is neither a task nor a default workflow has a product type, a default workflow has none and is no task, and a product tag is not empty and comes with a product type';
GRANT EXECUTE ON FUNCTION workflow_registry.valid_workflow_row(pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.bool, pg_catalog.bool) TO PUBLIC;

ALTER TABLE workflow_registry.workflows
    DROP CONSTRAINT workflows_row_check,
    ADD CONSTRAINT workflows_row_check CHECK (
        workflow_registry.valid_workflow_row(name, description, product_type,
                                             product_tag, is_task, is_default)) NOT VALID;
DROP FUNCTION workflow_registry.valid_workflow_row(pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.bool);

-- The functions that take a workflow definition or register a product
-- move to the symbols of 1.8: create_workflow takes "default": true (no
-- product type: linked to every product of every type), create_product
-- links a new product to the default workflows too.  CREATE OR REPLACE
-- keeps their oids, comments and grants.
CREATE OR REPLACE FUNCTION workflow_registry.create_workflow(workflow pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_workflow_1_8';
COMMENT ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) IS
    'Register a workflow from {"name", "target", "description", "product_type", "is_task", "product_tag", "default"} and link it to the products of that type (and tag), or with "default": true to every product; returns its id';

CREATE OR REPLACE FUNCTION workflow_registry.create_product(product pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_product_1_8';
COMMENT ON FUNCTION workflow_registry.create_product(pg_catalog.jsonb) IS
    'Register a product from {"name", "description", "product_type", "tag", "status"} and link it to the default workflows and to the workflows of its type whose product_tag is unset or its tag; returns its id';

CREATE OR REPLACE FUNCTION workflow_registry.create_workflows(workflows pg_catalog.jsonb)
RETURNS TABLE (name pg_catalog.text, workflow_id pg_catalog.uuid)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_workflows_1_8';

CREATE OR REPLACE FUNCTION workflow_registry.apply_migration(version pg_catalog.text,
                                                  description pg_catalog.text,
                                                  steps pg_catalog.jsonb,
                                                  requires pg_catalog.text[] DEFAULT '{}')
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'apply_migration_1_8';

-- a revert restores default workflows, and products linked to them
CREATE OR REPLACE FUNCTION workflow_registry.revert_migration(version pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'revert_migration_1_8';

-- The import takes orchestrator-core's default workflows: one linked to
-- every product, of more than one product type, is imported as a default
-- workflow instead of being refused for its several types.
CREATE OR REPLACE FUNCTION workflow_registry.import_orchestrator_core(
        source_schema pg_catalog.name DEFAULT 'public',
        dry_run pg_catalog.bool DEFAULT true)
RETURNS TABLE (kind pg_catalog.text, name pg_catalog.text,
               action pg_catalog.text, reason pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'import_orchestrator_core_1_8';

-- ---------------------------------------------------------------------
-- check() compares what orchestrator-core's nightly task_validate_products
-- compares (manifest.c): names both ways, the target and description of
-- every code workflow, products without workflows, active products without
-- a default workflow.  The 1.4 columns (code_target, registered_target)
-- have no room for a description or a product, so the function gets a new
-- result type: it is replaced, under the C symbol of 1.8 (check_code stays,
-- for databases still on 1.4 to 1.7).  Dropping the function drops the
-- grants made on it: run the README's grants again after this update.
-- ---------------------------------------------------------------------
DROP FUNCTION workflow_registry."check"(pg_catalog.jsonb);
CREATE FUNCTION workflow_registry."check"(code_workflows pg_catalog.jsonb)
RETURNS TABLE (difference pg_catalog.text, kind pg_catalog.text, name pg_catalog.text,
               key pg_catalog.text, code_value pg_catalog.text,
               registered_value pg_catalog.text)
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'check_code_1_8';
COMMENT ON FUNCTION workflow_registry."check"(pg_catalog.jsonb) IS
    'Compare the workflows the code registers (names, or {"name", "target", "description"}) with the registry, as orchestrator-core''s task_validate_products does: not registered, not in code, target differs, description differs, product without workflows, product without default workflow';
-- as in 1.4: it only reads, but it reads every row, so not for PUBLIC
REVOKE ALL ON FUNCTION workflow_registry."check"(pg_catalog.jsonb) FROM PUBLIC;

-- plan() and sync() take the key "default" in the manifest's workflows,
-- compare it like the other keys and link a default workflow to every
-- product; attached, the default workflows are the manifest's to change
-- too (before, a manifest could not describe them and plan() kept out of
-- them).  Same signatures, under the C symbols of 1.8; CREATE OR REPLACE
-- keeps their comments (about the manifest's lists, which are unchanged)
-- and grants.
CREATE OR REPLACE FUNCTION workflow_registry.plan(manifest pg_catalog.jsonb,
                                                  allow_delete pg_catalog.bool DEFAULT false)
RETURNS TABLE (action pg_catalog.text, kind pg_catalog.text, name pg_catalog.text,
               key pg_catalog.text, old_value pg_catalog.text, new_value pg_catalog.text)
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'plan_manifest_1_8';

CREATE OR REPLACE FUNCTION workflow_registry.sync(manifest pg_catalog.jsonb,
                                                  version pg_catalog.text,
                                                  allow_delete pg_catalog.bool DEFAULT false)
RETURNS TABLE (action pg_catalog.text, kind pg_catalog.text, name pg_catalog.text,
               key pg_catalog.text, old_value pg_catalog.text, new_value pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sync_manifest_1_8';

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.8', 'extension', 'Default workflows (is_default, key "default"); check() compares as task_validate_products does; valid_workflow_row takes is_default');
