-- orchestrator-core's create_workflow statement, the same names and types
-- as create_ours.sql.
\set i :i + 1
WITH new_workflow AS (
    INSERT INTO upstream.workflows (name, target, is_task, description)
        VALUES ('wf_' || :client_id || '_' || :i, 'CREATE', false, 'Bench workflow')
        ON CONFLICT DO NOTHING
        RETURNING workflow_id)
INSERT INTO upstream.products_workflows (product_id, workflow_id)
SELECT p.product_id, nw.workflow_id
FROM upstream.products AS p CROSS JOIN new_workflow AS nw
WHERE p.product_type = (ARRAY['UserGroup','User','Node','Port','Circuit'])[1 + :i % 5]
ON CONFLICT DO NOTHING;
