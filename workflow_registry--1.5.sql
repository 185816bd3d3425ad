/* workflow_registry--1.5.sql */

-- The state that workflow_registry--1.0.sql and the upgrade scripts up to
-- 1.5 leave, in one script.  It exists because enum labels added by ALTER
-- TYPE ... ADD VALUE cannot be used in the transaction that added them, so
-- a fresh install through the chain could not register a VALIDATE workflow
-- in its own transaction (nor restore one with pg_restore --single-transaction).
-- test sql/fresh_upgraded.sql checks that it equals 1.0 updated to 1.5.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION workflow_registry" to load this file. \quit

COMMENT ON SCHEMA workflow_registry IS
    'Registry of orchestrator workflows and products, written through validating functions; every change sends NOTIFY workflow_registry';

--
-- Types
--
CREATE TYPE workflow_registry.target AS ENUM (
    'CREATE', 'MODIFY', 'TERMINATE', 'SYSTEM', 'VALIDATE', 'RECONCILE'
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
    product_type varchar(255),
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    is_task      boolean NOT NULL DEFAULT false,
    product_tag  varchar(20),
    CONSTRAINT workflows_pkey PRIMARY KEY (workflow_id),
    CONSTRAINT workflows_name_key UNIQUE (name),
    CONSTRAINT workflows_name_check CHECK (
        name::pg_catalog.text OPERATOR(pg_catalog.~) '^[A-Za-z_][A-Za-z0-9_]*$'
        AND pg_catalog.char_length(name) OPERATOR(pg_catalog.<=) 255),
    CONSTRAINT workflows_description_check CHECK (
        pg_catalog.char_length(description) OPERATOR(pg_catalog.>=) 1)
);
-- NOT VALID, as the upgrades add them (without a scan of the table); they
-- apply to every row all the same, as the table starts empty
ALTER TABLE workflow_registry.workflows
    ADD CONSTRAINT workflows_product_type_check CHECK (
        is_task OR product_type IS NOT NULL) NOT VALID,
    ADD CONSTRAINT workflows_product_tag_check CHECK (
        product_tag IS NULL
        OR (product_type IS NOT NULL
            AND pg_catalog.char_length(product_tag) OPERATOR(pg_catalog.>=) 1)) NOT VALID;
CREATE INDEX workflows_product_type_idx
    ON workflow_registry.workflows (product_type);

COMMENT ON TABLE workflow_registry.workflows IS
    'Workflows; write through create_workflow() and delete_workflow()';
COMMENT ON COLUMN workflow_registry.workflows.name IS
    'Name of the Python function that implements the workflow';
COMMENT ON COLUMN workflow_registry.workflows.product_type IS
    'The workflow is linked to every product of this type; NULL only for tasks';
COMMENT ON COLUMN workflow_registry.workflows.is_task IS
    'True for a task: a SYSTEM workflow that runs on no product';
COMMENT ON COLUMN workflow_registry.workflows.product_tag IS
    'When set, the workflow is linked only to the products of its type with this tag';

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
    version        text NOT NULL,
    kind           text NOT NULL,
    description    text NOT NULL,
    checksum       text,
    applied_at     timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    applied_by     name NOT NULL DEFAULT CURRENT_USER,
    requires       text[] NOT NULL DEFAULT '{}',
    steps          jsonb,
    undo           jsonb,
    touches        text[] NOT NULL DEFAULT '{}',
    execution_time interval,
    reverted_at    timestamptz,
    reverted_by    name,
    CONSTRAINT migrations_kind_check CHECK (
        kind OPERATOR(pg_catalog.=) ANY ('{extension,data}'::pg_catalog.text[])),
    CONSTRAINT migrations_version_check CHECK (
        pg_catalog.char_length(version) OPERATOR(pg_catalog.>=) 1),
    CONSTRAINT migrations_pkey PRIMARY KEY (version, applied_at),
    CONSTRAINT migrations_data_check CHECK (
        kind OPERATOR(pg_catalog.=) 'extension'
        OR (checksum IS NOT NULL AND steps IS NOT NULL AND undo IS NOT NULL)),
    CONSTRAINT migrations_reverted_check CHECK (
        (reverted_at IS NULL) OPERATOR(pg_catalog.=) (reverted_by IS NULL)
        AND (reverted_at IS NULL OR kind OPERATOR(pg_catalog.=) 'data'))
);
CREATE UNIQUE INDEX migrations_applied_version_key
    ON workflow_registry.migrations (version) WHERE reverted_at IS NULL;

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
COMMENT ON COLUMN workflow_registry.migrations.requires IS
    'Versions (data or extension) that had to be applied before this migration';
