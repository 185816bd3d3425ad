--
-- The benchmark database attached (test/bench/instructions with
-- ATTACHED=1): orchestrator-core's tables in schema upstream are the
-- registry, so create_ours.sql and create_upstream.sql write the same
-- tables, the extension through its function and orchestrator-core
-- through its helper's statement, with attach's guards in place for both
-- (asked for from 1.9, which adds none unless asked: so a 1.8 library and
-- a later one measure the same tables).  Run after setup.sql.
--
\set ON_ERROR_STOP 1

-- the extension's own registry is emptied: attached, it stays unused
TRUNCATE workflow_registry.products_workflows, workflow_registry.workflows,
         workflow_registry.products;
SELECT EXISTS (SELECT FROM pg_catalog.pg_proc
               WHERE proname = 'attach_orchestrator_core' AND pronargs = 4) AS attach_has_options \gset
\if :attach_has_options
SELECT pg_catalog.count(*) FROM workflow_registry.attach_orchestrator_core('upstream',
    target_check => true, link_new_products => true);
\else
SELECT pg_catalog.count(*) FROM workflow_registry.attach_orchestrator_core('upstream');
\endif

-- Back to the start state, on orchestrator-core's tables only: the six
-- seed workflows registered through the extension, and base_1 .. base_<base>
-- with the rows and links (and the product types attach records) the
-- extension would write.
CREATE FUNCTION bench.reset_attached(base int) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    TRUNCATE upstream.products_workflows, upstream.workflows,
             workflow_registry.attached_workflows;
    PERFORM workflow_registry.create_workflow(s.def) FROM bench.seed_workflows AS s;
    INSERT INTO upstream.workflows (name, target, is_task, description)
    SELECT 'base_' || i, 'CREATE', false, 'Background workflow'
    FROM generate_series(1, base) AS i;
    INSERT INTO workflow_registry.attached_workflows (workflow_id, product_type)
    SELECT w.workflow_id, (ARRAY['UserGroup','User','Node','Port','Circuit'])[1 + i % 5]
    FROM generate_series(1, base) AS i
    JOIN upstream.workflows AS w ON w.name = 'base_' || i;
    INSERT INTO upstream.products_workflows (product_id, workflow_id)
    SELECT p.product_id, w.workflow_id
    FROM generate_series(1, base) AS i
    JOIN upstream.workflows AS w ON w.name = 'base_' || i
    JOIN upstream.products AS p
      ON p.product_type = (ARRAY['UserGroup','User','Node','Port','Circuit'])[1 + i % 5];
END $$;
