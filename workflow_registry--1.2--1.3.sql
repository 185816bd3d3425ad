/* workflow_registry--1.2--1.3.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION workflow_registry UPDATE TO '1.3'" to load this file. \quit

-- The ledger takes data migrations: what they require, their normalised
-- steps, what they touched, what undoes them, and whether they were
-- reverted.  A reverted migration stays in the history and may be applied
-- again, so a version is unique only among the rows not reverted.
ALTER TABLE workflow_registry.migrations
    ADD COLUMN requires text[] NOT NULL DEFAULT '{}',
    ADD COLUMN steps jsonb,
    ADD COLUMN undo jsonb,
    ADD COLUMN touches text[] NOT NULL DEFAULT '{}',
    ADD COLUMN execution_time interval,
    ADD COLUMN reverted_at timestamptz,
    ADD COLUMN reverted_by name,
    DROP CONSTRAINT migrations_pkey,
    ADD CONSTRAINT migrations_pkey PRIMARY KEY (version, applied_at),
    ADD CONSTRAINT migrations_data_check CHECK (
        kind OPERATOR(pg_catalog.=) 'extension'
        OR (checksum IS NOT NULL AND steps IS NOT NULL AND undo IS NOT NULL)),
    ADD CONSTRAINT migrations_reverted_check CHECK (
        (reverted_at IS NULL) OPERATOR(pg_catalog.=) (reverted_by IS NULL)
        AND (reverted_at IS NULL OR kind OPERATOR(pg_catalog.=) 'data'));
CREATE UNIQUE INDEX migrations_applied_version_key
    ON workflow_registry.migrations (version) WHERE reverted_at IS NULL;

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

REVOKE ALL ON FUNCTION workflow_registry.create_workflows(pg_catalog.jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.apply_migration(pg_catalog.text, pg_catalog.text, pg_catalog.jsonb, pg_catalog.text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION workflow_registry.revert_migration(pg_catalog.text) FROM PUBLIC;
REVOKE ALL ON TABLE workflow_registry.migration_history FROM PUBLIC;

INSERT INTO workflow_registry.migrations (version, kind, description)
VALUES ('1.3', 'extension',
        'Data migrations (apply_migration, revert_migration, migration_history), create_workflows');