COMMENT ON COLUMN workflow_registry.migrations.steps IS
    'The normalised steps of a data migration; the checksum is their SHA-256';
COMMENT ON COLUMN workflow_registry.migrations.undo IS
    'What revert_migration() does, last entry first: ids of created rows, images of deleted and changed ones';
COMMENT ON COLUMN workflow_registry.migrations.touches IS
    'Workflows, products and product types the migration changed; a later migration that shares one depends on it';
COMMENT ON COLUMN workflow_registry.migrations.execution_time IS
    'How long a data migration took to apply';
COMMENT ON COLUMN workflow_registry.migrations.reverted_at IS
    'When revert_migration() undid the migration; NULL while it is applied';
COMMENT ON COLUMN workflow_registry.migrations.reverted_by IS
    'Role that reverted the migration';

CREATE VIEW workflow_registry.migration_history AS
SELECT pg_catalog.row_number() OVER (ORDER BY m.applied_at, m.version) AS rank,
       m.version, m.kind, m.description, m.requires, m.checksum,
       m.applied_at, m.applied_by, m.execution_time,
       CASE WHEN m.reverted_at IS NULL THEN 'applied' ELSE 'reverted' END AS state,
       m.reverted_at, m.reverted_by
FROM workflow_registry.migrations AS m
ORDER BY m.applied_at, m.version;

COMMENT ON VIEW workflow_registry.migration_history IS
    'The ledger in applied order, each row applied or reverted';

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
AS 'MODULE_PATHNAME', 'create_workflow_1_2';
COMMENT ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) IS
    'Register a workflow from {"name", "target", "description", "product_type", "is_task", "product_tag"} and link it to the products of that type (and tag); returns its id';

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
AS 'MODULE_PATHNAME', 'create_product_1_2';
COMMENT ON FUNCTION workflow_registry.create_product(pg_catalog.jsonb) IS
    'Register a product from {"name", "description", "product_type", "tag", "status"} and link it to the workflows of its type whose product_tag is unset or its tag; returns its id';

