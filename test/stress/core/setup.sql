-- The stress database of core.sh: orchestrator-core's tables in schema
-- public as its migrations leave them (and processes), products of the
-- pool's types A and B and of the migrations' types, and modify_note
-- linked to every product.  With :attached the extension is created and
-- attached with its defaults, and its writers run through public.try()
-- (../functions.sql); without, the same pool is registered by
-- orchestrator-core's own helper statements (public.helper_*).
-- public.core_try() runs one of orchestrator-core's own statements and
-- records its SQLSTATE, whatever it is: its errors attached are compared
-- with those on the plain copy.
\set ON_ERROR_STOP 1
\i :schema
CREATE TABLE public.processes (pid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                               workflow_id uuid NOT NULL REFERENCES public.workflows (workflow_id));
INSERT INTO public.products (name, description, product_type, tag, status)
SELECT t || ' base', 'Base', t, 'BASE', 'active'
FROM unnest(ARRAY['A', 'B'] || ARRAY(SELECT 'M' || n || x FROM generate_series(0, 5) AS n,
                                           unnest(ARRAY['a', 'b']) AS x)) AS t;
INSERT INTO public.workflows (name, target, description) VALUES ('modify_note', 'MODIFY', 'Modify Note');
INSERT INTO public.products_workflows SELECT p.product_id, w.workflow_id
FROM public.products AS p, public.workflows AS w WHERE w.name = 'modify_note';

CREATE UNLOGGED TABLE public.core_outcomes (call text NOT NULL, sqlstate text NOT NULL);
CREATE FUNCTION public.core_try(call text, statement text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text := '00000';
BEGIN
    BEGIN
        EXECUTE statement;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
    END;
    INSERT INTO public.core_outcomes VALUES (call, state);
    RETURN state;
END
$$;

\ir ../functions.sql

-- orchestrator-core's own create_workflow helper, as it runs on the plain
-- copy in place of the extension's create_workflow (schema.sql's statement)
CREATE FUNCTION public.helper_create_workflow(def jsonb) RETURNS text
LANGUAGE sql AS $$
    SELECT public.core_try('helper create_workflow', pg_catalog.format(
        'WITH new_workflow AS (INSERT INTO public.workflows (name, target, is_task, description)'
        ' VALUES (%L, %L, false, %L) ON CONFLICT DO NOTHING RETURNING workflow_id)'
        ' INSERT INTO public.products_workflows (product_id, workflow_id)'
        ' SELECT p.product_id, nw.workflow_id FROM public.products AS p CROSS JOIN new_workflow AS nw'
        ' WHERE p.product_type = %L AND (%L::text IS NULL OR p.tag = %L) ON CONFLICT DO NOTHING',
        def ->> 'name', def ->> 'target', def ->> 'description', def ->> 'product_type',
        def ->> 'product_tag', def ->> 'product_tag'))
$$;

\if :attached
CREATE EXTENSION workflow_registry;
SELECT pg_catalog.count(*) FROM workflow_registry.attach_orchestrator_core('public');
\endif
