-- The stress test's registry: product types A and B for the plain calls,
-- M<n>a and M<n>b for migration m<n>, with a product each that is never
-- deleted, and the helper that runs one writer and records its
-- SQLSTATE.  Only the SQLSTATEs the README documents for concurrent calls
-- are caught; any other error (40P01 deadlock_detected among them) goes
-- on to pgbench, which counts it as a failed transaction or aborts the
-- client, and the test fails.
CREATE EXTENSION workflow_registry;
SELECT pg_catalog.count(workflow_registry.create_product(pg_catalog.jsonb_build_object(
           'name', t || ' base', 'description', 'Base', 'product_type', t, 'tag', 'BASE')))
FROM unnest(ARRAY['A', 'B']
            OPERATOR(pg_catalog.||) ARRAY(SELECT 'M' || n || x FROM generate_series(0, 5) AS n,
                                                 unnest(ARRAY['a', 'b']) AS x)) AS t;

\ir functions.sql