CREATE FUNCTION workflow_registry.delete_product(name pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'delete_product';
COMMENT ON FUNCTION workflow_registry.delete_product(pg_catalog.text) IS
    'Delete a product and its workflow links; an unknown name is an error';

CREATE FUNCTION workflow_registry.create_task(task pg_catalog.jsonb)
RETURNS pg_catalog.uuid
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_task';
COMMENT ON FUNCTION workflow_registry.create_task(pg_catalog.jsonb) IS
    'Register a task from {"name", "description"}: target SYSTEM, is_task, no products; returns its id';

CREATE FUNCTION workflow_registry.create_workflows(workflows pg_catalog.jsonb)
RETURNS TABLE (name pg_catalog.text, workflow_id pg_catalog.uuid)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'create_workflows';
COMMENT ON FUNCTION workflow_registry.create_workflows(pg_catalog.jsonb) IS
    'Register an array of workflow definitions, all or nothing; returns each name with its id';

CREATE FUNCTION workflow_registry.apply_migration(version pg_catalog.text,
                                                  description pg_catalog.text,
                                                  steps pg_catalog.jsonb,
                                                  requires pg_catalog.text[] DEFAULT '{}')
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'apply_migration';
COMMENT ON FUNCTION workflow_registry.apply_migration(pg_catalog.text, pg_catalog.text, pg_catalog.jsonb, pg_catalog.text[]) IS
    'Apply a data migration: steps create_workflow, create_task, delete_workflow, update_workflow, create_product, delete_product, all or none, recorded in the ledger';

CREATE FUNCTION workflow_registry.revert_migration(version pg_catalog.text)
RETURNS void
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'revert_migration';
COMMENT ON FUNCTION workflow_registry.revert_migration(pg_catalog.text) IS
    'Undo a data migration exactly (ids, created_at and links come back) if no later migration depends on it';

CREATE FUNCTION workflow_registry.plan(manifest pg_catalog.jsonb,
                                       allow_delete pg_catalog.bool DEFAULT false)
RETURNS TABLE (action pg_catalog.text, kind pg_catalog.text, name pg_catalog.text,
               key pg_catalog.text, old_value pg_catalog.text, new_value pg_catalog.text)
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'plan_manifest';
COMMENT ON FUNCTION workflow_registry.plan(pg_catalog.jsonb, pg_catalog.bool) IS
    'The actions (create, update, delete, link, unlink) that would make the registry equal to a manifest {"workflows", "tasks", "products"}; writes nothing';

CREATE FUNCTION workflow_registry.sync(manifest pg_catalog.jsonb,
                                       version pg_catalog.text,
                                       allow_delete pg_catalog.bool DEFAULT false)
RETURNS TABLE (action pg_catalog.text, kind pg_catalog.text, name pg_catalog.text,
               key pg_catalog.text, old_value pg_catalog.text, new_value pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sync_manifest';
COMMENT ON FUNCTION workflow_registry.sync(pg_catalog.jsonb, pg_catalog.text, pg_catalog.bool) IS
    'Apply the plan of a manifest as the data migration "version" (revert_migration undoes it) and return the actions taken; with nothing to do it records nothing';

CREATE FUNCTION workflow_registry."check"(code_workflows pg_catalog.jsonb)
RETURNS TABLE (difference pg_catalog.text, name pg_catalog.text,
               code_target pg_catalog.text, registered_target pg_catalog.text)
LANGUAGE C STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'check_code';
COMMENT ON FUNCTION workflow_registry."check"(pg_catalog.jsonb) IS
    'Compare the workflows the code registers (names, or {"name", "target"}) with the registry: not registered, not in code, target differs';

CREATE FUNCTION workflow_registry.import_orchestrator_core(
        source_schema pg_catalog.name DEFAULT 'public',
        dry_run pg_catalog.bool DEFAULT true)
RETURNS TABLE (kind pg_catalog.text, name pg_catalog.text,
               action pg_catalog.text, reason pg_catalog.text)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'import_orchestrator_core';
COMMENT ON FUNCTION workflow_registry.import_orchestrator_core(pg_catalog.name, pg_catalog.bool) IS
    'Import orchestrator-core''s products, workflows and links from a schema, ids kept, as one revertable data migration; every row that cannot be taken as it is comes back with the reason; dry_run (the default) writes nothing';

--
-- Privileges: the functions run as the extension's owner and are the only
-- way to write.  Nothing is granted to PUBLIC; see the README for reader
-- and writer roles.
--
REVOKE ALL ON FUNCTION workflow_registry.create_workflow(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.delete_workflow(pg_catalog.text, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.create_product(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.delete_product(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.create_task(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.create_workflows(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.apply_migration(pg_catalog.text, pg_catalog.text, pg_catalog.jsonb, pg_catalog.text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.revert_migration(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.plan(pg_catalog.jsonb, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.sync(pg_catalog.jsonb, pg_catalog.text, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry."check"(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.import_orchestrator_core(pg_catalog.name, pg_catalog.bool) FROM PUBLIC;
REVOKE ALL ON TABLE workflow_registry.products, workflow_registry.workflows,
    workflow_registry.products_workflows, workflow_registry.migrations,
    workflow_registry.migration_history FROM PUBLIC;

-- one ledger row per version this script stands for, as the chain writes them
INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.0', 'extension',
        'Registry tables, target enum (CREATE, MODIFY, TERMINATE, SYSTEM), ledger, create/delete of workflows and products');
INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.1', 'extension',
        'Target VALIDATE, tasks (workflows.is_task, create_task)');
INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.2', 'extension',
        'Target RECONCILE, workflows.product_tag');
INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.3', 'extension',
        'Data migrations (apply_migration, revert_migration, migration_history), create_workflows');
INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.4', 'extension',
        'Declarative registry (plan, sync, check), NOTIFY workflow_registry on every change');
INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.5', 'extension', 'import_orchestrator_core');
