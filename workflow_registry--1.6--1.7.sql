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

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.7', 'extension', 'valid_workflow_row bound to a C symbol of its own version');
