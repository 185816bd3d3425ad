-- One registration per transaction through our function; a fresh name per
-- transaction (client id and a per-client counter started with -D i=0).
\set i :i + 1
SELECT workflow_registry.create_workflow(pg_catalog.jsonb_build_object(
    'name', 'wf_' || :client_id || '_' || :i,
    'target', 'CREATE',
    'description', 'Bench workflow',
    'product_type', (ARRAY['UserGroup','User','Node','Port','Circuit'])[1 + :i % 5]));
