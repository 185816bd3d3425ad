/* workflow_registry--1.5--1.6.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.6'" to load this file. \quit

-- One CHECK constraint on workflows, in C, instead of four in SQL.  The
-- executor reads and plans a table's CHECK expressions anew for every
-- statement that writes the table; for a single registration the four
-- took a sixth of its time.  The rules are the same, and are the ones
-- create_workflow() applies to a definition.
CREATE FUNCTION workflow_registry.valid_workflow_row(
        name pg_catalog.varchar,
        description pg_catalog.varchar,
        product_type pg_catalog.varchar,
        product_tag pg_catalog.varchar,
        is_task pg_catalog.bool)
RETURNS pg_catalog.bool
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'valid_workflow_row';
COMMENT ON FUNCTION workflow_registry.valid_workflow_row(pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.bool) IS
    'CHECK constraint of workflows: the name is an identifier of at most 255 characters, the description is not empty, a workflow that is not a task has a product type, and a product tag is not empty and comes with a product type';

-- Whoever may write a row must be able to run its CHECK; it reads nothing
-- but its arguments.
GRANT EXECUTE ON FUNCTION workflow_registry.valid_workflow_row(pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.varchar, pg_catalog.bool) TO PUBLIC;

-- NOT VALID, as in 1.1 and 1.2: the rows already there met the same rules
-- through the constraints dropped here, and the upgrade does not scan the
-- table.  New and updated rows are checked all the same.
ALTER TABLE workflow_registry.workflows
    DROP CONSTRAINT workflows_name_check,
    DROP CONSTRAINT workflows_description_check,
    DROP CONSTRAINT workflows_product_type_check,
    DROP CONSTRAINT workflows_product_tag_check,
    ADD CONSTRAINT workflows_row_check CHECK (
        workflow_registry.valid_workflow_row(name, description, product_type,
                                             product_tag, is_task)) NOT VALID;

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.6', 'extension', 'One CHECK constraint on workflows, in C (valid_workflow_row)');
