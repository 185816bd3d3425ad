/* workflow_registry--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION workflow_registry" to load this file. \quit

COMMENT ON SCHEMA workflow_registry IS
    'Registry of orchestrator workflows and products, written through validating functions';

--
-- Types
--
CREATE TYPE workflow_registry.target AS ENUM (
    'CREATE', 'MODIFY', 'TERMINATE', 'SYSTEM'
);
COMMENT ON TYPE workflow_registry.target IS
    'What a workflow does to a subscription; labels are upper case, as in orchestrator-core''s Target';

--
-- Tables: the shapes of orchestrator-core's products, workflows and
-- products_workflows, with the constraints upstream does not have.
--
CREATE TABLE workflow_registry.products (
    product_id   uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    name         varchar NOT NULL,
    description  varchar(2000) NOT NULL,
    product_type varchar(255) NOT NULL,
    tag          varchar(20) NOT NULL,
    status       varchar(255) NOT NULL DEFAULT 'active',
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    end_date     timestamptz,
    CONSTRAINT products_pkey PRIMARY KEY (product_id),
    CONSTRAINT products_name_key UNIQUE (name),
    CONSTRAINT products_name_check CHECK (
        pg_catalog.char_length(name) OPERATOR(pg_catalog.>=) 1
        AND pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 255),
    CONSTRAINT products_description_check CHECK (
        pg_catalog.char_length(description) OPERATOR(pg_catalog.>=) 1),
    CONSTRAINT products_product_type_check CHECK (
        pg_catalog.char_length(product_type) OPERATOR(pg_catalog.>=) 1),
    CONSTRAINT products_tag_check CHECK (
        pg_catalog.char_length(tag) OPERATOR(pg_catalog.>=) 1),
    CONSTRAINT products_status_check CHECK (
        status::pg_catalog.text OPERATOR(pg_catalog.=) ANY (
            '{active,"pre production","phase out","end of life"}'::pg_catalog.text[]))
);
CREATE INDEX products_product_type_tag_idx
    ON workflow_registry.products (product_type, tag);

COMMENT ON TABLE workflow_registry.products IS
    'Products; write through create_product() and delete_product()';
COMMENT ON COLUMN workflow_registry.products.product_type IS
    'Workflows of this product type are linked to the product';
COMMENT ON COLUMN workflow_registry.products.tag IS
    'Short code of the product, e.g. USER_INT';
COMMENT ON COLUMN workflow_registry.products.status IS
    'Lifecycle: active, pre production, phase out or end of life';

CREATE TABLE workflow_registry.workflows (
    workflow_id  uuid NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    name         varchar NOT NULL,
    target       workflow_registry.target NOT NULL,
    description  varchar(2000) NOT NULL,
    product_type varchar(255) NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT workflows_pkey PRIMARY KEY (workflow_id),
    CONSTRAINT workflows_name_key UNIQUE (name),
    CONSTRAINT workflows_name_check CHECK (
        name::pg_catalog.text OPERATOR(pg_catalog.~) '^[A-Za-z_][A-Za-z0-9_]*$'
        AND pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 255),
    CONSTRAINT workflows_description_check CHECK (
        pg_catalog.char_length(description) OPERATOR(pg_catalog.>=) 1)
);
CREATE INDEX workflows_product_type_idx
    ON workflow_registry.workflows (product_type);

COMMENT ON TABLE workflow_registry.workflows IS
    'Workflows; write through create_workflow() and delete_workflow()';
COMMENT ON COLUMN workflow_registry.workflows.name IS
    'Name of the Python function that implements the workflow';
COMMENT ON COLUMN workflow_registry.workflows.product_type IS
    'The workflow is linked to every product of this type';

CREATE TABLE workflow_registry.products_workflows (
    product_id  uuid NOT NULL,
    workflow_id uuid NOT NULL,
    CONSTRAINT products_workflows_pkey PRIMARY KEY (product_id, workflow_id),
    CONSTRAINT products_workflows_product_id_fkey FOREIGN KEY (product_id)
        REFERENCES workflow_registry.products (product_id) ON DELETE CASCADE,
    CONSTRAINT products_workflows_workflow_id_fkey FOREIGN KEY (workflow_id)
        REFERENCES workflow_registry.workflows (workflow_id) ON DELETE CASCADE
);
CREATE INDEX products_workflows_workflow_id_idx
    ON workflow_registry.products_workflows (workflow_id);

COMMENT ON TABLE workflow_registry.products_workflows IS
    'Which workflows run on which products; maintained by the registration functions';

--
-- The ledger: one row per extension version and, later, per data migration.
--
CREATE TABLE workflow_registry.migrations (
    version     text NOT NULL,
    kind        text NOT NULL,
    description text NOT NULL,
    checksum    text,
    applied_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    applied_by  name NOT NULL DEFAULT CURRENT_USER,
    CONSTRAINT migrations_pkey PRIMARY KEY (version),
    CONSTRAINT migrations_kind_check CHECK (
        kind OPERATOR(pg_catalog.=) ANY ('{extension,data}'::pg_catalog.text[])),
    CONSTRAINT migrations_version_check CHECK (
        pg_catalog.char_length(version) OPERATOR(pg_catalog.>=) 1)
);

COMMENT ON TABLE workflow_registry.migrations IS
    'Ledger of applied migrations: extension versions and data migrations';
COMMENT ON COLUMN workflow_registry.migrations.kind IS
    'extension: written by an install or upgrade script; data: a migration of registry rows';
COMMENT ON COLUMN workflow_registry.migrations.checksum IS
    'Digest of a data migration''s steps, to detect an edited migration; NULL for extension versions';
COMMENT ON COLUMN workflow_registry.migrations.applied_at IS
    'Clock time at which the migration was applied';
COMMENT ON COLUMN workflow_registry.migrations.applied_by IS
    'Role that applied the migration';

-- pg_dump keeps the user's rows; the rows the scripts write come back with
-- CREATE EXTENSION.
SELECT pg_catalog.pg_extension_config_dump('workflow_registry.products', '');
SELECT pg_catalog.pg_extension_config_dump('workflow_registry.workflows', '');
SELECT pg_catalog.pg_extension_config_dump('workflow_registry.products_workflows', '');
SELECT pg_catalog.pg_extension_config_dump('workflow_registry.migrations',
    'WHERE kind OPERATOR(pg_catalog.<>) ''extension''');

--
-- Functions
--
CREATE FUNCTION workflow_registry.create_workflow(workflow pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_workflow';
COMMENT ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) IS
    'Register a workflow from {"name", "target", "description", "product_type"} and link it to the products of that type; returns its id';

CREATE FUNCTION workflow_registry.delete_workflow(name pg_catalog.text,
                                                  if_exists pg_catalog.bool DEFAULT false)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'delete_workflow';
COMMENT ON FUNCTION workflow_registry.delete_workflow(pg_catalog.text, pg_catalog.bool) IS
    'Delete a workflow and its product links; an unknown name is an error unless if_exists';

CREATE FUNCTION workflow_registry.create_product(product pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_product';
COMMENT ON FUNCTION workflow_registry.create_product(pg_catalog.jsonb) IS
    'Register a product from {"name", "description", "product_type", "tag", "status"} and link it to the workflows of its type; returns its id';

CREATE FUNCTION workflow_registry.delete_product(name pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'delete_product';
COMMENT ON FUNCTION workflow_registry.delete_product(pg_catalog.text) IS
    'Delete a product and its workflow links; an unknown name is an error';

--
-- Privileges: the functions run as the extension's owner and are the only
-- way to write.  Nothing is granted to PUBLIC; see the README for reader
-- and writer roles.
--
REVOKE ALL ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.delete_workflow(pg_catalog.text, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.create_product(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.delete_product(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON TABLE workflow_registry.products, workflow_registry.workflows,
    workflow_registry.products_workflows, workflow_registry.migrations FROM PUBLIC;

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.0', 'extension',
        'Registry tables, target enum (CREATE, MODIFY, TERMINATE, SYSTEM), ledger, create/delete of workflows and products');
