/* workflow_registry--1.8--1.9.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.9'" to load this file. \quit

-- Attached, orchestrator-core cannot tell: attach adds nothing to
-- orchestrator-core's tables unless asked to.  Its two guards change what
-- orchestrator-core's own writers see (a product it inserts gets the
-- registry's links before its ORM inserts the ones it was given; a target
-- its varchar column takes is refused), so each is an option, off by
-- default.  The attachment records which it has, and the version of its
-- own ledger row, which detach reverts.  An attachment made before 1.9
-- has both guards, and its ledger row is found by its schema.
ALTER TABLE workflow_registry.attachment
    ADD COLUMN target_check pg_catalog.bool NOT NULL DEFAULT true,
    ADD COLUMN link_new_products pg_catalog.bool NOT NULL DEFAULT true,
    ADD COLUMN migration pg_catalog.text;
COMMENT ON COLUMN workflow_registry.attachment.target_check IS
    'The CHECK that orchestrator-core''s workflows.target is a label of workflow_registry.target (attach''s target_check)';
COMMENT ON COLUMN workflow_registry.attachment.link_new_products IS
    'The trigger that links the products orchestrator-core inserts itself (attach''s link_new_products)';
COMMENT ON COLUMN workflow_registry.attachment.migration IS
    'The data migration of the ledger that attached, which detach_orchestrator_core() reverts (NULL before 1.9)';

DROP FUNCTION workflow_registry.attach_orchestrator_core(pg_catalog.name, pg_catalog.text[]);
CREATE FUNCTION workflow_registry.attach_orchestrator_core(
        schema_name pg_catalog.name DEFAULT 'public',
        default_workflows pg_catalog.text[] DEFAULT '{modify_note}',
        target_check pg_catalog.bool DEFAULT false,
        link_new_products pg_catalog.bool DEFAULT false)
RETURNS TABLE (kind pg_catalog.text, name pg_catalog.text,
               action pg_catalog.text, reason pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'attach_orchestrator_core_1_9';
COMMENT ON FUNCTION workflow_registry.attach_orchestrator_core(pg_catalog.name, pg_catalog.text[], pg_catalog.bool, pg_catalog.bool) IS
    'Make orchestrator-core''s workflows, products and products_workflows in a schema the registry: classify their rows and record each workflow''s product type and tag; with target_check or link_new_products, add those guards to orchestrator-core''s tables; returns one row per workflow and product';
REVOKE ALL ON FUNCTION workflow_registry.attach_orchestrator_core(pg_catalog.name, pg_catalog.text[], pg_catalog.bool, pg_catalog.bool) FROM PUBLIC;

-- detach reverts the migration the attachment records; CREATE OR REPLACE
-- keeps the function's oid, comment and grants.
CREATE OR REPLACE FUNCTION workflow_registry.detach_orchestrator_core()
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'detach_orchestrator_core_1_9';

-- Deleting a workflow orchestrator-core's scheduler starts is refused (the
-- library's); check() reports the schedules it would start wrongly.  The
-- same result columns: CREATE OR REPLACE keeps the grants.
CREATE OR REPLACE FUNCTION workflow_registry."check"(code_workflows pg_catalog.jsonb)
RETURNS TABLE (difference pg_catalog.text, kind pg_catalog.text, name pg_catalog.text,
               key pg_catalog.text, code_value pg_catalog.text,
               registered_value pg_catalog.text)
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'check_code_1_9';
COMMENT ON FUNCTION workflow_registry."check"(pg_catalog.jsonb) IS
    'Compare the workflows the code registers (names, or {"name", "target", "description"}) with the registry, as orchestrator-core''s task_validate_products does: not registered, not in code, target differs, description differs, product without workflows, product without default workflow; attached, schedules of a deleted workflow or of one that is not a task';

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.9', 'extension', 'attach adds no guard to orchestrator-core''s tables unless asked (target_check, link_new_products), and records the migration detach reverts; check() reports orchestrator-core''s schedules');
