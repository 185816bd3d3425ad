/* workflow_registry--1.6--1.7.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.7'" to load this file. \quit

-- The CHECK constraint's function gets a C symbol of its own version, as
-- every other function has: a later library that changes the rules for a
-- workflow row then changes them only for the databases updated to the
-- version that says so, while valid_workflow_row (1.6) keeps its rules.
-- CREATE OR REPLACE keeps the function's oid, so the constraint, the
-- comment and the grant to PUBLIC stay as they are.
CREATE OR REPLACE FUNCTION workflow_registry.valid_workflow_row(
        name pg_catalog.varchar,
        description pg_catalog.varchar,
        product_type pg_catalog.varchar,
        product_tag pg_catalog.varchar,
        is_task pg_catalog.bool)
RETURNS pg_catalog.bool
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'valid_workflow_row_1_7';

-- Attaching to orchestrator-core's own tables.  The registry then is
-- orchestrator-core's workflows, products and products_workflows in one
-- schema, which a running orchestrator reads; the extension keeps beside
-- them only what those tables have no column for.
CREATE TABLE workflow_registry.attachment (
    schema_name       pg_catalog.name NOT NULL PRIMARY KEY,
    tables_owner      pg_catalog.regrole NOT NULL,
    default_workflows pg_catalog.text[] NOT NULL,
    attached_at       pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    attached_by       pg_catalog.name NOT NULL
);
-- at most one attachment: a single-row table
CREATE UNIQUE INDEX attachment_one_row ON workflow_registry.attachment ((true));
COMMENT ON TABLE workflow_registry.attachment IS
    'The schema whose orchestrator-core tables are the registry (attach_orchestrator_core); empty when the registry is the extension''s own tables';
COMMENT ON COLUMN workflow_registry.attachment.tables_owner IS
    'The owner of orchestrator-core''s tables, as whom the functions read and write them';
COMMENT ON COLUMN workflow_registry.attachment.default_workflows IS
    'Workflows linked to every product of every type, as orchestrator-core''s DEFAULT_PRODUCT_WORKFLOWS';

CREATE TABLE workflow_registry.attached_workflows (
    workflow_id  pg_catalog.uuid NOT NULL PRIMARY KEY,
    product_type pg_catalog.varchar(255),
    product_tag  pg_catalog.varchar(20),
    is_default   pg_catalog.bool NOT NULL DEFAULT false,
    CONSTRAINT attached_workflows_check CHECK (
        NOT (is_default AND product_type IS NOT NULL)
        AND (product_tag IS NULL OR product_type IS NOT NULL))
);
CREATE INDEX attached_workflows_product_type ON workflow_registry.attached_workflows (product_type);
COMMENT ON TABLE workflow_registry.attached_workflows IS
    'While attached: the product type and tag of each workflow of orchestrator-core''s table that the registry manages, or that it is a default workflow; what orchestrator-core has no column for';

SELECT pg_catalog.pg_extension_config_dump('workflow_registry.attachment', '');
SELECT pg_catalog.pg_extension_config_dump('workflow_registry.attached_workflows', '');

CREATE FUNCTION workflow_registry.attach_orchestrator_core(
        schema_name pg_catalog.name DEFAULT 'public',
        default_workflows pg_catalog.text[] DEFAULT '{modify_note}')
RETURNS TABLE (kind pg_catalog.text, name pg_catalog.text,
               action pg_catalog.text, reason pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'attach_orchestrator_core';
COMMENT ON FUNCTION workflow_registry.attach_orchestrator_core(pg_catalog.name, pg_catalog.text[]) IS
    'Make orchestrator-core''s workflows, products and products_workflows in a schema the registry: classify their rows, record each workflow''s product type and tag, add the guards orchestrator-core''s own writers satisfy; returns one row per workflow';
REVOKE ALL ON FUNCTION workflow_registry.attach_orchestrator_core(pg_catalog.name, pg_catalog.text[]) FROM PUBLIC;

CREATE FUNCTION workflow_registry.detach_orchestrator_core()
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'detach_orchestrator_core';
COMMENT ON FUNCTION workflow_registry.detach_orchestrator_core() IS
    'Undo attach_orchestrator_core: drop its guards and what it recorded; orchestrator-core''s rows stay as they are';
REVOKE ALL ON FUNCTION workflow_registry.detach_orchestrator_core() FROM PUBLIC;

-- The guard on orchestrator-core's workflows.target: a varchar, as its ORM
-- binds it, holding a label of workflow_registry.target.  Whoever may write
-- that table must be able to run the CHECK; it reads nothing but its
-- argument and the enum's labels, which are only ever added to.
CREATE FUNCTION workflow_registry.valid_target(target pg_catalog.varchar)
RETURNS pg_catalog.bool
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'valid_target';
COMMENT ON FUNCTION workflow_registry.valid_target(pg_catalog.varchar) IS
    'CHECK constraint of an attached orchestrator-core workflows table: the target is exactly a label of workflow_registry.target';
GRANT EXECUTE ON FUNCTION workflow_registry.valid_target(pg_catalog.varchar) TO PUBLIC;

-- The trigger on orchestrator-core's products: a product that
-- orchestrator-core inserts itself is linked at once to the registered
-- workflows of its type and tag, and to the default workflows.
CREATE FUNCTION workflow_registry.link_new_product()
RETURNS trigger
LANGUAGE C SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'link_new_product';
COMMENT ON FUNCTION workflow_registry.link_new_product() IS
    'Trigger of an attached orchestrator-core products table: link each new product as create_product would';
REVOKE ALL ON FUNCTION workflow_registry.link_new_product() FROM PUBLIC;

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.7', 'extension', 'attach_orchestrator_core and detach_orchestrator_core; valid_workflow_row bound to a C symbol of its own version');
