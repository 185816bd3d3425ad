-- The stress test's helpers, shared by setup.sql and core/setup.sql: the
-- table of outcomes, public.try() that runs one writer of the extension
-- and lets through only the SQLSTATEs the README documents for concurrent
-- calls, and the pool of definitions.
CREATE UNLOGGED TABLE public.outcomes (call text NOT NULL, sqlstate text NOT NULL);

CREATE FUNCTION public.try(call text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text := '00000';
BEGIN
    BEGIN
        EXECUTE call;
    EXCEPTION
        WHEN SQLSTATE '42710' OR SQLSTATE '42704' OR SQLSTATE '23503'
          OR SQLSTATE '40001' OR SQLSTATE '55000' OR SQLSTATE '2BP01' THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
    END;
    INSERT INTO public.outcomes
    VALUES (substring(call FROM 'workflow_registry\.([a-z_]+)'), state);
    RETURN state;
END
$$;

-- A workflow definition from the small pool: name wf<n>, one of two
-- descriptions and two product types, sometimes a tag.
CREATE FUNCTION public.wf(n int, v int) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'name', 'wf' || n, 'target', (ARRAY['CREATE', 'MODIFY'])[v % 2 + 1],
        'description', 'variant ' || (v % 2), 'product_type', (ARRAY['A', 'B'])[v / 2 % 2 + 1],
        'product_tag', CASE WHEN v % 5 = 4 THEN 'T1' END))
$$;

-- A product of the pool: name p<type><n>, type A or B, tag T1 or T2.
CREATE FUNCTION public.product(t text, n int, v int) RETURNS jsonb
LANGUAGE sql AS $$
    SELECT pg_catalog.jsonb_build_object('name', 'p' || t || n, 'description', 'variant ' || v,
        'product_type', t, 'tag', 'T' || (v % 2 + 1))
$$;

-- Migration m<n>: a workflow mw<n> created and updated (which moves it
-- from product type M<n>a to M<n>b, which only this migration changes), a
-- product pM<n> of type M<n>a, and for some v a delete of a
-- workflow of the pool.  The steps, and so the checksum, depend on n and
-- on v / 3: the same version with the same steps again is a no-op, with
-- other steps a 42710.
CREATE FUNCTION public.migration(n int, v int) RETURNS text
LANGUAGE sql AS $$
    SELECT pg_catalog.format('SELECT workflow_registry.apply_migration(%L, %L, %L)',
        'm' || n, 'Migration ' || n, pg_catalog.jsonb_build_array(
            pg_catalog.jsonb_build_object('create_workflow', pg_catalog.jsonb_build_object(
                'name', 'mw' || n, 'target', 'CREATE', 'description', 'by m' || n,
                'product_type', 'M' || n || 'a')),
            pg_catalog.jsonb_build_object('update_workflow', pg_catalog.jsonb_build_object(
                'name', 'mw' || n, 'description', 'updated by m' || n || ' ' || (v / 3),
                'product_type', 'M' || n || 'b')),
            pg_catalog.jsonb_build_object('create_product', public.product('M', n, 0)
                OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('product_type', 'M' || n || 'a')),
            pg_catalog.jsonb_build_object('delete_workflow', 'wf' || (n + v) % 12))
        OPERATOR(pg_catalog.#-) ARRAY[CASE WHEN v < 7 THEN '3' ELSE '4' END])
$$;
