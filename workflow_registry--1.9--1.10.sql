/* workflow_registry--1.9--1.10.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.10'" to load this file. \quit

-- attached_workflows' CHECK as one C call, with 1.7's rules, as workflows'
-- is since 1.6: the executor reads and plans a table's CHECK expressions
-- again for every statement that writes the table, and every attached
-- registration writes this one (about 27 k instructions per call, as much
-- as 1.9 added to an attached create_workflow).  The tables' owner, as whom
-- the registry writes it, must be able to run it: executable by PUBLIC, as
-- valid_workflow_row is; it reads nothing but its arguments.  The
-- constraint keeps its name, so its errors read as before.
CREATE FUNCTION workflow_registry.valid_attached_workflow(
        product_type pg_catalog.varchar, product_tag pg_catalog.varchar,
        is_default pg_catalog.bool)
RETURNS pg_catalog.bool
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'valid_attached_workflow';
COMMENT ON FUNCTION workflow_registry.valid_attached_workflow(pg_catalog.varchar, pg_catalog.varchar, pg_catalog.bool) IS
    'CHECK constraint of attached_workflows: a default workflow has no product type, and a product tag needs one';
GRANT EXECUTE ON FUNCTION workflow_registry.valid_attached_workflow(pg_catalog.varchar, pg_catalog.varchar, pg_catalog.bool) TO PUBLIC;
ALTER TABLE workflow_registry.attached_workflows
    DROP CONSTRAINT attached_workflows_check,
    ADD CONSTRAINT attached_workflows_check CHECK (
        workflow_registry.valid_attached_workflow(product_type, product_tag, is_default));

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.10', 'extension', 'attached_workflows'' CHECK as one C call (valid_attached_workflow)');
